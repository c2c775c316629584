/// The header of a PGM file: format, size, maxval and where the pixels start.
struct PGMHeader {
  var binary: Bool
  var width: Int
  var height: Int
  var maxval: Int
  /// Offset of the first pixel byte (P5) or of the text after maxval (P2).
  var dataOffset: Int
  var pixelCount: Int { width * height }

  /// The largest file this header allows: the pixels (P5: a byte each; P2: up to 3 digits
  /// and 2 whitespace characters each) plus `PGMImage.slack`.
  var largestFileSize: Int { dataOffset + pixelCount * (binary ? 1 : 5) + PGMImage.slack }

  /// Parses the header at the start of `bytes`; `isWholeFile` false means more bytes
  /// follow, so a number running to the end of `bytes` is an error (the header is too long).
  init(_ bytes: [UInt8], isWholeFile: Bool) throws(PGMError) {
    guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
      bytes[1] == UInt8(ascii: "2") || bytes[1] == UInt8(ascii: "5")
    else { throw PGMError("not a PGM file (expected P2 or P5)") }
    binary = bytes[1] == UInt8(ascii: "5")
    var cursor = 2
    func field(_ what: String) throws(PGMError) -> Int {
      guard let value = try Self.number(bytes, &cursor, what, isWholeFile: isWholeFile) else {
        throw PGMError("missing or malformed \(what)")
      }
      return value
    }
    width = try field("width")
    height = try field("height")
    maxval = try field("maxval")
    guard width > 0, height > 0 else { throw PGMError("image is empty (\(width)x\(height))") }
    let (count, overflow) = width.multipliedReportingOverflow(by: height)
    guard !overflow, count <= PGMImage.pixelLimit else {
      throw PGMError("image is too large (\(width)x\(height); at most \(PGMImage.pixelLimit) pixels)")
    }
    guard maxval >= 1, maxval <= 255 else { throw PGMError("maxval \(maxval) is not supported (1...255, 8-bit only)") }
    if binary {
      guard cursor < bytes.count, Self.isSpace(bytes[cursor]) else {
        throw PGMError("missing whitespace after maxval")
      }
      cursor += 1
    }
    dataOffset = cursor
  }

  static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }

  /// The next decimal number at `cursor`, skipping whitespace and '#' comments; nil when
  /// there is none (end of data or another character).
  static func number(_ bytes: [UInt8], _ cursor: inout Int, _ what: String, isWholeFile: Bool) throws(PGMError)
    -> Int?
  {
    while cursor < bytes.count {
      if isSpace(bytes[cursor]) {
        cursor += 1
        continue
      }
      if bytes[cursor] == UInt8(ascii: "#") {
        while cursor < bytes.count && bytes[cursor] != 0x0A { cursor += 1 }
        continue
      }
      break
    }
    var value = 0
    var digits = 0
    while cursor < bytes.count, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39 {
      value = value * 10 + Int(bytes[cursor] - 0x30)
      digits += 1
      cursor += 1
      if value > 1 << 24 { throw PGMError("\(what) is too large") }
    }
    if cursor >= bytes.count && !isWholeFile {
      throw PGMError("the header is longer than \(PGMImage.headerLimit) bytes")
    }
    return digits > 0 ? value : nil
  }
}
