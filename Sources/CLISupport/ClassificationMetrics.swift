/// Accuracy, per-class precision, recall and F1, and their macro averages, from a
/// confusion matrix (`confusion[t][p]`: images of true class `t` predicted as `p`).
///
/// For class `k`: `TP = confusion[k][k]`, `FP` = the rest of column `k`, `FN` = the rest
/// of row `k`;
/// - precision `TP / (TP + FP)`: undefined (nil) when the class is never predicted;
/// - recall `TP / (TP + FN)`: undefined (nil) when the class has no images (support 0);
/// - F1 `2 TP / (2 TP + FP + FN)` (the harmonic mean of the two where both exist, and 0
///   for a class that has images but is never predicted): undefined only when the class
///   is neither present nor predicted.
/// Macro averages are the plain means over the classes where each is defined; each
/// says over how many classes it was taken. Nothing undefined is counted as 0.
public struct ClassificationMetrics: Sendable, Equatable {
  public struct PerClass: Sendable, Equatable {
    public var truePositives: Int
    public var falsePositives: Int
    public var falseNegatives: Int
    /// Images of this class: `TP + FN`.
    public var support: Int { truePositives + falseNegatives }
    /// Images predicted as this class: `TP + FP`.
    public var predicted: Int { truePositives + falsePositives }

    public var precision: Double? { predicted == 0 ? nil : Double(truePositives) / Double(predicted) }
    public var recall: Double? { support == 0 ? nil : Double(truePositives) / Double(support) }
    public var f1: Double? {
      let denominator = 2 * truePositives + falsePositives + falseNegatives
      return denominator == 0 ? nil : Double(2 * truePositives) / Double(denominator)
    }
  }

  /// A macro average: the mean over the `classes` classes where the metric is defined
  /// (nil when it is defined for none).
  public struct MacroAverage: Sendable, Equatable {
    public var value: Double?
    public var classes: Int

    init(_ values: [Double?]) {
      let defined = values.compactMap { $0 }
      classes = defined.count
      value = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    }
  }

  public let confusion: [[Int]]
  public let perClass: [PerClass]

  /// `confusion` must be square.
  public init(confusion: [[Int]]) {
    precondition(confusion.allSatisfy { $0.count == confusion.count }, "the confusion matrix must be square")
    self.confusion = confusion
    let n = confusion.count
    perClass = (0..<n).map { k in
      let row = confusion[k].reduce(0, +)
      let column = (0..<n).reduce(0) { $0 + confusion[$1][k] }
      let tp = confusion[k][k]
      return PerClass(truePositives: tp, falsePositives: column - tp, falseNegatives: row - tp)
    }
  }

  /// The confusion matrix of `truth` against `predicted` over `classCount` classes.
  public init<T: BinaryInteger, P: BinaryInteger>(truth: [T], predicted: [P], classCount: Int) {
    precondition(truth.count == predicted.count, "one prediction per true label")
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    for (t, p) in zip(truth, predicted) { confusion[Int(t)][Int(p)] += 1 }
    self.init(confusion: confusion)
  }

  public var classCount: Int { confusion.count }
  public var total: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
  public var correct: Int { (0..<classCount).reduce(0) { $0 + confusion[$1][$1] } }
  /// `correct / total`; 0 for no images.
  public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

  public var macroPrecision: MacroAverage { MacroAverage(perClass.map(\.precision)) }
  public var macroRecall: MacroAverage { MacroAverage(perClass.map(\.recall)) }
  public var macroF1: MacroAverage { MacroAverage(perClass.map(\.f1)) }
}

/// Top-k accuracy: the fraction of images whose true class is among the `k` best scores.
///
/// `scores` holds `classCount` scores per image, back to back. Ranks follow the engine's
/// argmax rule (higher score first, the lower class among equal scores), so `k = 1`
/// agrees with the predicted labels: the true class `t` is in the top `k` when fewer
/// than `k` classes rank above it (a higher score, or an equal one at a lower index).
public func topKAccuracy(scores: [Float], classCount: Int, truth: [UInt8], k: Int) -> Double {
  precondition(scores.count == truth.count * classCount, "classCount scores per image")
  guard !truth.isEmpty else { return 0 }
  var hits = 0
  for (i, label) in truth.enumerated() {
    let row = scores[(i * classCount)..<((i + 1) * classCount)]
    let t = Int(label)
    let own = row[row.startIndex + t]
    var above = 0
    for j in 0..<classCount {
      let s = row[row.startIndex + j]
      if s > own || (s == own && j < t) { above += 1 }
    }
    if above < k { hits += 1 }
  }
  return Double(hits) / Double(truth.count)
}
