import CFloatKernels
import Foundation

/// First and second moment estimates of one parameter tensor.
public final class AdamMoments {
  public let first: Matrix
  public let second: Matrix

  public init(count: Int) {
    first = Matrix(rows: 1, cols: count)
    second = Matrix(rows: 1, cols: count)
  }
}

/// Adam (Kingma & Ba), with the bias corrections folded into the step size:
///
///     m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2
///     p <- p - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps * sqrt(1 - b2^t))
///
/// optionally followed by clipping `p` to `[-clip, clip]` (latent binary weights).
public struct Adam: Sendable {
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-8

  public init() {}

  /// One update of `count` parameters at step `t` (1-based). With `signs`, the signs of
  /// the updated parameters are written there in the same pass (the binary weights).
  public func update(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
    moments: AdamMoments, count: Int, learningRate: Float, step t: Int, clip: Float? = nil,
    signs: UnsafeMutablePointer<Float>? = nil, threads: Int
  ) {
    let correction1 = 1 - pow(Double(beta1), Double(t))
    let correction2 = 1 - pow(Double(beta2), Double(t))
    let stepSize = Float(Double(learningRate) * correction2.squareRoot() / correction1)
    let eps = Float(Double(epsilon) * correction2.squareRoot())
    let (b1, b2) = (beta1, beta2)
    let limit = clip ?? .infinity
    let p = UncheckedSendable(
      (parameters, gradients, moments.first.data, moments.second.data, signs))
    Parallel.forEachChunk(count: count, threads: threads, alignment: 64, minimumChunk: 1 << 15) {
      range in
      let (w, g, m, v, signs) = p.value
      let i = range.lowerBound
      bnn_adam_update(
        w + i, g + i, m + i, v + i, signs.map { $0 + i }, range.count, b1, b2, stepSize, eps, limit)
    }
  }
}
