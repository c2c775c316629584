import BinaryNet
import Foundation
import Testing

@Suite("bnn-run eval: metrics, data sets, misclassified images")
struct EvalReportTests {
  static func json(_ r: ToolRunner.Output) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
  }

  /// The per-class figures and top-k accuracy agree with the library's predictions.
  @Test func perClassMetricsAndTopK() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let count = 300
    let pixels = randomPixels(count * 35, seed: 8)
    let predicted = try model.predictLabels(pixels, count: count)
    let labels = (0..<count).map { UInt8($0 % 3) }
    let (images, labelFile) = try writeIDX(images: pixels, count: count, rows: 5, cols: 7, labels: labels, to: folder)
    let base = ["eval", folder.path("m.bnn"), "--images", images, "--labels", labelFile, "--json"]
    let r = try ToolRunner.run("bnn-run", base)
    #expect(r.status == 0, "\(r.stderr)")
    let object = try EvalReportTests.json(r)
    #expect(object["top_k"] as? Int == 3 && object["top_k_accuracy"] as? Double == 1)
    let perClass = object["per_class"] as? [[String: Any]] ?? []
    #expect(perClass.count == 3)
    for (k, entry) in perClass.enumerated() {
      let tp = (0..<count).filter { Int(labels[$0]) == k && predicted[$0] == k }.count
      let predictedK = predicted.filter { $0 == k }.count
      let support = labels.filter { Int($0) == k }.count
      #expect(entry["support"] as? Int == support && entry["predicted"] as? Int == predictedK)
      #expect(entry["label"] as? String == model.labels[k])
      if predictedK > 0 {
        #expect(abs((entry["precision"] as? Double ?? -1) - Double(tp) / Double(predictedK)) < 1e-12)
      } else {
        #expect(entry["precision"] is NSNull)
      }
      #expect(abs((entry["recall"] as? Double ?? -1) - Double(tp) / Double(support)) < 1e-12)
    }
    let top1 = try EvalReportTests.json(try ToolRunner.run("bnn-run", base + ["--top", "1"]))
    #expect(top1["top_k_accuracy"] as? Double == top1["accuracy"] as? Double)
    let tooMany = try ToolRunner.run("bnn-run", base + ["--top", "4"])
    #expect(tooMany.status == 2 && tooMany.stderr.contains("--top 4"))

    let text = try ToolRunner.run("bnn-run", Array(base.dropLast()))
    #expect(text.status == 0)
    for needle in ["accuracy", "top-3", "precision", "recall", "macro average", "confusion matrix", "0 cat", "2 fish"] {
      #expect(text.stdout.contains(needle), "\(needle): \(text.stdout)")
    }
    for line in text.stdout.split(separator: "\n") where !line.hasPrefix("images") && !line.hasPrefix("model") {
      #expect(line.count <= 80, "\(line)")
    }
  }

  /// Ten classes fit 80 columns; thirty get the list of largest confusions instead.
  @Test func confusionMatrixLayout() throws {
    let folder = try ScratchFolder()
    for classes in [10, 30] {
      let names = (0..<classes).map { "class-name-\($0)" }
      try makeModel(widths: [35, 64, classes], seed: 3, labels: names).write(toFile: folder.path("m\(classes).bnn"))
      let count = 2000
      let labels = (0..<count).map { UInt8($0 % classes) }
      let (images, labelFile) = try writeIDX(
        images: randomPixels(count * 35, seed: 5), count: count, rows: 5, cols: 7, labels: labels, to: folder)
      let r = try ToolRunner.run(
        "bnn-run", ["eval", folder.path("m\(classes).bnn"), "--images", images, "--labels", labelFile])
      #expect(r.status == 0, "\(r.stderr)")
      let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      guard let start = lines.firstIndex(where: { $0.hasPrefix("confusion matrix") }) else {
        Issue.record("no confusion matrix: \(r.stdout)")
        continue
      }
      if classes == 10 {
        #expect(lines.count - start >= 12)
        for line in lines[start...] { #expect(line.count <= 80, "\(line)") }
        #expect(lines[start + 2].hasPrefix("0 class-na~ "), "\(lines[start + 2])")
      } else {
        #expect(lines[start].contains("too many to print"))
        #expect(lines[(start + 2)...].filter { $0.contains(" -> ") }.count == 20)
      }
    }
  }

  /// --misclassified may not be an input, inside the data, or hold it.
  @Test func misclassifiedFolderIsNotAmongTheInputs() throws {
    let folder = try ScratchFolder()
    try makeModel().write(toFile: folder.path("m.bnn"))
    let (images, labels) = try writeIDX(
      images: randomPixels(4 * 35, seed: 3), count: 4, rows: 5, cols: 7, labels: [0, 1, 2, 0], to: folder)
    let data = try writeBarsDataset(to: folder, train: 10, test: 10)
    let cases: [([String], String)] = [
      (["--images", images, "--labels", labels, "--misclassified", images], "same file"),
      (["--images", images, "--labels", labels, "--misclassified", folder.url.path], "holds --images"),
      (["--data", data, "--misclassified", data + "/wrong"], "lies inside --data"),
      (["--data", data, "--misclassified", data], "same file"),
      (["--data", data, "--images", images, "--labels", labels], "not both"),
      (["--images", images], "--images needs --labels"),
      (["--labels", labels], "--labels needs --images"),
      (["--images", images, "--labels", labels, "--size", "5x7"], "--size applies to --data"),
      (["--data", data, "--size", "7x5"], "--size 7x5 is not the model's input size 5x7"),
    ]
    for (arguments, message) in cases {
      let r = try ToolRunner.run("bnn-run", ["eval", folder.path("m.bnn")] + arguments)
      #expect(r.status == 2, "\(arguments) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: data + "/wrong"))
  }

  /// Each misclassified image is written as INDEX-true-LABEL-pred-LABEL.png, holding the
  /// pixels the model saw. Needs the PNG writer.
  @Test func misclassifiedImagesAreWritten() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let count = 60
    let pixels = randomPixels(count * 35, seed: 12)
    let predicted = try model.predictLabels(pixels, count: count)
    let labels = (0..<count).map { UInt8($0 % 3) }
    let (images, labelFile) = try writeIDX(images: pixels, count: count, rows: 5, cols: 7, labels: labels, to: folder)
    let out = folder.path("wrong/nested")
    let r = try ToolRunner.run(
      "bnn-run",
      ["eval", folder.path("m.bnn"), "--images", images, "--labels", labelFile, "--misclassified", out, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let expected = (0..<count).filter { Int(labels[$0]) != predicted[$0] }.map { i in
      zeroPadded6(i) + "-true-" + model.labels[Int(labels[i])] + "-pred-" + model.labels[predicted[i]] + ".png"
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
    #expect(files == expected)
    #expect((try EvalReportTests.json(r)["misclassified"] as? [String: Any])?["written"] as? Int == expected.count)
    for file in files {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + file))
      #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }
  }

  /// `--data` reads an image folder (PGM files here), evaluates its test part, says its
  /// kind, and predicts what the library predicts. Needs the decoders and DataSet.load.
  @Test func imageFolderData() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let data = folder.path("pictures")
    var testPixels: [[UInt8]] = []
    var testLabels: [Int] = []
    for split in ["train", "test"] {
      for (k, name) in model.labels.enumerated() {
        let classFolder = data + "/\(split)/\(name)"
        try FileManager.default.createDirectory(atPath: classFolder, withIntermediateDirectories: true)
        for i in 0..<4 {
          let pixels = randomPixels(35, seed: UInt64(100 * k + 10 * i + (split == "test" ? 1 : 0)))
          try Data(Array("P5\n7 5\n255\n".utf8) + pixels).write(
            to: URL(fileURLWithPath: classFolder + "/\(i).pgm"))
          if split == "test" {
            testPixels.append(pixels)
            testLabels.append(k)
          }
        }
      }
    }
    let r = try ToolRunner.run("bnn-run", ["eval", folder.path("m.bnn"), "--data", data, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try EvalReportTests.json(r)
    #expect(object["kind"] as? String == "image folder")
    #expect(object["images"] as? Int == 12)
    let correct = try zip(testPixels, testLabels).filter { try model.classify($0.0).label == $0.1 }.count
    #expect(object["correct"] as? Int == correct)
    let text = try ToolRunner.run("bnn-run", ["eval", folder.path("m.bnn"), "--data", data])
    #expect(text.stdout.contains("data       image folder"), "\(text.stdout)")

    // A data set with another class count is refused, naming both.
    try FileManager.default.createDirectory(atPath: data + "/train/zebra", withIntermediateDirectories: true)
    try Data(Array("P5\n7 5\n255\n".utf8) + randomPixels(35, seed: 1)).write(
      to: URL(fileURLWithPath: data + "/train/zebra/0.pgm"))
    let four = try ToolRunner.run("bnn-run", ["eval", folder.path("m.bnn"), "--data", data])
    #expect(four.status == 1 && four.stderr.contains("has 4 classes but the model has 3"), "\(four.stderr)")
  }
}

func zeroPadded6(_ i: Int) -> String {
  let text = String(i)
  return String(repeating: "0", count: max(0, 6 - text.count)) + text
}
