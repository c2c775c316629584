import BinaryNet
import BinaryNetData
import BinaryNetFiles
import BinaryNetImages
import CLISupport
import Foundation

/// `bnn-run eval MODEL (--images IDX --labels IDX | --data PATH)`: accuracy, top-k
/// accuracy, per-class precision/recall/F1 and the confusion matrix on a labelled set.
struct EvalCommand: Command {
  static let name = "eval"
  static let abstract = "accuracy, per-class metrics, confusion matrix, images/s"
  static let discussion = """
    Classifies every image of a labelled set and compares with the labels: an IDX
    image file with its label file (--images, --labels), or the test part of any
    data set (--data: an image folder, a NumPy .npz or .npy folder, an IDX folder).
    Colour images given to a grey model are converted to grey (and vice versa);
    another size needs --resize (to the model's size) or --size.

    Prints accuracy, top-k accuracy, per-class precision, recall and F1 with
    their macro averages, the confusion matrix (rows: true class, columns:
    predicted) and images/s. Precision is undefined for a class never predicted,
    recall for a class without images: shown as '-' (null in --json) and left out
    of the macro averages, which say over how many classes they are taken.
    """
  static let positionals = [SharedOptions.model]

  let images = Option<String?>.path(
    "images", value: "IDX", role: .input, section: "Data", help: "IDX image file (idx3-ubyte, optionally .gz)")
  let labels = Option<String?>.path(
    "labels", value: "IDX", role: .input, section: "Data", help: "IDX label file (idx1-ubyte, optionally .gz)")
  let data = Option<String?>.path(
    "data", value: "PATH", role: .input, section: "Data",
    help: "a data set (image folder, .npz, .npy or IDX folder): its test part")
  let size = Option<ImageSize?>.imageSize(
    "size", section: "Data",
    help: "with --data: resize its images to HxW (the model's size) when reading")
  let resize = ImageAdaptation.resizeOption
  let invert = ImageAdaptation.invertOption
  let limit = SharedOptions.limit("evaluate only the first N images")
  let top = Option<Int?>.integer(
    "top", value: "K", defaultText: "5, or the class count if smaller", range: 1...1_000_000,
    help: "also report top-K accuracy")
  let threads = SharedOptions.threads()
  let batch = SharedOptions.batch()
  let json = SharedOptions.json
  let predictions = Option<String?>.path(
    "predictions", role: .output, section: "Output", help: "also write one predicted class index per line to PATH")
  let misclassified = Option<String?>.path(
    "misclassified", value: "DIR", role: .output, section: "Output",
    help: """
      write each misclassified image (as the model saw it) to DIR as PNG,
      named INDEX-true-LABEL-pred-LABEL.png (DIR is created if missing;
      it must not be or hold one of the data inputs)
      """)

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let modelPath = arguments.positionals[0]
    try checkDataOptions(arguments)
    if let folder = arguments[\.misclassified] {
      // Not among the data (nor a folder holding it); the model file may sit beside it.
      let output = PathUse(what: "--misclassified", path: folder)
      let data = [("--images", arguments[\.images]), ("--labels", arguments[\.labels]), ("--data", arguments[\.data])]
        .compactMap { what, path in path.map { PathUse(what: what, path: $0) } }
      try PathUse.checkFolderOutsideInputs(output, inputs: data, orHoldsOne: true)
      try PathUse.checkFolderOutsideInputs(output, inputs: [PathUse(what: "MODEL", path: modelPath)])
    }
    let model = try loadModel(modelPath)
    if let size = arguments[\.size], size.height != model.input.height || size.width != model.input.width {
      throw .usage(
        "--size \(size) is not the model's input size \(model.input.height)x\(model.input.width) "
          + "(--resize alone reads the data at the model's size)")
    }
    let k = arguments[\.top] ?? min(5, model.classCount)
    guard k <= model.classCount else {
      throw .usage("--top \(k) is more than the model's \(model.classCount) classes")
    }
    let set = try load(arguments, model: model)

    let start = monotonicSeconds()
    let scores = try model.scoresInParallel(
      set.pixels, count: set.count, threads: arguments[\.threads], batch: arguments[\.batch])
    let seconds = monotonicSeconds() - start
    let classes = model.classCount
    let predicted = scores.withUnsafeBufferPointer { all in
      (0..<set.count).map { i in
        Int32(Model.argmax(UnsafeBufferPointer(rebasing: all[(i * classes)..<((i + 1) * classes)])))
      }
    }
    let evaluation = Evaluation(
      set: set, predicted: predicted,
      metrics: ClassificationMetrics(truth: set.labels, predicted: predicted, classCount: classes),
      topK: k, topKAccuracy: topKAccuracy(scores: scores, classCount: classes, truth: set.labels, k: k),
      seconds: seconds)

    if let out = arguments[\.predictions] {
      try write(Array((predicted.map { String($0) }.joined(separator: "\n") + "\n").utf8), to: out)
    }
    var written = 0
    if let folder = arguments[\.misclassified] {
      written = try writeMisclassified(evaluation, model: model, to: folder)
    }
    let report = EvalReport(
      evaluation: evaluation, model: model, modelPath: modelPath, threads: arguments[\.threads],
      batch: arguments[\.batch], misclassifiedFolder: arguments[\.misclassified], misclassifiedWritten: written)
    Console.out(arguments[\.json] ? report.json.text : report.text)
  }

  /// Exactly one source of images: `--images` with `--labels`, or `--data`; `--size`
  /// only with `--data`.
  func checkDataOptions(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let hasIDX = arguments[\.images] != nil || arguments[\.labels] != nil
    if arguments[\.data] != nil {
      if hasIDX { throw .usage("eval takes either --data or --images with --labels, not both") }
    } else {
      guard arguments[\.images] != nil, arguments[\.labels] != nil else {
        throw .usage(
          arguments[\.images] == nil && arguments[\.labels] == nil
            ? "eval needs --images IDX and --labels IDX, or --data PATH"
            : (arguments[\.images] == nil ? "--labels needs --images" : "--images needs --labels"))
      }
      if arguments[\.size] != nil { throw .usage("--size applies to --data (IDX images use --resize)") }
    }
  }

  /// The labelled images, in the model's input shape.
  func load(_ arguments: ParsedCommand<Self>, model: Model) throws(CLIError) -> EvaluationSet {
    let adaptation = ImageAdaptation(resize: arguments[\.resize], invert: arguments[\.invert])
    if let path = arguments[\.data] {
      // --resize alone brings the data set to the model's size.
      let size = arguments[\.size].map { (height: $0.height, width: $0.width) }
      let target = size ?? (arguments[\.resize] != nil ? (height: model.input.height, width: model.input.width) : nil)
      let options = DataSetOptions(size: target, resizeMethod: arguments[\.resize] ?? .area)
      return try EvaluationSet.dataSet(
        path: path, options: options, model: model, adaptation: adaptation, limit: arguments[\.limit])
    }
    return try EvaluationSet.idx(
      images: arguments[\.images]!, labels: arguments[\.labels]!, model: model, adaptation: adaptation,
      limit: arguments[\.limit])
  }

  /// Writes every misclassified image as `INDEX-true-LABEL-pred-LABEL.png`; returns how
  /// many were written.
  func writeMisclassified(_ e: Evaluation, model: Model, to folder: String) throws(CLIError) -> Int {
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw .runtime("--misclassified \(folder): cannot create the folder: \(error.localizedDescription)")
    }
    let input = model.input
    let size = input.pixelCount
    let digits = max(6, String(max(e.set.count - 1, 0)).count)
    var written = 0
    for i in 0..<e.set.count where Int(e.predicted[i]) != Int(e.set.labels[i]) {
      let image = PixelImage(
        width: input.width, height: input.height, channels: input.channels,
        pixels: Array(e.set.pixels[(i * size)..<((i + 1) * size)]))
      let name =
        zeroPadded(i, digits) + "-true-" + fileNameComponent(model.labels[Int(e.set.labels[i])]) + "-pred-"
        + fileNameComponent(model.labels[Int(e.predicted[i])]) + ".png"
      do {
        try ImageFile.write(image, toFile: (folder as NSString).appendingPathComponent(name), format: .png)
      } catch {
        throw .runtime(error.description)
      }
      written += 1
    }
    return written
  }
}

/// What an evaluation found.
struct Evaluation {
  var set: EvaluationSet
  var predicted: [Int32]
  var metrics: ClassificationMetrics
  var topK: Int
  var topKAccuracy: Double
  var seconds: Double
  var rate: Double { Double(set.count) / max(seconds, 1e-9) }
}
