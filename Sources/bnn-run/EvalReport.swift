import BinaryNet
import CLISupport

/// What `bnn-run eval` prints: the text report for a terminal, or one JSON object.
struct EvalReport {
  var evaluation: Evaluation
  var model: Model
  var modelPath: String
  var threads: Int
  var batch: Int
  var misclassifiedFolder: String?
  var misclassifiedWritten: Int

  /// Above this many classes the confusion matrix is not printed whole (it would not fit
  /// a terminal): its largest off-diagonal cells are listed instead.
  static let largestPrintedMatrix = 20
  static let listedConfusions = 20

  var metrics: ClassificationMetrics { evaluation.metrics }

  // MARK: - Text

  var text: String {
    let e = evaluation
    var lines: [String] = []
    lines.append("model      \(modelPath) (\(model.kernelPath.name) kernels)")
    if let kind = e.set.kind { lines.append("data       \(kind.rawValue)") }
    lines.append("images     \(e.set.origin)")
    for note in e.set.notes { lines.append("note       \(note)") }
    lines.append("accuracy   \(percent(metrics.accuracy))  (\(metrics.correct) / \(metrics.total))")
    lines.append(
      "top-\(e.topK)\(String(repeating: " ", count: max(1, 6 - String(e.topK).count)))" + percent(e.topKAccuracy))
    lines.append(
      "speed      \(fixed(e.rate, 0)) images/s  (\(fixed(e.seconds * 1000, 1)) ms, \(threads) thread(s), batch \(batch))"
    )
    if let folder = misclassifiedFolder {
      lines.append("wrote      \(misclassifiedWritten) misclassified image(s) to \(folder)")
    }
    lines.append("")
    lines += perClassTable
    lines.append("")
    lines += model.classCount <= EvalReport.largestPrintedMatrix ? confusionMatrix : largestConfusions
    return lines.joined(separator: "\n")
  }

  /// `3 cat` (`3` when the label is the index) shortened to `width` characters (the
  /// class index always shown).
  func classTitle(_ k: Int, width: Int) -> String {
    let title = model.labels[k] == String(k) ? String(k) : "\(k) \(model.labels[k])"
    return title.count <= width ? title : String(title.prefix(width - 1)) + "~"
  }

  /// Precision, recall, F1 and support per class, then the macro averages.
  var perClassTable: [String] {
    let nameWidth = 16
    func cell(_ value: Double?) -> String { pad(value.map { fixed($0 * 100, 1) + "%" } ?? "-", 10) }
    func left(_ text: String, _ width: Int) -> String {
      text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
    var lines = [left("class", nameWidth) + pad("precision", 10) + pad("recall", 10) + pad("F1", 10) + pad("images", 9)]
    for (k, c) in metrics.perClass.enumerated() {
      lines.append(
        left(classTitle(k, width: nameWidth - 1), nameWidth) + cell(c.precision) + cell(c.recall) + cell(c.f1)
          + pad(String(c.support), 9))
    }
    let averages = [metrics.macroPrecision, metrics.macroRecall, metrics.macroF1]
    lines.append(left("macro average", nameWidth) + averages.map { cell($0.value) }.joined())
    let partial = averages.contains { $0.classes < model.classCount }
    if partial {
      lines.append(
        "(macro averages over the classes where each is defined: "
          + averages.map { String($0.classes) }.joined(separator: ", ") + " of \(model.classCount))")
    }
    return lines
  }

  /// Rows: true class (index and name), columns: predicted class index.
  var confusionMatrix: [String] {
    let nameWidth = 12
    let largest = metrics.confusion.flatMap { $0 }.max() ?? 0
    let width = max(String(largest).count + 1, String(model.classCount - 1).count + 1, 4)
    func left(_ text: String) -> String {
      text.count >= nameWidth ? text : text + String(repeating: " ", count: nameWidth - text.count)
    }
    var lines = ["confusion matrix (rows: true class, columns: predicted)"]
    lines.append(left("") + (0..<model.classCount).map { pad(String($0), width) }.joined())
    for t in 0..<model.classCount {
      lines.append(
        left(classTitle(t, width: nameWidth - 1)) + metrics.confusion[t].map { pad(String($0), width) }.joined())
    }
    return lines
  }

  /// For many classes: the most frequent confusions, largest first.
  var largestConfusions: [String] {
    var cells: [(t: Int, p: Int, count: Int)] = []
    for t in 0..<model.classCount {
      for p in 0..<model.classCount where p != t && metrics.confusion[t][p] > 0 {
        cells.append((t, p, metrics.confusion[t][p]))
      }
    }
    cells.sort { $0.count > $1.count || ($0.count == $1.count && ($0.t, $0.p) < ($1.t, $1.p)) }
    var lines = [
      "confusion matrix: \(model.classCount) classes, too many to print (the whole matrix is in --json);",
      "most frequent confusions (true -> predicted: images)",
    ]
    for c in cells.prefix(EvalReport.listedConfusions) {
      lines.append(
        "  \(c.t) \(model.labels[c.t]) -> \(c.p) \(model.labels[c.p]): \(c.count)")
    }
    if cells.isEmpty { lines.append("  none") }
    return lines
  }

  // MARK: - JSON

  var json: JSON {
    let e = evaluation
    func optional(_ value: Double?) -> JSON { value.map { .number($0) } ?? .null }
    var pairs: [(String, JSON)] = [
      ("model", .string(modelPath)), ("source", .string(e.set.origin)),
      ("kind", e.set.kind.map { .string($0.rawValue) } ?? .null),
      ("notes", .array(e.set.notes.map { .string($0) })),
      ("images", .int(metrics.total)), ("correct", .int(metrics.correct)), ("accuracy", .number(metrics.accuracy)),
      ("top_k", .int(e.topK)), ("top_k_accuracy", .number(e.topKAccuracy)),
      ("seconds", .number(e.seconds)), ("images_per_second", .number(e.rate)),
      ("threads", .int(threads)), ("batch", .int(batch)), ("kernel", .string(model.kernelPath.name)),
      ("labels", .array(model.labels.map { .string($0) })),
    ]
    if let names = e.set.classNames { pairs.append(("data_class_names", .array(names.map { .string($0) }))) }
    pairs.append(
      (
        "per_class",
        .array(
          metrics.perClass.enumerated().map { k, c in
            .object([
              ("class", .int(k)), ("label", .string(model.labels[k])), ("precision", optional(c.precision)),
              ("recall", optional(c.recall)), ("f1", optional(c.f1)), ("support", .int(c.support)),
              ("predicted", .int(c.predicted)),
            ])
          })
      ))
    func macro(_ average: ClassificationMetrics.MacroAverage) -> JSON {
      .object([("value", optional(average.value)), ("classes", .int(average.classes))])
    }
    pairs.append(
      (
        "macro",
        .object([
          ("precision", macro(metrics.macroPrecision)), ("recall", macro(metrics.macroRecall)),
          ("f1", macro(metrics.macroF1)),
        ])
      ))
    pairs.append(("confusion", .array(metrics.confusion.map { row in .array(row.map { .int($0) }) })))
    if let folder = misclassifiedFolder {
      pairs.append(("misclassified", .object([("folder", .string(folder)), ("written", .int(misclassifiedWritten))])))
    }
    return .object(pairs)
  }
}
