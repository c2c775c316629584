import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

/// Inputs that are not what they claim to be: each run ends with exit status 1 and one
/// `error:` line naming the file, never a crash, and quickly (nothing huge is read).
@Suite("bad inputs")
struct BadInputTests {
  static func be32(_ v: Int) -> [UInt8] {
    [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
  }

  /// Runs a tool and checks: exit status 1, stderr names `path` and contains `message`.
  static func expectRefusal(
    _ tool: String, _ arguments: [String], path: String, message: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let start = Date()
    let r = try ToolRunner.run(tool, arguments)
    let seconds = Date().timeIntervalSince(start)
    #expect(r.status == 1, "\(arguments) exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(path), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(seconds < 10, "\(arguments) took \(seconds) s", sourceLocation: sourceLocation)
  }

  /// A sparse file of `size` bytes starting with `head`.
  static func sparseFile(_ path: String, size: UInt64, head: [UInt8]) throws {
    #expect(FileManager.default.createFile(atPath: path, contents: Data(head)))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: size)
    try handle.close()
  }

  @Test func modelPathsThatAreNotModelFiles() throws {
    let folder = try ScratchFolder()
    try Self.expectRefusal("bnn-run", ["info", folder.url.path], path: folder.url.path, message: "is a directory")
    try Self.expectRefusal("bnn-run", ["info", "/dev/zero"], path: "/dev/zero", message: "bad magic number")
    let huge = folder.path("huge.bnn")
    try Self.sparseFile(huge, size: 4 << 30, head: ModelFormat.magic)
    try Self.expectRefusal(
      "bnn-run", ["info", huge], path: huge, message: "larger than \(maximumModelFileBytes) bytes")
    let notModel = folder.path("big.bin")
    try Self.sparseFile(notModel, size: 900 << 20, head: Array("GIF89a..".utf8))
    try Self.expectRefusal("bnn-run", ["info", notModel], path: notModel, message: "bad magic number")
  }

  @Test func nonUTF8ModelNameIsFound() throws {
    let folder = try ScratchFolder()
    let bytes = try makeModel().serialized
    let raw = Array(folder.path("m").utf8) + [0xFF] + Array(".bnn".utf8) + [0]
    let fd = raw.map { CChar(bitPattern: $0) }.withUnsafeBufferPointer {
      open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    }
    #expect(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    // The shell passes the raw byte 0xFF; Swift repairs it to U+FFFD in CommandLine.arguments.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
      "-c", "exec \"$0\" info \"$(printf 'm\\377.bnn')\"", ToolRunner.binDirectory.path + "/bnn-run",
    ]
    process.currentDirectoryURL = folder.url
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(!text.contains("No such file"), "\(text)")
  }

  @Test func idxFilesThatAnnounceTooMuch() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try makeModel().write(toFile: model)
    let (_, labels) = try writeIDX(
      images: randomPixels(35 * 2, seed: 1), count: 2, rows: 5, cols: 7, labels: [0, 1], to: folder)
    // Three dimensions of 2^28 (trapped with "arithmetic overflow" in IDXImages.swift).
    let huge = folder.path("huge-idx3-ubyte")
    try Data([0, 0, 8, 3] + Self.be32(1 << 28) + Self.be32(1 << 28) + Self.be32(1 << 28)).write(
      to: URL(fileURLWithPath: huge))
    try Self.expectRefusal(
      "bnn-run", ["eval", model, "--images", huge, "--labels", labels], path: huge, message: "is too large")
    // 4 GiB announced, 20 bytes present: refused before allocating.
    let short = folder.path("short-idx3-ubyte")
    try Data([0, 0, 8, 3] + Self.be32(4096) + Self.be32(1024) + Self.be32(1024) + [1, 2, 3, 4]).write(
      to: URL(fileURLWithPath: short))
    try Self.expectRefusal(
      "bnn-run", ["eval", model, "--images", short, "--labels", labels], path: short, message: "is truncated")
    try Self.expectRefusal(
      "bnn-run", ["eval", model, "--images", folder.url.path, "--labels", labels], path: folder.url.path,
      message: "is a directory")
    try Self.expectRefusal(
      "bnn-run", ["eval", model, "--images", "/dev/zero", "--labels", labels], path: "/dev/zero",
      message: "is not an IDX image file")
  }

  @Test func checkpointThatIsADirectory() throws {
    let folder = try ScratchFolder()
    let out = folder.path("run.bnn")
    try FileManager.default.createDirectory(atPath: out + ".ckpt", withIntermediateDirectories: true)
    try Self.expectRefusal(
      "bnn-train", ["--resume", "--out", out], path: out + ".ckpt", message: "is a directory")
    let r = try ToolRunner.run("bnn-train", ["--resume", "--out", out])
    #expect(!r.stderr.contains("NSCocoaErrorDomain"), "\(r.stderr)")
  }

  @Test func checkpointThatIsNotACheckpoint() throws {
    let folder = try ScratchFolder()
    let out = folder.path("run.bnn")
    try Self.sparseFile(out + ".ckpt", size: 2 << 30, head: Array("NOTACKPT".utf8))
    try Self.expectRefusal(
      "bnn-train", ["--resume", "--out", out], path: out + ".ckpt", message: "is not a bnn-train checkpoint")
  }

  /// Ctrl-C during training: exit status 130, the last epoch's checkpoint whole, no model
  /// and no temporary file left; `--resume` picks the run up from that checkpoint.
  @Test func interruptedTrainingIsResumable() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 600, test: 50)
    let out = folder.path("run.bnn")

    /// Runs bnn-train, sends SIGINT once `ready(output so far)` holds; status and output.
    func interrupt(_ arguments: [String], when ready: (String) -> Bool) throws -> (Int32, String) {
      let process = Process()
      process.executableURL = ToolRunner.binDirectory.appendingPathComponent("bnn-train")
      process.arguments = arguments
      let log = folder.path("log-\(UUID().uuidString)")
      _ = FileManager.default.createFile(atPath: log, contents: nil)
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
      process.standardOutput = handle
      process.standardError = handle
      // The test runner's threads block SIGINT and children inherit the mask: unblock it
      // for the child (as a shell would leave it), else the interrupt stays pending.
      var interruptOnly = sigset_t()
      sigemptyset(&interruptOnly)
      sigaddset(&interruptOnly, SIGINT)
      var previous = sigset_t()
      pthread_sigmask(SIG_UNBLOCK, &interruptOnly, &previous)
      defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
      try process.run()
      let deadline = Date().addingTimeInterval(120)
      func output() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
      while process.isRunning && !ready(output()) && Date() < deadline { usleep(20_000) }
      process.interrupt()
      process.waitUntilExit()
      try handle.close()
      return (process.terminationStatus, output())
    }

    let (status, text) = try interrupt(
      ["--data", data, "--arch", "100-256-256-10", "--epochs", "400", "--val", "100", "--out", out]
    ) { _ in FileManager.default.fileExists(atPath: out + ".ckpt") }
    #expect(status == 130, "\(text)")
    #expect(text.contains("continue with: bnn-train --resume --out"), "\(text)")
    #expect(!FileManager.default.fileExists(atPath: out))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter {
      $0.contains(".tmp-")
    }
    #expect(leftovers.isEmpty, "\(leftovers)")

    let (resumed, resumedText) = try interrupt(["--resume", "--out", out]) { $0.contains("resuming from") }
    #expect(resumed == 130, "\(resumedText)")
    #expect(resumedText.contains("resuming from " + out + ".ckpt after epoch"), "\(resumedText)")
  }
}
