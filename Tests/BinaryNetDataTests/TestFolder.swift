import Foundation

/// A fresh temporary folder for one test, removed by `remove()`.
struct TestFolder {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "binarynetdata-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }

  /// `path/relative`.
  func file(_ relative: String) -> String { path + "/" + relative }

  /// Writes `bytes` at `relative`, creating the folders on the way; returns the path.
  @discardableResult
  func write(_ relative: String, _ bytes: [UInt8]) throws -> String {
    let target = file(relative)
    try FileManager.default.createDirectory(
      atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: target))
    return target
  }

  /// Creates the folder `relative` (and its parents).
  func makeFolder(_ relative: String) throws {
    try FileManager.default.createDirectory(atPath: file(relative), withIntermediateDirectories: true)
  }
}
