/// Bit-packing conventions shared by every layer.
///
/// A value in {-1, +1} is one bit: **bit 1 = -1, bit 0 = +1**. Element `i` of a row
/// lives in word `i / 64`, bit `i % 64`. Rows are padded to whole `UInt64` words with
/// zero bits, so padding never counts as a mismatch in `popcount(a XOR w)`.
public enum BitPacking {
  /// Words needed for `bits` packed elements: `ceil(bits / 64)`.
  @inlinable
  public static func words(forBits bits: Int) -> Int { (bits + 63) >> 6 }

  /// The mask of the used bits in the last word of a `bits`-long row (all ones when
  /// `bits` is a multiple of 64).
  @inlinable
  public static func lastWordMask(forBits bits: Int) -> UInt64 {
    let used = bits & 63
    return used == 0 ? ~0 : (1 << UInt64(used)) &- 1
  }

  /// Packs signs: element `i` becomes bit 1 when `values[i] < 0` (so `sign(0) = +1`).
  public static func packSigns(_ values: [Float]) -> [UInt64] {
    var words = [UInt64](repeating: 0, count: words(forBits: values.count))
    for (i, value) in values.enumerated() where value < 0 {
      words[i >> 6] |= 1 << UInt64(i & 63)
    }
    return words
  }

  /// Packs `rows` rows of `columns` signs each (row-major), each row padded to whole words.
  public static func packSignRows(_ values: [Float], rows: Int, columns: Int) -> [UInt64] {
    precondition(values.count == rows * columns, "packSignRows: count does not match shape")
    let rowWords = words(forBits: columns)
    var packed = [UInt64](repeating: 0, count: rows * rowWords)
    for r in 0..<rows {
      for c in 0..<columns where values[r * columns + c] < 0 {
        packed[r * rowWords + (c >> 6)] |= 1 << UInt64(c & 63)
      }
    }
    return packed
  }

  /// True when every bit past `bits` in each of the `rows` rows of `rowWords` words is zero.
  public static func paddingIsZero(
    _ words: UnsafeBufferPointer<UInt64>, rows: Int, rowWords: Int, bits: Int
  ) -> Bool {
    if rowWords == 0 { return true }
    let fullWords = bits >> 6
    let mask = lastWordMask(forBits: bits)
    for r in 0..<rows {
      let row = r * rowWords
      for k in fullWords..<rowWords {
        let allowed: UInt64 = (k == fullWords && bits & 63 != 0) ? mask : 0
        if words[row + k] & ~allowed != 0 { return false }
      }
    }
    return true
  }
}
