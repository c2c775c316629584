import Foundation

/// Runs the built command-line tools (they sit beside the test bundle in the build folder).
enum ToolRunner {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static var binDirectory: URL {
    if let dir = ProcessInfo.processInfo.environment["BNN_BIN_DIR"] { return URL(fileURLWithPath: dir) }
    var url = Bundle.main.bundleURL
    // The test runner is <bin>/BinaryNetPackageTests.xctest (a file on Linux).
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("bnn-run").path) && url.path != "/" {
      url = url.deletingLastPathComponent()
    }
    return url
  }

  static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) throws -> Output {
    let process = Process()
    process.executableURL = binDirectory.appendingPathComponent(tool)
    process.arguments = arguments
    // Output goes to files, so a large output can never block the child on a full pipe.
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("bnn-tool-\(UUID().uuidString)")
    let outURL = base.appendingPathExtension("out")
    let errURL = base.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Output(
      status: process.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
      stderr: try String(contentsOf: errURL, encoding: .utf8))
  }
}

/// A scratch folder removed when the test ends.
final class ScratchFolder {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("bnn-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
  deinit { try? FileManager.default.removeItem(at: url) }
}
