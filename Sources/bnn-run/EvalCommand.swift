import BinaryNet
import BinaryNetFiles
import CLISupport
import MNISTLoader

/// `bnn-run eval MODEL --images IDX --labels IDX`: accuracy on a labelled set.
struct EvalCommand: Command {
  static let name = "eval"
  static let abstract = "accuracy, confusion matrix and images/s on a labelled set"
  static let discussion = """
    Classifies every image of an IDX image file and compares with the IDX labels.
    Prints accuracy, the confusion matrix (rows: true class, columns: predicted) and images/s.
    """
  static let positionals = [SharedOptions.model]

  let images = Option<String>.path(
    "images", value: "IDX", role: .input, help: "IDX image file (idx3-ubyte, optionally .gz)")
  let labels = Option<String>.path(
    "labels", value: "IDX", role: .input, help: "IDX label file (idx1-ubyte, optionally .gz)")
  let threads = SharedOptions.threads()
  let batch = SharedOptions.batch()
  let limit = SharedOptions.limit("evaluate only the first N images")
  let predictions = Option<String?>.path(
    "predictions", role: .output, help: "also write one predicted class index per line to PATH")
  let json = SharedOptions.json

  /// What an evaluation found.
  struct Evaluation {
    var count: Int
    var predicted: [Int32]
    var confusion: [[Int]]
    var correct: Int
    var seconds: Double
    var accuracy: Double { Double(correct) / Double(count) }
    var rate: Double { Double(count) / max(seconds, 1e-9) }
  }

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let modelPath = arguments.positionals[0]
    let model = try loadModel(modelPath)
    let evaluation = try evaluate(
      model, imagesPath: arguments[\.images], labelsPath: arguments[\.labels], limit: arguments[\.limit],
      threads: arguments[\.threads], batch: arguments[\.batch])
    if let out = arguments[\.predictions] {
      try write(Array((evaluation.predicted.map { String($0) }.joined(separator: "\n") + "\n").utf8), to: out)
    }
    if arguments[\.json] {
      Console.out(
        JSON.object([
          ("model", .string(modelPath)), ("images", .int(evaluation.count)), ("correct", .int(evaluation.correct)),
          ("accuracy", .number(evaluation.accuracy)), ("seconds", .number(evaluation.seconds)),
          ("images_per_second", .number(evaluation.rate)),
          ("threads", .int(arguments[\.threads])), ("batch", .int(arguments[\.batch])),
          ("kernel", .string(model.kernelPath.name)),
          ("labels", .array(model.labels.map { .string($0) })),
          ("confusion", .array(evaluation.confusion.map { row in .array(row.map { .int($0) }) })),
        ]).text)
    } else {
      report(evaluation, model: model, modelPath: modelPath, arguments: arguments)
    }
  }

  /// Predicts every image (up to `limit`) and compares with the labels.
  func evaluate(
    _ model: Model, imagesPath: String, labelsPath: String, limit: Int?, threads: Int, batch: Int
  ) throws(CLIError) -> Evaluation {
    let images = try loadImages(imagesPath, for: model)
    let truth = try loadLabels(labelsPath, for: model)
    guard truth.count == images.count else {
      throw .runtime("\(imagesPath) has \(images.count) images but \(labelsPath) has \(truth.count) labels")
    }
    let count = min(images.count, limit ?? Int.max)
    guard count > 0 else { throw .runtime("\(imagesPath) holds no images") }
    let pixels = count == images.count ? images.pixels : Array(images.pixels[0..<(count * images.imageSize)])

    let start = monotonicSeconds()
    let predicted = try model.predictLabelsInParallel(pixels, count: count, threads: threads, batch: batch)
    let seconds = monotonicSeconds() - start

    let classes = model.classCount
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    var correct = 0
    for i in 0..<count {
      let t = Int(truth.labels[i])
      let p = Int(predicted[i])
      confusion[t][p] += 1
      if t == p { correct += 1 }
    }
    return Evaluation(count: count, predicted: predicted, confusion: confusion, correct: correct, seconds: seconds)
  }

  /// The human-readable report: accuracy, speed, the confusion matrix.
  func report(_ e: Evaluation, model: Model, modelPath: String, arguments: ParsedCommand<Self>) {
    Console.out("model      \(modelPath) (\(model.kernelPath.name) kernels)")
    Console.out("images     \(e.count) from \(arguments[\.images])")
    Console.out("accuracy   \(fixed(e.accuracy * 100, 2))%  (\(e.correct) / \(e.count))")
    Console.out(
      "speed      \(fixed(e.rate, 0)) images/s  (\(fixed(e.seconds * 1000, 1)) ms, \(arguments[\.threads]) thread(s), "
        + "batch \(arguments[\.batch]))")
    Console.out("")
    Console.out("confusion matrix (rows: true class, columns: predicted)")
    let width = max(5, String(e.count).count + 1)
    Console.out(pad("", 6) + (0..<model.classCount).map { pad(String($0), width) }.joined())
    // Class names after each row, unless they are just the class numbers.
    let named = model.labels.enumerated().contains { $0.element != String($0.offset) }
    for t in 0..<model.classCount {
      Console.out(
        pad(String(t), 6) + e.confusion[t].map { pad(String($0), width) }.joined()
          + (named ? "   " + model.labels[t] : ""))
    }
  }
}
