import CZlib
import Foundation

/// Builds small IDX files in a fresh temporary folder for the loader tests.
struct IDXTestFiles {
  let directory: String

  init() throws {
    directory = NSTemporaryDirectory() + "mnistloader-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { directory + "/" + name }

  func remove() { try? FileManager.default.removeItem(atPath: directory) }

  /// IDX image bytes: magic, count, rows, cols (big-endian) and the pixels.
  static func imageBytes(count: Int, rows: Int, cols: Int, magic: UInt32 = 0x803) -> [UInt8] {
    var bytes =
      bigEndian(magic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows))
      + bigEndian(UInt32(cols))
    for index in 0..<(count * rows * cols) { bytes.append(UInt8(truncatingIfNeeded: index * 7)) }
    return bytes
  }

  /// IDX label bytes: magic, count and the labels.
  static func labelBytes(_ labels: [UInt8], magic: UInt32 = 0x801) -> [UInt8] {
    bigEndian(magic) + bigEndian(UInt32(labels.count)) + labels
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
  }

  /// Writes `bytes` as a plain file; returns its path.
  @discardableResult
  func writePlain(_ name: String, _ bytes: [UInt8]) throws -> String {
    try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    return path(name)
  }

  /// Writes `bytes` gzip-compressed through zlib; returns its path.
  @discardableResult
  func writeGzip(_ name: String, _ bytes: [UInt8]) throws -> String {
    let file = gzopen(path(name), "wb")!
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
    precondition(Int(written) == bytes.count)
    return path(name)
  }
}
