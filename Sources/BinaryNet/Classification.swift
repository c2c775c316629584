/// A prediction: the winning class and every class score.
///
/// `label` is the argmax of `scores` with the engine's rule (the highest score, the lowest
/// class index among equal ones: `Model.argmax`).
public struct Classification: Sendable, Equatable {
  public var label: Int
  public var scores: [Float]

  public init(label: Int, scores: [Float]) {
    self.label = label
    self.scores = scores
  }

  /// The classification of `scores` (at least one): its label is their argmax.
  public init(scores: [Float]) {
    precondition(!scores.isEmpty, "a classification needs at least one score")
    self.scores = scores
    self.label = scores.withUnsafeBufferPointer { Model.argmax($0) }
  }

  /// The softmax of the scores: `p_j = e^(s_j - m) / sum_i e^(s_i - m)` with `m` the
  /// largest score (subtracting it changes nothing mathematically and keeps every
  /// exponent `<= 0`, so nothing overflows and the largest term is exactly 1).
  ///
  /// These are only as calibrated as training made the output layer's scores: they sum
  /// to 1 and rank like the scores, but are not measured frequencies.
  public var probabilities: [Float] {
    guard var largest = scores.first else { return [] }
    for s in scores where s > largest { largest = s }
    let terms = scores.map { Exponential.exp($0 - largest) }
    var sum: Float = 0
    for t in terms { sum += t }
    return terms.map { $0 / sum }
  }

  /// The `k` best classes (fewer when there are fewer), best first: ordered by score,
  /// equal scores by the lower class index (the rule of `Model.argmax`, so `top(1)`
  /// is `label`).
  public func top(_ k: Int) -> [RankedLabel] {
    let probabilities = self.probabilities
    let order = scores.indices.sorted { a, b in
      scores[a] > scores[b] || (scores[a] == scores[b] && a < b)
    }
    return order.prefix(max(k, 0)).map { j in
      RankedLabel(label: j, score: scores[j], probability: probabilities[j])
    }
  }
}

/// One class of a ranking: its index, its score and its softmax probability.
public struct RankedLabel: Sendable, Equatable {
  public var label: Int
  public var score: Float
  public var probability: Float

  public init(label: Int, score: Float, probability: Float) {
    self.label = label
    self.score = score
    self.probability = probability
  }
}

extension Model {
  /// Classifies one image; it must have exactly the model's input shape (convert and
  /// resize it first: `PixelImage.converted(toChannels:)`, `resized(width:height:method:)`).
  /// Allocates a workspace; use `classify(_:workspace:)` in loops.
  public func classify(image: PixelImage) throws(ModelError) -> Classification {
    guard image.width == input.width, image.height == input.height, image.channels == input.channels else {
      throw .invalidArgument(
        "image is " + shapeText(image.height, image.width, image.channels) + ", the model takes "
          + shapeText(input.height, input.width, input.channels) + " (height x width x channels)")
    }
    return try classify(image.pixels)
  }

  private func shapeText(_ height: Int, _ width: Int, _ channels: Int) -> String {
    String(height) + "x" + String(width) + "x" + String(channels)
  }
}
