import Foundation

/// A grayscale image read from a PGM file (Netpbm P2 ASCII or P5 binary, maxval <= 255).
struct PGMImage {
  var width: Int
  var height: Int
  /// Row-major pixels scaled to 0...255 (`value * 255 / maxval`, rounded).
  var pixels: [UInt8]

  /// Bytes read before the header is parsed: the magic, the sizes, maxval and comments.
  static let headerLimit = 16 << 10
  /// The largest image accepted (width x height).
  static let pixelLimit = 1 << 26
  /// Bytes allowed beyond what the header implies (trailing whitespace and comments).
  static let slack = 4 << 10

  /// Reads and parses a PGM file; the file's size is checked against its header before
  /// the pixels are read.
  static func read(path: String) throws(PGMError) -> PGMImage {
    guard let file = fopen(path, "rb") else {
      throw PGMError("cannot open: " + String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    var info = stat()
    guard fstat(fileno(file), &info) == 0 else { throw PGMError("cannot read: " + String(cString: strerror(errno))) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw PGMError("is a directory, not an image") }
    let size = Int(info.st_size)
    let head = readUpTo(file, min(size, headerLimit))
    let header = try PGMHeader(head, isWholeFile: head.count >= size)
    let bound = header.largestFileSize
    guard size <= bound else {
      throw PGMError(
        "file is \(size) bytes, more than a \(header.width)x\(header.height) "
          + (header.binary ? "P5" : "P2") + " image takes (\(bound) at most)")
    }
    let bytes = head + readUpTo(file, bound + 1 - head.count)
    guard bytes.count <= bound else { throw PGMError("file grew while it was read") }
    return try PGMImage(bytes: bytes)
  }

  static func readUpTo(_ file: UnsafeMutablePointer<FILE>, _ count: Int) -> [UInt8] {
    guard count > 0 else { return [] }
    var buffer = [UInt8](repeating: 0, count: count)
    let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
    return Array(buffer.prefix(n))
  }

  /// Parses PGM bytes; the error text says what is wrong.
  init(bytes: [UInt8]) throws(PGMError) {
    let header = try PGMHeader(bytes, isWholeFile: true)
    width = header.width
    height = header.height
    let count = header.pixelCount
    let maxval = header.maxval
    var cursor = header.dataOffset
    var raw = [UInt8](repeating: 0, count: count)
    if header.binary {
      guard bytes.count - cursor >= count else {
        throw PGMError("pixel data is truncated: \(bytes.count - cursor) of \(count) bytes")
      }
      for i in 0..<count { raw[i] = bytes[cursor + i] }
      for (i, v) in raw.enumerated() where Int(v) > maxval {
        throw PGMError("pixel \(i) is \(v), above maxval \(maxval)")
      }
    } else {
      for i in 0..<count {
        guard let value = try PGMHeader.number(bytes, &cursor, "pixel \(i)", isWholeFile: true) else {
          throw PGMError(
            cursor < bytes.count ? "pixel \(i) is not a number" : "pixel data is truncated: \(i) of \(count) samples")
        }
        guard value <= maxval else { throw PGMError("pixel \(i) is \(value), above maxval \(maxval)") }
        raw[i] = UInt8(value)
      }
    }
    pixels = maxval == 255 ? raw : raw.map { UInt8((Int($0) * 255 + maxval / 2) / maxval) }
  }
}

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

struct PGMError: Error, CustomStringConvertible {
  var description: String
  init(_ text: String) { description = text }
}
