import BinaryNet
import Foundation
import Testing

/// Command-line hardening: repeated options, `--version --json`, outputs that would
/// overwrite inputs, bounded PGM reading, clear messages.
@Suite("CLI hardening")
struct HardeningTests {
  @Test func versionJSON() throws {
    for tool in ["bnn-run", "bnn-train"] {
      let r = try ToolRunner.run(tool, ["--version", "--json"])
      #expect(r.status == 0, "\(tool): \(r.stderr)")
      let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
      #expect(object?["name"] as? String == tool)
      #expect((object?["version"] as? String)?.isEmpty == false)
    }
  }

  /// The generated help of every command fits an 80-column terminal and names every option.
  @Test func helpFitsEightyColumns() throws {
    var texts = [try ToolRunner.run("bnn-run", ["--help"]).stdout, try ToolRunner.run("bnn-train", ["--help"]).stdout]
    for command in ["eval", "classify", "info", "bench", "export-c", "export-images", "import"] {
      let r = try ToolRunner.run("bnn-run", [command, "--help"])
      #expect(r.status == 0)
      texts.append(r.stdout)
      #expect(r.stdout == (try ToolRunner.run("bnn-run", ["help", command]).stdout))
    }
    for text in texts {
      for line in text.split(separator: "\n") { #expect(line.count <= 80, "\(line.count): \(line)") }
    }
    for option in ["--out PATH", "--header PATH", "--name NAME", "--images IDX", "--count N", "--save-model PATH"] {
      #expect(texts[6].contains(option), "export-c --help lacks \(option)")
    }
  }

  /// `--resume` refuses options that contradict the checkpoint, naming them.
  @Test func resumeConflictsNameTheOptions() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    let model = folder.path("m.bnn")
    let first = try ToolRunner.run(
      "bnn-train",
      ["--data", data, "--arch", "100-16-10", "--epochs", "1", "--val", "0", "--out", model, "--gradients", "int8"])
    #expect(first.status == 0, "\(first.stderr)")
    let r = try ToolRunner.run("bnn-train", ["--resume", "--out", model, "--batch", "50", "--lr", "0.5"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("--batch 50 (checkpoint: 100)") && r.stderr.contains("--lr 0.5"), "\(r.stderr)")
    let precision = try ToolRunner.run("bnn-train", ["--resume", "--out", model, "--gradients", "float32"])
    #expect(precision.status == 2)
    #expect(precision.stderr.contains("--gradients float32 (checkpoint: int8)"), "\(precision.stderr)")
  }

  @Test func repeatedOptionsAreUsageErrors() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try makeModel().write(toFile: model)
    let cases: [(String, [String], String)] = [
      ("bnn-run", ["bench", model, "--threads", "1", "--threads", "2"], "--threads"),
      ("bnn-run", ["info", model, "--json", "--json"], "--json"),
      ("bnn-train", ["--epochs", "3", "--epochs", "5"], "--epochs"),
      ("bnn-train", ["--resume", "--resume"], "--resume"),
    ]
    for (tool, arguments, name) in cases {
      let r = try ToolRunner.run(tool, arguments)
      #expect(r.status == 2, "\(arguments) exited \(r.status)")
      #expect(r.stderr.contains("'\(name)' is given more than once"), "\(arguments): \(r.stderr)")
    }
  }

  /// Each way a command line could overwrite what it reads: exit 2, before any work, and
  /// every file keeps its bytes.
  @Test func outputsNeverOverwriteInputs() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try makeModel().write(toFile: model)
    let modelBytes = try Data(contentsOf: URL(fileURLWithPath: model))
    let (images, labels) = try writeIDX(
      images: randomPixels(4 * 35, seed: 3), count: 4, rows: 5, cols: 7, labels: [0, 1, 2, 0], to: folder)
    let imageBytes = try Data(contentsOf: URL(fileURLWithPath: images))
    let c = folder.path("m.c")
    let cases: [[String]] = [
      ["export-c", model, "--out", model],
      ["export-c", model, "--out", folder.path("./m.bnn")],
      ["export-c", model, "--out", c, "--save-model", model],
      ["export-c", model, "--out", c, "--header", c],
      ["export-c", model, "--out", c, "--images", images, "--header", images],
      ["eval", model, "--images", images, "--labels", labels, "--predictions", model],
      ["eval", model, "--images", images, "--labels", labels, "--predictions", images],
    ]
    for arguments in cases {
      let r = try ToolRunner.run("bnn-run", arguments)
      #expect(r.status == 2, "\(arguments) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains("same file"), "\(arguments): \(r.stderr)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == modelBytes, "\(arguments) changed the model")
      #expect(try Data(contentsOf: URL(fileURLWithPath: images)) == imageBytes, "\(arguments) changed the images")
      #expect(!FileManager.default.fileExists(atPath: c), "\(arguments) wrote \(c)")
    }

    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    let trainImages = data + "/train-images-idx3-ubyte"
    let original = try Data(contentsOf: URL(fileURLWithPath: trainImages))
    for out in [trainImages, data + "/./t10k-labels-idx1-ubyte"] {
      let r = try ToolRunner.run("bnn-train", ["--data", data, "--arch", "100-16-10", "--epochs", "1", "--out", out])
      #expect(r.status == 2, "--out \(out) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains("same file"), "\(r.stderr)")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: trainImages)) == original)
    #expect(!FileManager.default.fileExists(atPath: trainImages + ".ckpt"))
  }

  @Test func pgmFilesAreCheckedBeforeTheyAreRead() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try makeModel().write(toFile: model)
    let samples = (0..<35).map { $0 == 3 ? "300" : "12" }.joined(separator: " ")
    let refused: [(String, [UInt8])] = [
      ("above.pgm", Array("P2\n7 5\n255\n\(samples)\n".utf8)),
      ("huge.pgm", Array("P5\n16777216 16777216\n255\n".utf8) + [0, 0, 0]),
      ("overflow.pgm", Array("P5\n99999999999999999999 2\n255\n".utf8)),
      ("notanumber.pgm", Array(("P2\n7 5\n255\n1 2 x " + String(repeating: "4 ", count: 32)).utf8)),
      // Found by fuzzing: a short P2 file whose header announces 64 M samples was given a
      // buffer of that size before the samples were read.
      ("bigheader.pgm", Array("P2\n8000 8000\n255\n1 2 3\n".utf8)),
    ]
    // The reader is BinaryNetImages's (its tests check each message); here: every case
    // is one line naming the file, exit 1, never a crash.
    for (name, bytes) in refused {
      try Data(bytes).write(to: URL(fileURLWithPath: folder.path(name)))
      let r = try ToolRunner.run("bnn-run", ["classify", model, folder.path(name)])
      #expect(r.status == 1, "\(name) exited \(r.status)")
      #expect(r.stderr.contains(name), "\(name): \(r.stderr)")
      #expect(r.stderr.split(separator: "\n").count == 1, "\(name): \(r.stderr)")
    }
    // Trailing bytes and a long comment are within the reader's file-size bound: read,
    // or refused in one line, never a crash (the policy is BinaryNetImages's).
    let tolerated: [(String, [UInt8])] = [
      ("padded.pgm", Array("P5\n7 5\n255\n".utf8) + [UInt8](repeating: 7, count: 35 + 100_000)),
      (
        "longheader.pgm",
        Array(("P5\n#" + String(repeating: "c", count: 20_000) + "\n7 5\n255\n").utf8)
          + [UInt8](repeating: 1, count: 35)
      ),
    ]
    for (name, bytes) in tolerated {
      try Data(bytes).write(to: URL(fileURLWithPath: folder.path(name)))
      let r = try ToolRunner.run("bnn-run", ["classify", model, folder.path(name)])
      #expect(r.status == 0 || (r.status == 1 && r.stderr.split(separator: "\n").count == 1), "\(name): \(r.stderr)")
    }
    // A P2 file at maxval 255 with samples up to 255 still reads.
    let good = (0..<35).map { _ in "255" }.joined(separator: "\n")
    try Data("P2\n7 5\n255\n\(good)\n".utf8).write(to: URL(fileURLWithPath: folder.path("ok.pgm")))
    #expect(try ToolRunner.run("bnn-run", ["classify", model, folder.path("ok.pgm")]).status == 0)
  }

  @Test func classifyingAFolderSaysItIsAFolder() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try makeModel().write(toFile: model)
    try FileManager.default.createDirectory(atPath: folder.path("pictures"), withIntermediateDirectories: true)
    let r = try ToolRunner.run("bnn-run", ["classify", model, folder.path("pictures")])
    #expect(r.status == 1)
    #expect(r.stderr.contains("pictures: is a directory"), "\(r.stderr)")
  }
}
