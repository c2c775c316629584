import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

/// A tiny learnable data set in the MNIST file layout: 10x10 images, class c has a bright
/// row c on a noisy background.
func writeBarsDataset(to folder: ScratchFolder, train: Int = 1000, test: Int = 200) throws -> String {
  func be32(_ v: Int) -> [UInt8] {
    [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
  }
  var state: UInt64 = 12345
  func next() -> UInt64 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return state >> 33
  }
  func images(_ count: Int) -> ([UInt8], [UInt8]) {
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for _ in 0..<count {
      let c = Int(next() % 10)
      labels.append(UInt8(c))
      for y in 0..<10 {
        for _ in 0..<10 { pixels.append(y == c ? UInt8(150 + next() % 106) : UInt8(next() % 90)) }
      }
    }
    return (pixels, labels)
  }
  let dir = folder.path("bars")
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  for (stem, count) in [("train", train), ("t10k", test)] {
    let (pixels, labels) = images(count)
    try Data(be32(0x803) + be32(count) + be32(10) + be32(10) + pixels)
      .write(to: URL(fileURLWithPath: dir + "/\(stem)-images-idx3-ubyte"))
    try Data(be32(0x801) + be32(count) + labels).write(to: URL(fileURLWithPath: dir + "/\(stem)-labels-idx1-ubyte"))
  }
  return dir
}

@Suite("bnn-train")
struct TrainToolTests {
  @Test func helpAndVersion() throws {
    let help = try ToolRunner.run("bnn-train", ["--help"])
    #expect(help.status == 0 && help.stdout.contains("--arch"))
    let version = try ToolRunner.run("bnn-train", ["--version"])
    #expect(version.status == 0 && version.stdout.contains("bnn-train"))
  }

  /// Trains for two epochs, then checks that the accuracy bnn-train reports is what
  /// bnn-run eval finds on the written model, and that the trainer's own float
  /// evaluation agreed with the engine on every test image; with either gradient precision.
  @Test(arguments: ["float32", "int8", "auto"])
  func trainedModelGivesTheSameAnswersInBnnRun(gradients: String) throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder)
    let model = folder.path("bars.bnn")
    let train = try ToolRunner.run(
      "bnn-train",
      [
        "--data", data, "--arch", "100-48-10", "--epochs", "3", "--batch", "50", "--val", "100", "--augment", "0",
        "--out", model,
        "--json", "--threads", "2", "--bn-samples", "200", "--gradients", gradients,
      ])
    #expect(train.status == 0, "\(train.stderr)")
    let lines = train.stdout.split(separator: "\n")
    let summary = try lines.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
      .first { $0["event"] as? String == "summary" }
    let trainCorrect = try #require(summary?["test_correct"] as? Int)
    // auto: the default this CPU has, as --version --json reports it.
    var expected = gradients
    if gradients == "auto" {
      let version = try ToolRunner.run("bnn-train", ["--version", "--json"])
      let fields = try JSONSerialization.jsonObject(with: Data(version.stdout.utf8)) as? [String: Any]
      expected = try #require(fields?["default_gradients"] as? String)
      #expect(["int8", "float32"].contains(expected))
    }
    #expect(summary?["gradients"] as? String == expected)
    #expect(summary?["engine_trainer_disagreements"] as? Int == 0)
    #expect(summary?["test_count"] as? Int == 200)
    #expect(trainCorrect > 150, "the bars are easy: the model should learn them")
    for file in [model, model + ".svg", model + ".ckpt"] {
      #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
    }

    let eval = try ToolRunner.run(
      "bnn-run",
      [
        "eval", model, "--images", data + "/t10k-images-idx3-ubyte", "--labels", data + "/t10k-labels-idx1-ubyte",
        "--json", "--predictions", folder.path("p.txt"),
      ])
    #expect(eval.status == 0, "\(eval.stderr)")
    let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
    #expect(result?["correct"] as? Int == trainCorrect)
    // And the library agrees with bnn-run image for image.
    let loaded = try Model(contentsOfFile: model)
    let raw = try Data(contentsOf: URL(fileURLWithPath: data + "/t10k-images-idx3-ubyte"))
    let library = try loaded.predictLabels(Array(raw.dropFirst(16)), count: 200)
    let cli = try String(contentsOfFile: folder.path("p.txt"), encoding: .utf8).split(separator: "\n").map { Int($0)! }
    #expect(cli == library)
  }

  @Test func badFlagsAreUsageErrors() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    let cases: [[String]] = [
      ["--frobnicate"], ["--epochs", "-1"], ["--epochs", "many"], ["--batch", "0"], ["--lr", "nan"],
      ["--arch", "banana"], ["--data", data, "--arch", "784-10"], ["--dataset", "cifar-1000"], ["stray"],
      ["--threads", "0"], ["--epochs"], ["--gradients", "int4"], ["--gradients"],
    ]
    for args in cases {
      let r = try ToolRunner.run("bnn-train", args + ["--out", folder.path("x.bnn")])
      #expect(r.status == 2, "\(args) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains("bnn-train: error:"), "\(args): \(r.stderr)")
    }
  }

  @Test func runtimeErrorsLeaveExistingFilesAlone() throws {
    let folder = try ScratchFolder()
    let existing = folder.path("keep.bnn")
    let original = Data("precious bytes".utf8)
    try original.write(to: URL(fileURLWithPath: existing))
    // Missing data folder, an output folder that does not exist, resume without a checkpoint.
    let missing = try ToolRunner.run("bnn-train", ["--data", folder.path("nowhere"), "--out", existing])
    #expect(missing.status == 1, "\(missing.stderr)")
    #expect(missing.stderr.contains("nowhere"))
    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    let unwritable = try ToolRunner.run(
      "bnn-train", ["--data", data, "--arch", "100-16-10", "--out", folder.path("no/such/dir/m.bnn")])
    #expect(unwritable.status == 1 && unwritable.stderr.contains("no/such/dir"))
    let resume = try ToolRunner.run("bnn-train", ["--resume", "--out", existing])
    #expect(resume.status == 1)
    // Corrupt training images (truncated): refused, and the existing model is untouched.
    let images = data + "/train-images-idx3-ubyte"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
    try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: images))
    let corrupt = try ToolRunner.run("bnn-train", ["--data", data, "--arch", "100-16-10", "--out", existing])
    #expect(corrupt.status == 1 && corrupt.stderr.contains("train-images"), "\(corrupt.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == original)
  }
}
