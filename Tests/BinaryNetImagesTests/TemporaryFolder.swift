import Foundation
import Testing

/// A fresh folder under the system's temporary folder, removed when the value goes away.
final class TemporaryFolder {
  let path: String

  init() {
    path = NSTemporaryDirectory() + "bnn-images-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `bytes` to `name` in the folder; returns its path.
  @discardableResult
  func file(_ name: String, _ bytes: [UInt8]) -> String {
    let file = path + "/" + name
    #expect(FileManager.default.createFile(atPath: file, contents: Data(bytes)))
    return file
  }
}
