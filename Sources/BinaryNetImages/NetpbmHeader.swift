/// The text syntax shared by Netpbm headers and ASCII rasters: whitespace (space, tab,
/// CR, LF, VT, FF) separates decimal numbers; `#` starts a comment to the end of the line.
enum NetpbmSyntax {
  static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
  }

  static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  /// Moves `cursor` past whitespace and comments.
  static func skipSpaceAndComments(_ bytes: [UInt8], _ cursor: inout Int) {
    while cursor < bytes.count {
      if isSpace(bytes[cursor]) {
        cursor += 1
      } else if bytes[cursor] == UInt8(ascii: "#") {
        while cursor < bytes.count && bytes[cursor] != 0x0A && bytes[cursor] != 0x0D { cursor += 1 }
      } else {
        return
      }
    }
  }

  /// The decimal number at `cursor` (after whitespace and comments), which must end at
  /// whitespace, a comment or the end of the data; nil when there is none. A number above
  /// `cap` is returned as `cap + 1` (its digits are still consumed), so no value overflows.
  static func number(_ bytes: [UInt8], _ cursor: inout Int, cap: Int) -> Int? {
    skipSpaceAndComments(bytes, &cursor)
    var value = 0
    var digits = 0
    while cursor < bytes.count, isDigit(bytes[cursor]) {
      if value <= cap { value = min(value * 10 + Int(bytes[cursor] - 0x30), cap + 1) }
      digits += 1
      cursor += 1
    }
    guard digits > 0 else { return nil }
    if cursor < bytes.count && !isSpace(bytes[cursor]) && bytes[cursor] != UInt8(ascii: "#") { return nil }
    return value
  }
}

/// The header of a PGM or PPM file (Netpbm): `P2`/`P5` grey or `P3`/`P6` colour, ASCII
/// (`P2`, `P3`) or binary (`P5`, `P6`), then width, height and maxval (1...65535) as
/// decimal numbers separated by whitespace and comments. A binary raster starts after
/// exactly one whitespace byte following maxval.
struct NetpbmHeader {
  var binary: Bool
  var channels: Int
  var width: Int
  var height: Int
  var maxval: Int
  /// Offset of the first raster byte (binary) or of the text after maxval (ASCII).
  var rasterOffset: Int

  var sampleCount: Int { width * height * channels }
  /// Bytes per sample in a binary raster: 1 when maxval < 256, else 2 (big-endian).
  var bytesPerSample: Int { maxval < 256 ? 1 : 2 }
  var kind: String { "P" + String(binary ? (channels == 1 ? 5 : 6) : (channels == 1 ? 2 : 3)) }

  /// Parses the header; the width and height are checked against `ImageSizeLimits`.
  init(_ bytes: [UInt8]) throws(ImageCodecFailure) {
    guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else {
      throw ImageCodecFailure("not a PGM or PPM file")
    }
    switch bytes[1] {
    case UInt8(ascii: "2"): (binary, channels) = (false, 1)
    case UInt8(ascii: "3"): (binary, channels) = (false, 3)
    case UInt8(ascii: "5"): (binary, channels) = (true, 1)
    case UInt8(ascii: "6"): (binary, channels) = (true, 3)
    default: throw ImageCodecFailure("not a PGM or PPM file (magic P\(bytes[1]))")
    }
    var cursor = 2
    // Sides are capped above the limit so the size check below reports them as they are
    // (a side over a million is reported as 1000001).
    let sideCap = 1_000_000
    func field(_ what: String, cap: Int) throws(ImageCodecFailure) -> Int {
      guard let value = NetpbmSyntax.number(bytes, &cursor, cap: cap) else {
        throw ImageCodecFailure("the header's \(what) is missing or malformed")
      }
      return value
    }
    width = try field("width", cap: sideCap)
    height = try field("height", cap: sideCap)
    try ImageSizeLimits.check(width: width, height: height)
    maxval = try field("maxval", cap: 65535)
    guard maxval >= 1, maxval <= 65535 else {
      throw ImageCodecFailure(
        "maxval \(maxval > 65535 ? "above 65535" : String(maxval)) is not supported (1...65535)")
    }
    if binary {
      guard cursor < bytes.count, NetpbmSyntax.isSpace(bytes[cursor]) else {
        throw ImageCodecFailure("no whitespace between maxval and the pixels")
      }
      cursor += 1
    }
    rasterOffset = cursor
  }
}
