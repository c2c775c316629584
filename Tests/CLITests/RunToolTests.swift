import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

/// A deterministic random dense model (7x5 input, 3 classes) for the tool tests.
/// `labels` default to cat, dog, fish (as many as the last width).
func makeModel(widths: [Int] = [35, 40, 3], seed: UInt64 = 1, labels: [String]? = nil) throws -> Model {
  var state = seed
  func next() -> Float {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
  }
  let input = InputDescription(width: 7, height: widths[0] / 7)
  var layers: [TrainedDenseLayer] = []
  for l in 0..<(widths.count - 1) {
    let n = widths[l + 1]
    let spread: Float = l == 0 ? 3 : Float(widths[l]).squareRoot()
    layers.append(
      TrainedDenseLayer(
        inputCount: widths[l], outputCount: n, weights: (0..<(widths[l] * n)).map { _ in next() },
        batchNorm: BatchNormParameters(
          gamma: (0..<n).map { _ in next() }, beta: (0..<n).map { _ in next() },
          mean: (0..<n).map { _ in next() * spread / 2 }, variance: [Float](repeating: spread * spread, count: n),
          epsilon: 1e-5)))
  }
  return try foldDenseNetwork(
    layers, input: input, labels: labels ?? ["cat", "dog", "fish"].prefix(widths.last!).map { $0 })
}

/// IDX files (plain, uncompressed) of `images` with the given labels.
func writeIDX(images: [UInt8], count: Int, rows: Int, cols: Int, labels: [UInt8], to folder: ScratchFolder) throws -> (
  String, String
) {
  func be32(_ v: Int) -> [UInt8] {
    [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
  }
  let imagePath = folder.path("images-idx3-ubyte")
  let labelPath = folder.path("labels-idx1-ubyte")
  try Data(be32(0x803) + be32(count) + be32(rows) + be32(cols) + images).write(to: URL(fileURLWithPath: imagePath))
  try Data(be32(0x801) + be32(labels.count) + labels).write(to: URL(fileURLWithPath: labelPath))
  return (imagePath, labelPath)
}

func randomPixels(_ count: Int, seed: UInt64) -> [UInt8] {
  var s = seed
  return (0..<count).map { _ in
    s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return UInt8(truncatingIfNeeded: s >> 33)
  }
}

@Suite("bnn-run")
struct RunToolTests {
  @Test func helpAndVersion() throws {
    let help = try ToolRunner.run("bnn-run", ["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("eval MODEL"))
    for command in ["eval", "classify", "info", "bench"] {
      let r = try ToolRunner.run("bnn-run", [command, "--help"])
      #expect(r.status == 0 && r.stdout.contains("Usage: bnn-run \(command)"))
    }
    let version = try ToolRunner.run("bnn-run", ["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("bnn-run "))
  }

  @Test func usageErrorsExitWithTwo() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try makeModel().write(toFile: model)
    let cases: [[String]] = [
      [], ["frobnicate"], ["info"], ["info", model, "--nonsense"], ["eval", model], ["eval", model, "--images", "x"],
      ["bench", model, "--threads", "0"], ["bench", model, "--batch", "-3"], ["bench", model, "--threads"],
      ["classify", model], ["bench", model, "--kernel", "sse9"], ["info", model, "--json=yes"],
    ]
    for args in cases {
      let r = try ToolRunner.run("bnn-run", args)
      #expect(r.status == 2, "\(args) exited \(r.status)")
      #expect(r.stderr.contains("bnn-run: error:"), "\(args): \(r.stderr)")
      #expect(!r.stderr.contains("Fatal error"))
    }
  }

  @Test func badModelFilesExitWithOneAndAClearMessage() throws {
    let folder = try ScratchFolder()
    let good = try makeModel().serialized
    let cases: [(String, [UInt8]?)] = [
      ("missing.bnn", nil), ("empty.bnn", []), ("truncated.bnn", Array(good.prefix(good.count / 2))),
      (
        "flipped.bnn",
        {
          var b = good
          b[100] ^= 4
          return b
        }()
      ), ("text.bnn", Array("not a model\n".utf8)),
    ]
    for (name, bytes) in cases {
      if let bytes { try Data(bytes).write(to: URL(fileURLWithPath: folder.path(name))) }
      let r = try ToolRunner.run("bnn-run", ["info", folder.path(name)])
      #expect(r.status == 1, "\(name) exited \(r.status)")
      let lines = r.stderr.split(separator: "\n")
      #expect(lines.count == 1 && lines[0].contains(name), "\(name): \(r.stderr)")
    }
  }

  @Test func infoDescribesTheModel() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let text = try ToolRunner.run("bnn-run", ["info", folder.path("m.bnn")])
    #expect(text.status == 0)
    #expect(text.stdout.contains("pixel-dense") && text.stdout.contains("binary-output"))
    let json = try ToolRunner.run("bnn-run", ["info", folder.path("m.bnn"), "--json"])
    #expect(json.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect(object?["file_bytes"] as? Int == model.fileBytes)
    #expect(object?["binary_macs"] as? Int == 40 * 3)
    #expect(object?["pixel_macs"] as? Int == 35 * 40)
    #expect((object?["classes"] as? [String]) == ["cat", "dog", "fish"])
  }

  /// bnn-run eval predicts exactly what the library predicts, image for image.
  @Test func evalMatchesTheLibraryPredictionForPrediction() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let count = 500
    let pixels = randomPixels(count * 35, seed: 4)
    let expected = try model.predictLabels(pixels, count: count)
    // Labels: the library's prediction for the first 300, then a fixed class.
    let labels = (0..<count).map { UInt8($0 < 300 ? expected[$0] : 1) }
    let correct = (0..<count).filter { Int(labels[$0]) == expected[$0] }.count
    let (images, labelFile) = try writeIDX(images: pixels, count: count, rows: 5, cols: 7, labels: labels, to: folder)
    for threads in ["1", "2", "3"] {
      let r = try ToolRunner.run(
        "bnn-run",
        [
          "eval", folder.path("m.bnn"), "--images", images, "--labels", labelFile, "--threads", threads, "--batch", "7",
          "--predictions", folder.path("p.txt"), "--json",
        ])
      #expect(r.status == 0, "\(r.stderr)")
      let predicted = try String(contentsOfFile: folder.path("p.txt"), encoding: .utf8).split(separator: "\n").map {
        Int($0)!
      }
      #expect(predicted == expected)
      let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
      #expect(object?["correct"] as? Int == correct)
      let confusion = object?["confusion"] as? [[Int]]
      #expect(confusion?.flatMap { $0 }.reduce(0, +) == count)
    }
    let text = try ToolRunner.run("bnn-run", ["eval", folder.path("m.bnn"), "--images", images, "--labels", labelFile])
    #expect(text.status == 0 && text.stdout.contains("accuracy") && text.stdout.contains("confusion matrix"))
  }

  @Test func evalRefusesMismatchedData() throws {
    let folder = try ScratchFolder()
    try makeModel().write(toFile: folder.path("m.bnn"))
    // Wrong image size (6x6 instead of 5x7).
    let (images, labels) = try writeIDX(
      images: randomPixels(36 * 4, seed: 1), count: 4, rows: 6, cols: 6, labels: [0, 1, 2, 0], to: folder)
    let wrongSize = try ToolRunner.run(
      "bnn-run", ["eval", folder.path("m.bnn"), "--images", images, "--labels", labels])
    #expect(
      wrongSize.status == 1 && wrongSize.stderr.contains("image is 6x6, the model takes 5x7"), "\(wrongSize.stderr)")
    // Label out of range for a 3-class model.
    let (images2, labels2) = try writeIDX(
      images: randomPixels(35 * 2, seed: 1), count: 2, rows: 5, cols: 7, labels: [0, 7], to: folder)
    let badLabel = try ToolRunner.run(
      "bnn-run", ["eval", folder.path("m.bnn"), "--images", images2, "--labels", labels2])
    #expect(badLabel.status == 1)
    // Missing labels file.
    let missing = try ToolRunner.run(
      "bnn-run", ["eval", folder.path("m.bnn"), "--images", images2, "--labels", folder.path("nope")])
    #expect(missing.status == 1 && missing.stderr.contains("nope"))
  }

  @Test func classifyPGMAndIDX() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let pixels = randomPixels(35, seed: 9)
    let expected = try model.classify(pixels)
    let p5 = Data(Array("P5\n# a comment\n7 5\n255\n".utf8) + pixels)
    try p5.write(to: URL(fileURLWithPath: folder.path("a.pgm")))
    let p2 = "P2\n7 5\n255\n" + pixels.map { String($0) }.joined(separator: " ") + "\n"
    try p2.write(toFile: folder.path("b.pgm"), atomically: true, encoding: .utf8)
    let r = try ToolRunner.run(
      "bnn-run", ["classify", folder.path("m.bnn"), folder.path("a.pgm"), folder.path("b.pgm"), "--json", "--top", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    let results = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
    #expect(results?.count == 2)
    for result in results ?? [] {
      #expect(result["class"] as? Int == expected.label)
      #expect((result["top"] as? [Any])?.count == 2)
    }
    let (images, _) = try writeIDX(
      images: randomPixels(35 * 3, seed: 2), count: 3, rows: 5, cols: 7, labels: [0, 0, 0], to: folder)
    let idx = try ToolRunner.run("bnn-run", ["classify", folder.path("m.bnn"), images])
    #expect(idx.status == 0 && idx.stdout.split(separator: "\n").count == 3)

    // Wrong size, not an image, missing file, truncated P5: one line naming the file
    // (the wording of decoding errors is BinaryNetImages's, tested there).
    try Data(Array("P5\n28 28\n255\n".utf8) + [UInt8](repeating: 0, count: 784)).write(
      to: URL(fileURLWithPath: folder.path("big.pgm")))
    try Data("hello".utf8).write(to: URL(fileURLWithPath: folder.path("x.txt")))
    try Data(Array("P5\n7 5\n255\n".utf8) + [1, 2, 3]).write(to: URL(fileURLWithPath: folder.path("short.pgm")))
    for (file, needle) in [
      ("big.pgm", "big.pgm: image is 28x28, the model takes 5x7"), ("x.txt", "x.txt: not a"),
      ("nothing.pgm", "nothing.pgm"), ("short.pgm", "short.pgm"),
    ] {
      let bad = try ToolRunner.run("bnn-run", ["classify", folder.path("m.bnn"), folder.path(file)])
      #expect(bad.status == 1, "\(file)")
      #expect(bad.stderr.contains(needle), "\(file): \(bad.stderr)")
      #expect(bad.stderr.split(separator: "\n").count == 1, "\(file): \(bad.stderr)")
    }
  }

  @Test func benchPrintsFigures() throws {
    let folder = try ScratchFolder()
    try makeModel().write(toFile: folder.path("m.bnn"))
    let r = try ToolRunner.run(
      "bnn-run", ["bench", folder.path("m.bnn"), "--seconds", "0.05", "--repeats", "2", "--batch", "4", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    #expect(object?["binary_macs_per_image"] as? Int == 120)
    #expect((object?["layers"] as? [Any])?.count == 2)
    let arch = try ToolRunner.run("bnn-run", ["bench", "--arch", "784-64-10", "--seconds", "0.05", "--repeats", "1"])
    #expect(arch.status == 0 && arch.stdout.contains("batch-1 latency"))
    // --threads 2: batch-1 latency once more with two threads sharing each image.
    let shared = try ToolRunner.run(
      "bnn-run", ["bench", "--arch", "784-512-10", "--seconds", "0.05", "--repeats", "1", "--threads", "2", "--json"])
    #expect(shared.status == 0, "\(shared.stderr)")
    let figures = try JSONSerialization.jsonObject(with: Data(shared.stdout.utf8)) as? [String: Any]
    let threaded = figures?["latency_batch1_threaded_seconds"] as? [String: Any]
    #expect(threaded?["threads"] as? Int == 2 && (threaded?["p50"] as? Double ?? 0) > 0)
  }
}
