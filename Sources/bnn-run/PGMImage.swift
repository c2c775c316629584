/// A grayscale image read from a PGM file (Netpbm P2 ASCII or P5 binary, maxval <= 255).
struct PGMImage {
  var width: Int
  var height: Int
  /// Row-major pixels scaled to 0...255 (`value * 255 / maxval`, rounded).
  var pixels: [UInt8]

  /// Parses PGM bytes; the error text says what is wrong.
  init(bytes: [UInt8]) throws(PGMError) {
    var cursor = 0
    guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
      bytes[1] == UInt8(ascii: "2") || bytes[1] == UInt8(ascii: "5")
    else { throw PGMError("not a PGM file (expected P2 or P5)") }
    let binary = bytes[1] == UInt8(ascii: "5")
    cursor = 2

    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }
    /// The next decimal number, skipping whitespace and '#' comments.
    func number(_ what: String) throws(PGMError) -> Int {
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
      guard digits > 0 else { throw PGMError("missing or malformed \(what)") }
      return value
    }

    width = try number("width")
    height = try number("height")
    let maxval = try number("maxval")
    guard width > 0, height > 0 else { throw PGMError("image is empty (\(width)x\(height))") }
    guard maxval >= 1, maxval <= 255 else { throw PGMError("maxval \(maxval) is not supported (1...255, 8-bit only)") }
    let count = width * height
    var raw = [UInt8](repeating: 0, count: count)
    if binary {
      guard cursor < bytes.count, isSpace(bytes[cursor]) else { throw PGMError("missing whitespace after maxval") }
      cursor += 1
      guard bytes.count - cursor >= count else {
        throw PGMError("pixel data is truncated: \(bytes.count - cursor) of \(count) bytes")
      }
      for i in 0..<count { raw[i] = bytes[cursor + i] }
    } else {
      for i in 0..<count { raw[i] = UInt8(clamping: try number("pixel \(i)")) }
    }
    for (i, v) in raw.enumerated() where Int(v) > maxval {
      throw PGMError("pixel \(i) is \(v), above maxval \(maxval)")
    }
    pixels = maxval == 255 ? raw : raw.map { UInt8((Int($0) * 255 + maxval / 2) / maxval) }
  }
}

struct PGMError: Error, CustomStringConvertible {
  var description: String
  init(_ text: String) { description = text }
}
