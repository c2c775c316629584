import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

/// `bnn-run export-c`: the model (and test images) as C arrays for firmware.
@Suite("bnn-run export-c")
struct ExportCTests {
  /// The initialiser values of the C array `name` in `source`, as integers.
  func arrayValues(_ source: String, _ name: String) -> [Int]? {
    guard let declaration = source.range(of: " \(name)["),
      let open = source.range(of: "{", range: declaration.upperBound..<source.endIndex),
      let close = source.range(of: "};", range: open.upperBound..<source.endIndex)
    else { return nil }
    let body = source[open.upperBound..<close.lowerBound]
    return body.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map { token in
      token.hasPrefix("0x") ? Int(token.dropFirst(2), radix: 16)! : Int(token)!
    }
  }

  @Test func modelImagesPredictionsAndLabelsAreExportedExactly() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let pixels = randomPixels(6 * 35, seed: 5)
    let (images, labels) = try writeIDX(
      images: pixels, count: 6, rows: 5, cols: 7, labels: [0, 1, 2, 2, 1, 0], to: folder)
    let r = try ToolRunner.run(
      "bnn-run",
      [
        "export-c", folder.path("m.bnn"), "--out", folder.path("m.c"), "--header",
        folder.path("m.h"),
        "--images", images, "--labels", labels, "--count", "4", "--name", "tiny",
      ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("tiny (\(model.fileBytes) bytes, 4 test images of 35 bytes)"))
    let source = try String(contentsOfFile: folder.path("m.c"), encoding: .utf8)
    #expect(source.contains("BNN_EXPORT_ALIGNED(64) const uint8_t tiny[\(model.fileBytes)]"))
    #expect(arrayValues(source, "tiny") == model.serialized.map { Int($0) })
    #expect(source.contains("const uint32_t tiny_size = \(model.fileBytes)u;"))
    // The check value of the trusted loader: the file's CRC-32 (its last 4 bytes).
    let crc = model.serialized.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    #expect(model.checkValue == crc)
    #expect(source.contains("const uint32_t tiny_check = 0x" + hex8(crc) + "u;"))
    #expect(arrayValues(source, "tiny_images") == pixels.prefix(4 * 35).map { Int($0) })
    #expect(
      arrayValues(source, "tiny_expected")
        == (try model.predictLabels(Array(pixels.prefix(4 * 35)), count: 4)))
    #expect(arrayValues(source, "tiny_labels") == [0, 1, 2, 2])
    // Each image's scores as float bit patterns, as one-image classification gives them.
    var scoreBits: [Int] = []
    for i in 0..<4 {
      let scores = try model.classify(Array(pixels[(i * 35)..<((i + 1) * 35)])).scores
      scoreBits += scores.map { Int($0.bitPattern) }
    }
    #expect(scoreBits.count == 4 * model.classCount)
    #expect(arrayValues(source, "tiny_expected_scores") == scoreBits)
    #expect(source.contains("const uint32_t tiny_class_count = \(model.classCount)u;"))
    #expect(source.contains("const uint32_t tiny_image_count = 4u;"))
    let header = try String(contentsOfFile: folder.path("m.h"), encoding: .utf8)
    for symbol in [
      "tiny[", "tiny_size", "tiny_images[", "tiny_image_count", "tiny_image_bytes",
      "tiny_expected[", "tiny_labels[", "tiny_expected_scores[", "tiny_class_count",
    ] {
      #expect(header.contains(symbol))
    }
  }

  @Test func randomArchitectureIsDeterministicAndSavedAsAModel() throws {
    let folder = try ScratchFolder()
    for run in ["a", "b"] {
      let r = try ToolRunner.run(
        "bnn-run",
        [
          "export-c", "--arch", "784-32-10", "--out", folder.path("\(run).c"), "--save-model",
          folder.path("\(run).bnn"),
        ])
      #expect(r.status == 0, "\(r.stderr)")
    }
    let a = try String(contentsOfFile: folder.path("a.c"), encoding: .utf8)
    let b = try String(contentsOfFile: folder.path("b.c"), encoding: .utf8)
    #expect(a == b)
    let model = try Model(contentsOfFile: folder.path("a.bnn"))
    #expect(model.input.pixelCount == 784 && model.classCount == 10)
    #expect(arrayValues(a, "bnn_model") == model.serialized.map { Int($0) })
    #expect(!a.contains("bnn_model_images"))
  }

  /// A random model takes its input shape from colour (rank-4 IDX) images; the C images
  /// are those files' HWC bytes, the expected classes what `eval` predicts; export-c
  /// refuses grey images for that colour model with one clear line.
  @Test func colourImagesMakeAColourModelAndEvaluate() throws {
    let folder = try ScratchFolder()
    let bars = try writeBarsDataset(to: folder, train: 20, test: 8)
    let idx = folder.path("colour")
    let exported = try ToolRunner.run(
      "bnn-run", ["export-images", "--data", bars, "--colour", "3", "--format", "idx", "--out", idx])
    #expect(exported.status == 0, "\(exported.stderr)")
    let images = idx + "/t10k-images-idx3-ubyte"
    let labels = idx + "/t10k-labels-idx1-ubyte"
    let r = try ToolRunner.run(
      "bnn-run",
      [
        "export-c", "--arch", "c4-p-10", "--images", images, "--labels", labels, "--count", "8",
        "--out", folder.path("c.c"), "--save-model", folder.path("c.bnn"),
      ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("8 test images of 300 bytes"), "\(r.stdout)")
    let model = try Model(contentsOfFile: folder.path("c.bnn"))
    #expect(model.input.height == 10 && model.input.width == 10 && model.input.channels == 3)
    let source = try String(contentsOfFile: folder.path("c.c"), encoding: .utf8)
    let file = try Data(contentsOf: URL(fileURLWithPath: images))
    #expect(arrayValues(source, "bnn_model_images") == file.dropFirst(20).map { Int($0) })

    let eval = try ToolRunner.run(
      "bnn-run",
      ["eval", folder.path("c.bnn"), "--images", images, "--labels", labels, "--predictions", folder.path("p.txt")])
    #expect(eval.status == 0, "\(eval.stderr)")
    let predictions = try String(contentsOfFile: folder.path("p.txt"), encoding: .utf8)
      .split(separator: "\n").map { Int($0)! }
    #expect(arrayValues(source, "bnn_model_expected") == predictions)

    // export-c embeds the images as they are: grey ones do not fit a colour model (eval
    // would convert them; the firmware must get the model's own input).
    let grey = bars + "/t10k-images-idx3-ubyte"
    let refused = try ToolRunner.run(
      "bnn-run", ["export-c", folder.path("c.bnn"), "--images", grey, "--out", folder.path("g.c")])
    #expect(refused.status == 1, "\(refused.stderr)")
    #expect(refused.stderr.contains("images are 10x10x1, but the model expects 10x10x3"), "\(refused.stderr)")
    #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.path("g.c")))
  }

  @Test func usageErrors() throws {
    let folder = try ScratchFolder()
    try makeModel().write(toFile: folder.path("m.bnn"))
    let m = folder.path("m.bnn")
    let out = folder.path("m.c")
    for arguments in [
      ["export-c", m],  // no --out
      ["export-c", "--out", out],  // no model
      ["export-c", m, "--arch", "784-10", "--out", out],  // both
      ["export-c", m, "--out", out, "--name", "2bad"],
      ["export-c", m, "--out", out, "--labels", "x.idx"],
      ["export-c", m, "--out", out, "--count", "3"],
    ] {
      let r = try ToolRunner.run("bnn-run", arguments)
      #expect(r.status == 2, "\(arguments): \(r.stderr)")
    }
    let missing = try ToolRunner.run(
      "bnn-run", ["export-c", folder.path("none.bnn"), "--out", out])
    #expect(missing.status == 1)
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}

/// `value` as 8 lower-case hexadecimal digits.
private func hex8(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: 8 - digits.count) + digits
}
