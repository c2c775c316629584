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
    // Read what the file has (its size is within the bound), one byte more to see growth.
    let bytes = head + readUpTo(file, size + 1 - head.count)
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
    // Every sample takes a byte (P5), or a digit and a separator (P2): refuse data too
    // short for the header's size before allocating by it.
    let room = bytes.count - cursor
    let needed = header.binary ? count : 2 * count - 1
    guard room >= needed else {
      throw PGMError(
        "pixel data is truncated: \(header.width)x\(header.height) needs at least \(needed) bytes, "
          + "the file has \(room)")
    }
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
    pixels = maxval == 255 ? raw : raw.map { PGMImage.scaled($0, maxval: maxval) }
  }

  /// `value * 255 / maxval`, rounded.
  static func scaled(_ value: UInt8, maxval: Int) -> UInt8 {
    let numerator = Int(value) * 255 + maxval / 2
    return UInt8(numerator / maxval)
  }
}

struct PGMError: Error, CustomStringConvertible {
  var description: String
  init(_ text: String) { description = text }
}
