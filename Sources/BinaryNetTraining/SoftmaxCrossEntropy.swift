import Foundation

/// Softmax cross-entropy over the rows of a `[batch][classes]` logits matrix:
///
///     p_bk = exp(s_bk - max_k s_bk) / sum_k exp(s_bk - max_k s_bk)
///     loss = -(1/B) sum_b log p_{b,label_b}
///     dloss/ds_bk = (p_bk - [k == label_b]) / B
public enum SoftmaxCrossEntropy {
  /// Writes the gradient into `gradient` (same shape as `logits`); returns the mean loss
  /// and the number of rows whose largest logit is the label (first largest on ties).
  public static func lossAndGradient(
    logits: Matrix, labels: UnsafePointer<Int32>, gradient: Matrix
  ) -> (loss: Double, correct: Int) {
    let batch = logits.rows
    let classes = logits.cols
    var loss = 0.0
    var correct = 0
    let inverseBatch = 1 / Float(batch)
    for b in 0..<batch {
      let s = logits.row(b)
      let g = gradient.row(b)
      let label = Int(labels[b])
      var best = 0
      for k in 1..<classes where s[k] > s[best] { best = k }
      if best == label { correct += 1 }
      let maximum = s[best]
      var sum: Float = 0
      for k in 0..<classes {
        let e = expf(s[k] - maximum)
        g[k] = e
        sum += e
      }
      loss += Double(logf(sum) - (s[label] - maximum))
      let inverseSum = 1 / sum
      for k in 0..<classes { g[k] = g[k] * inverseSum * inverseBatch }
      g[label] -= inverseBatch
    }
    return (loss / Double(batch), correct)
  }

  /// Index of the largest value of each of the first `rows` rows (first on ties).
  public static func argmax(_ scores: Matrix, rows: Int) -> [Int] {
    (0..<rows).map { b in
      let s = scores.row(b)
      var best = 0
      for k in 1..<scores.cols where s[k] > s[best] { best = k }
      return best
    }
  }
}
