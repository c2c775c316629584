import CFloatKernels

/// Batch normalisation of `features` columns of a row-major `[batch][features]` matrix.
///
/// Training (batch statistics, per feature j over the B rows of the batch):
///
///     mu_j = (1/B) sum_b z_bj          var_j = (1/B) sum_b (z_bj - mu_j)^2
///     xhat_bj = (z_bj - mu_j) / sqrt(var_j + eps)          y_bj = gamma_j * xhat_bj + beta_j
///
/// Running statistics follow `r <- (1 - momentum) r + momentum * batch` (the variance
/// unbiased by B/(B-1)); inference uses them in place of the batch statistics.
/// Backward, with dbeta_j = sum_b dy_bj and dgamma_j = sum_b dy_bj * xhat_bj:
///
///     dz_bj = gamma_j / (B sqrt(var_j + eps)) * (B dy_bj - dbeta_j - xhat_bj dgamma_j)
public struct BatchNorm: Sendable {
  public var features: Int
  public var epsilon: Float
  public var momentum: Float
  public var gamma: [Float]
  public var beta: [Float]
  public var runningMean: [Float]
  public var runningVariance: [Float]

  public init(features: Int, epsilon: Float = 1e-4, momentum: Float = 0.1) {
    self.features = features
    self.epsilon = epsilon
    self.momentum = momentum
    gamma = Array(repeating: 1, count: features)
    beta = Array(repeating: 0, count: features)
    runningMean = Array(repeating: 0, count: features)
    runningVariance = Array(repeating: 1, count: features)
  }
}

/// What the training forward pass keeps for the backward pass.
public final class BatchNormCache {
  /// Normalised input `xhat`, `[batch][features]`.
  public let normalized: Matrix
  /// `1 / sqrt(var_j + eps)` of the batch.
  public var inverseStd: [Float]

  public init(batch: Int, features: Int) {
    normalized = Matrix(rows: batch, cols: features)
    inverseStd = Array(repeating: 0, count: features)
  }
}

extension BatchNorm {
  /// Training forward: normalises `z` with its batch statistics into `y`, keeps `xhat`
  /// and `1/std` in `cache`, and updates the running statistics; with `signs`, writes
  /// `sign(y)` there in the same pass (the next layer's input). Wide layers split their
  /// features between `threads` (each feature's sums run in one fixed order:
  /// `bnn_batchnorm_forward`), narrow ones their rows (`rowBlocks`).
  public mutating func forwardTraining(
    _ z: Matrix, into y: Matrix, cache: BatchNormCache, signs: Matrix? = nil, threads: Int
  ) {
    let batch = z.rows
    let n = features
    precondition(z.cols == n && y.cols == n && y.rows == batch && batch > 0)
    var batchMean = [Float](repeating: 0, count: n)
    var batchVariance = [Float](repeating: 0, count: n)
    let blocks = Self.rowBlocks(rows: batch, features: n)
    precondition(signs.map { $0.rows == batch && $0.cols == n } ?? true)
    if blocks > 1 {
      forwardInRowBlocks(
        z, into: y, cache: cache, signs: signs, blocks: blocks, mean: &batchMean,
        variance: &batchVariance, threads: threads)
    } else {
      forwardInFeatureBlocks(
        z, into: y, cache: cache, signs: signs, mean: &batchMean, variance: &batchVariance,
        threads: threads)
    }
    let unbias = batch > 1 ? Float(batch) / Float(batch - 1) : 1
    for j in 0..<n {
      runningMean[j] = (1 - momentum) * runningMean[j] + momentum * batchMean[j]
      runningVariance[j] =
        (1 - momentum) * runningVariance[j] + momentum * batchVariance[j] * unbias
    }
  }

  /// Row blocks whose partial sums make the training statistics: 1 for layers of 512 or
  /// more features (the features are split between threads), else about 2^15 values a
  /// block, at most 64. It depends on the shape only, never on the thread count, so the
  /// sums (added block by block in order) are the same bytes for any thread count.
  static func rowBlocks(rows: Int, features: Int) -> Int {
    features >= 512 ? 1 : min(64, max(1, (rows * features) >> 15))
  }

  /// The rows of block `block` of `blocks`: near-equal contiguous parts of `0..<rows`.
  static func rowsOfBlock(_ block: Int, of blocks: Int, rows: Int) -> Range<Int> {
    (rows * block / blocks)..<(rows * (block + 1) / blocks)
  }

  /// `sum_b partial[b][j]` of `blocks` rows of `n` partial sums, added in block order.
  static func blockTotals(_ partial: [Float], blocks: Int, n: Int) -> [Float] {
    var total = [Float](repeating: 0, count: n)
    for block in 0..<blocks {
      for j in 0..<n { total[j] += partial[block * n + j] }
    }
    return total
  }

  /// Statistics from the partial sums of `blocks` row blocks (computed in parallel, added
  /// in block order), then the normalisation split by rows.
  private func forwardInRowBlocks(
    _ z: Matrix, into y: Matrix, cache: BatchNormCache, signs: Matrix?, blocks: Int,
    mean: inout [Float],
    variance: inout [Float], threads: Int
  ) {
    let (batch, n) = (z.rows, features)
    let scale = 1 / Float(batch)
    /// `(1/B) sum_b` of the partial sums `body(rows, into:)` writes for every block, the
    /// blocks in parallel.
    func average(_ body: @escaping (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
      var partial = [Float](repeating: 0, count: blocks * n)
      partial.withUnsafeMutableBufferPointer { buffer in
        let p = UncheckedSendable(buffer.baseAddress!)
        Parallel.forEachChunk(count: blocks, threads: threads) { range in
          for block in range {
            body(Self.rowsOfBlock(block, of: blocks, rows: batch), p.value + block * n)
          }
        }
      }
      return Self.blockTotals(partial, blocks: blocks, n: n).map { $0 * scale }
    }
    mean = average { rows, sums in
      bnn_column_sums(z.data + rows.lowerBound * n, rows.count, n, n, sums)
    }
    variance = mean.withUnsafeBufferPointer { meanBuffer in
      let m = UncheckedSendable(meanBuffer.baseAddress!)
      return average { rows, sums in
        bnn_column_squared_deviations(z.data + rows.lowerBound * n, rows.count, n, n, m.value, sums)
      }
    }
    for j in 0..<n { cache.inverseStd[j] = 1 / (variance[j] + epsilon).squareRoot() }
    mean.withUnsafeBufferPointer { meanBuffer in
      cache.inverseStd.withUnsafeBufferPointer { inverseBuffer in
        gamma.withUnsafeBufferPointer { gammaBuffer in
          beta.withUnsafeBufferPointer { betaBuffer in
            let p = UncheckedSendable(
              (
                meanBuffer.baseAddress!, inverseBuffer.baseAddress!, gammaBuffer.baseAddress!,
                betaBuffer.baseAddress!
              ))
            Parallel.forEachChunk(count: batch, threads: threads, minimumChunk: max(1, 4096 / n)) {
              rows in
              let (m, inverse, g, b) = p.value
              let offset = rows.lowerBound * n
              bnn_batchnorm_normalize(
                z.data + offset, cache.normalized.data + offset, y.data + offset,
                signs.map { $0.data + offset }, rows.count, n, n, g, b, m, inverse)
            }
          }
        }
      }
    }
  }

  /// Statistics and normalisation of each block of features in one pass, the features
  /// split between threads.
  private func forwardInFeatureBlocks(
    _ z: Matrix, into y: Matrix, cache: BatchNormCache, signs: Matrix?,
    mean batchMean: inout [Float],
    variance batchVariance: inout [Float], threads: Int
  ) {
    let batch = z.rows
    let n = features
    let eps = epsilon
    batchMean.withUnsafeMutableBufferPointer { meanBuffer in
      batchVariance.withUnsafeMutableBufferPointer { varianceBuffer in
        cache.inverseStd.withUnsafeMutableBufferPointer { inverseBuffer in
          gamma.withUnsafeBufferPointer { gammaBuffer in
            beta.withUnsafeBufferPointer { betaBuffer in
              let p = UncheckedSendable(
                (
                  meanBuffer.baseAddress!, varianceBuffer.baseAddress!, inverseBuffer.baseAddress!,
                  gammaBuffer.baseAddress!, betaBuffer.baseAddress!
                ))
              Parallel.forEachChunk(count: n, threads: threads, alignment: 16, minimumChunk: 256) {
                range in
                let (mean, variance, inverse, g, b) = p.value
                let j = range.lowerBound
                bnn_batchnorm_forward(
                  z.data + j, cache.normalized.data + j, y.data + j, signs.map { $0.data + j },
                  batch, range.count, n, g + j, b + j, mean + j, variance + j, inverse + j, eps)
              }
            }
          }
        }
      }
    }
  }

  /// Training backward: turns `gradient` (dy) into dz in place, using the cache of the
  /// forward pass; returns `(dgamma, dbeta)`. With `hardTanhWindow` (the forward output
  /// `y` of a hidden layer), dy is first masked by the sign's straight-through window
  /// (`applyHardTanhGradientMask`) in the same pass.
  public func backward(
    _ gradient: Matrix, cache: BatchNormCache, hardTanhWindow window: Matrix? = nil, threads: Int
  ) -> (dGamma: [Float], dBeta: [Float]) {
    let batch = gradient.rows
    let n = features
    var dGamma = [Float](repeating: 0, count: n)
    var dBeta = [Float](repeating: 0, count: n)
    let blocks = Self.rowBlocks(rows: batch, features: n)
    if blocks > 1 {
      return backwardInRowBlocks(
        gradient, cache: cache, window: window, blocks: blocks, threads: threads)
    }
    dGamma.withUnsafeMutableBufferPointer { dgBuffer in
      dBeta.withUnsafeMutableBufferPointer { dbBuffer in
        cache.inverseStd.withUnsafeBufferPointer { inverseBuffer in
          gamma.withUnsafeBufferPointer { gammaBuffer in
            let p = UncheckedSendable(
              (
                dgBuffer.baseAddress!, dbBuffer.baseAddress!, inverseBuffer.baseAddress!,
                gammaBuffer.baseAddress!
              ))
            Parallel.forEachChunk(count: n, threads: threads, alignment: 16, minimumChunk: 256) {
              range in
              let (dg, db, inverse, g) = p.value
              let j = range.lowerBound
              bnn_batchnorm_backward(
                gradient.data + j, cache.normalized.data + j, window.map { $0.data + j }, batch,
                range.count, n, g + j, inverse + j, dg + j, db + j)
            }
          }
        }
      }
    }
    return (dGamma, dBeta)
  }

  /// `backward` with the sums of `blocks` row blocks (in parallel, added in block order)
  /// and dz split by rows.
  private func backwardInRowBlocks(
    _ gradient: Matrix, cache: BatchNormCache, window: Matrix?, blocks: Int, threads: Int
  ) -> (dGamma: [Float], dBeta: [Float]) {
    let (batch, n) = (gradient.rows, features)
    var partialGamma = [Float](repeating: 0, count: blocks * n)
    var partialBeta = [Float](repeating: 0, count: blocks * n)
    partialGamma.withUnsafeMutableBufferPointer { dgBuffer in
      partialBeta.withUnsafeMutableBufferPointer { dbBuffer in
        let p = UncheckedSendable((dgBuffer.baseAddress!, dbBuffer.baseAddress!))
        Parallel.forEachChunk(count: blocks, threads: threads) { range in
          let (dg, db) = p.value
          for block in range {
            let rows = Self.rowsOfBlock(block, of: blocks, rows: batch)
            let offset = rows.lowerBound * n
            bnn_batchnorm_gradient_sums(
              gradient.data + offset, cache.normalized.data + offset,
              window.map { $0.data + offset }, rows.count, n, n, dg + block * n, db + block * n)
          }
        }
      }
    }
    let dGamma = Self.blockTotals(partialGamma, blocks: blocks, n: n)
    let dBeta = Self.blockTotals(partialBeta, blocks: blocks, n: n)
    dGamma.withUnsafeBufferPointer { dgBuffer in
      dBeta.withUnsafeBufferPointer { dbBuffer in
        cache.inverseStd.withUnsafeBufferPointer { inverseBuffer in
          gamma.withUnsafeBufferPointer { gammaBuffer in
            let p = UncheckedSendable(
              (
                dgBuffer.baseAddress!, dbBuffer.baseAddress!, inverseBuffer.baseAddress!,
                gammaBuffer.baseAddress!
              ))
            Parallel.forEachChunk(count: batch, threads: threads, minimumChunk: max(1, 4096 / n)) {
              rows in
              let (dg, db, inverse, g) = p.value
              let offset = rows.lowerBound * n
              bnn_batchnorm_gradient_apply(
                gradient.data + offset, cache.normalized.data + offset, rows.count, n, n, batch, g,
                inverse, dg, db)
            }
          }
        }
      }
    }
    return (dGamma, dBeta)
  }

  /// Inference: `y = gamma * ((z - mean) / sqrt(variance + eps)) + beta` with the stored
  /// (running or re-estimated) statistics, in place on the first `rows` rows. Evaluated in
  /// `Float` in exactly this order, like `BinaryNet.BatchNormParameters.apply`, so that the
  /// sign decisions agree bit for bit with the folded thresholds of the engine.
  public func applyInference(_ matrix: Matrix, rows: Int) {
    let n = features
    let deviations = (0..<n).map { (runningVariance[$0] + epsilon).squareRoot() }
    deviations.withUnsafeBufferPointer { s in
      runningMean.withUnsafeBufferPointer { mean in
        gamma.withUnsafeBufferPointer { g in
          beta.withUnsafeBufferPointer { b in
            for row in 0..<rows {
              let r = matrix.row(row)
              for j in 0..<n { r[j] = g[j] * ((r[j] - mean[j]) / s[j]) + b[j] }
            }
          }
        }
      }
    }
  }

  /// The output layer's BatchNorm as the affine map of the raw dot product `z` that the
  /// engine stores (DESIGN.md: `score_j = a_j * z_j + b_j`), rounded the same way:
  /// with `g = gamma / sqrt(variance + eps)` in `Double`, `a = Float(g * zScale)` and
  /// `b = Float(beta - g * mean)`, where the BatchNorm sees `zScale * z`.
  public func outputAffine(zScale: Double) -> (scale: [Float], bias: [Float]) {
    var scale = [Float](repeating: 0, count: features)
    var bias = [Float](repeating: 0, count: features)
    for j in 0..<features {
      let g = Double(gamma[j]) / Double(runningVariance[j] + epsilon).squareRoot()
      scale[j] = Float(g * zScale)
      bias[j] = Float(Double(beta[j]) + g * (0 - Double(runningMean[j])))
    }
    return (scale, bias)
  }
}
