import Foundation
import Testing

/// A tiny data set folder in the MNIST layout: 8x8 images, 4 classes, class k has a
/// bright 3x3 blob somewhere in quadrant k on dim noise.
func writeTinyDataset(to folder: ScratchFolder, train: Int = 240, test: Int = 60) throws -> String {
  var state: UInt64 = 12345
  func next(_ bound: Int) -> Int {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int(state >> 33) % bound
  }
  func images(_ count: Int) -> (pixels: [UInt8], labels: [UInt8]) {
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for _ in 0..<count {
      let label = next(4)
      var image = (0..<64).map { _ in UInt8(next(50)) }
      let top = (label / 2) * 4 + next(2)
      let left = (label % 2) * 4 + next(2)
      for dy in 0..<3 { for dx in 0..<3 { image[(top + dy) * 8 + left + dx] = UInt8(200 + next(56)) } }
      pixels += image
      labels.append(UInt8(label))
    }
    return (pixels, labels)
  }
  func be32(_ v: Int) -> [UInt8] {
    [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
  }
  for (stem, count) in [("train", train), ("t10k", test)] {
    let (pixels, labels) = images(count)
    try Data(be32(0x803) + be32(count) + be32(8) + be32(8) + pixels)
      .write(to: URL(fileURLWithPath: folder.path("\(stem)-images-idx3-ubyte")))
    try Data(be32(0x801) + be32(count) + labels)
      .write(to: URL(fileURLWithPath: folder.path("\(stem)-labels-idx1-ubyte")))
  }
  return folder.url.path
}

@Suite("bnn-train convolutional")
struct TrainToolConvolutionTests {
  @Test func helpDocumentsTheLayerSyntax() throws {
    let help = try ToolRunner.run("bnn-train", ["--help"])
    #expect(help.status == 0)
    for text in ["c32-c64-p-c128-p-256-10", "cN", "kK", "sS", "'valid'", "max pooling"] {
      #expect(help.stdout.contains(text), "\(text)")
    }
  }

  /// Specs that do not parse or do not fit the 8x8 images are usage errors (status 2)
  /// with a message, before any training.
  @Test func architecturesThatDoNotFitAreUsageErrors() throws {
    let folder = try ScratchFolder()
    let data = try writeTinyDataset(to: folder)
    let cases: [(arch: String, message: String)] = [
      ("c8k9v-4", "does not fit"),  // a 9x9 window on 8x8 images
      ("c8-p-c8-p-c8-p-c8-p-4", "does not fit"),  // pooling a 1x1 map
      ("100-4", "takes 100 inputs"),  // an MLP whose input is not the image size
      ("c8-p-p-4", "must follow a convolution"),
      ("c8-4-c8-4", "convolutions must come before dense layers"),
      ("c8-p", "must end with a dense layer"),
      ("c8x-4", "unknown architecture"),
    ]
    for (arch, message) in cases {
      let r = try ToolRunner.run(
        "bnn-train", ["--data", data, "--arch", arch, "--out", folder.path("m.bnn")])
      #expect(r.status == 2, "\(arch) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(arch): \(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder.path("m.bnn.ckpt")))
    }
  }

  /// A convolutional run end to end: the reported test accuracy is the engine's on the
  /// re-loaded file, the trainer's float forward agrees on every image, and `bnn-run eval`
  /// on the written model gives the same count.
  @Test func convolutionalRunMatchesBnnRunEval() throws {
    let folder = try ScratchFolder()
    let data = try writeTinyDataset(to: folder)
    let model = folder.path("conv.bnn")
    let train = try ToolRunner.run(
      "bnn-train",
      [
        "--data", data, "--arch", "c16-p-c16s2-32-4", "--epochs", "3", "--batch", "20", "--val", "40",
        "--bn-samples", "100", "--threads", "2", "--out", model, "--json",
      ])
    #expect(train.status == 0, "\(train.stderr)")
    let lines = train.stdout.split(separator: "\n")
    #expect(lines.count == 4)  // three epochs and the summary
    let summary =
      try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any] ?? [:]
    #expect(summary["arch"] as? String == "c16-p-c16s2-32-4")
    #expect(summary["engine_trainer_disagreements"] as? Int == 0)
    let reported = try #require(summary["test_correct"] as? Int)
    #expect(reported > 30, "the net learns the blobs: \(reported)/60")
    let eval = try ToolRunner.run(
      "bnn-run",
      [
        "eval", model, "--images", data + "/t10k-images-idx3-ubyte", "--labels",
        data + "/t10k-labels-idx1-ubyte", "--json",
      ])
    #expect(eval.status == 0, "\(eval.stderr)")
    let evaluation = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
    #expect(evaluation?["correct"] as? Int == reported)
    let info = try ToolRunner.run("bnn-run", ["info", model])
    #expect(info.status == 0 && info.stdout.contains("max-pool"), "\(info.stdout)")
  }
}
