import Foundation
import Testing

/// SIGINT and SIGTERM during a training run: never a silent exit; the note says how to
/// continue, and the status is 128 + the signal.
@Suite("bnn-train signals")
struct SignalTests {
  /// Starts a long run, waits for its first finished epoch, sends `signal`.
  func interrupt(with signal: Int32) throws -> (status: Int32, stderr: String, checkpoint: Bool) {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 500, test: 50)
    let model = folder.path("m.bnn")
    let process = Process()
    process.executableURL = ToolRunner.binDirectory.appendingPathComponent("bnn-train")
    process.arguments = ["--data", data, "--arch", "100-32-10", "--epochs", "100000", "--val", "0", "--out", model]
    let outURL = URL(fileURLWithPath: folder.path("out.txt"))
    let errURL = URL(fileURLWithPath: folder.path("err.txt"))
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
      if out.contains("/100000  train loss") { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    kill(process.processIdentifier, signal)
    let stopBy = Date().addingTimeInterval(30)
    while process.isRunning && Date() < stopBy { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning {
      Issue.record("bnn-train ignored signal \(signal)")
      kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    let stderr = try String(contentsOf: errURL, encoding: .utf8)
    #expect(process.terminationReason == .exit, "killed by the signal: \(stderr)")
    return (process.terminationStatus, stderr, FileManager.default.fileExists(atPath: model + ".ckpt"))
  }

  @Test func sigintStopsWithTheResumeHint() throws {
    let r = try interrupt(with: SIGINT)
    #expect(r.status == 130)
    #expect(
      r.stderr.contains("interrupted during epoch") && r.stderr.contains("bnn-train --resume --out"), "\(r.stderr)")
    #expect(r.checkpoint)
  }

  @Test func sigtermStopsWithTheResumeHint() throws {
    let r = try interrupt(with: SIGTERM)
    #expect(r.status == 143)
    #expect(
      r.stderr.contains("terminated during epoch") && r.stderr.contains("bnn-train --resume --out"), "\(r.stderr)")
    #expect(r.checkpoint)
  }
}
