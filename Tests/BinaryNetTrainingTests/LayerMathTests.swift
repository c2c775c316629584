import Foundation
import Testing

@testable import BinaryNetTraining

/// Forward and backward formulas of the float building blocks, against finite differences.
@Suite struct LayerMathTests {
  @Test func signOfZeroIsPlusOne() {
    #expect(binarySign(0) == 1)
    #expect(binarySign(-0.0) == 1)
    #expect(binarySign(-1e-30) == -1)
    #expect(binarySign(3) == 1)
    let values: [Float] = [-2, -0.0, 0, 0.5, -0.5]
    var out = [Float](repeating: 7, count: 5)
    values.withUnsafeBufferPointer { v in
      out.withUnsafeMutableBufferPointer {
        binarize(v.baseAddress!, into: $0.baseAddress!, count: 5, threads: 2)
      }
    }
    #expect(out == [-1, 1, 1, 1, -1])
  }

  @Test func hardTanhMaskPassesOnlyInsideTheWindow() {
    var gradient: [Float] = [1, 2, 3, 4, 5]
    let x: [Float] = [-1.5, -1, 0, 1, 1.0001]
    x.withUnsafeBufferPointer { xp in
      gradient.withUnsafeMutableBufferPointer {
        applyHardTanhGradientMask(
          $0.baseAddress!, preActivation: xp.baseAddress!, count: 5, threads: 1)
      }
    }
    #expect(gradient == [0, 2, 3, 4, 0])
  }

  static func random(_ rows: Int, _ cols: Int, _ rng: inout Xoshiro256, scale: Float = 1) -> Matrix {
    Matrix(
      rows: rows, cols: cols,
      values: (0..<(rows * cols)).map { _ in scale * (2 * rng.nextUnitFloat() - 1) })
  }

  @Test func batchNormNormalisesAndUpdatesRunningStatistics() {
    var rng = Xoshiro256(seed: 1)
    let z = Self.random(8, 5, &rng, scale: 10)
    var bn = BatchNorm(features: 5, epsilon: 1e-5, momentum: 0.25)
    let y = Matrix(rows: 8, cols: 5)
    let cache = BatchNormCache(batch: 8, features: 5)
    bn.forwardTraining(z, into: y, cache: cache, threads: 1)
    for j in 0..<5 {
      let column = (0..<8).map { Double(y[$0, j]) }
      let mean = column.reduce(0, +) / 8
      let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
      #expect(abs(mean) < 1e-5)
      #expect(abs(variance - 1) < 1e-3)
      let zColumn = (0..<8).map { Double(z[$0, j]) }
      let zMean = zColumn.reduce(0, +) / 8
      let zVariance = zColumn.map { ($0 - zMean) * ($0 - zMean) }.reduce(0, +) / 7
      #expect(abs(Double(bn.runningMean[j]) - 0.25 * zMean) < 1e-4)
      #expect(abs(Double(bn.runningVariance[j]) - (0.75 + 0.25 * zVariance)) < 1e-3)
    }
  }

  /// Loss L = sum_bj c_bj * y_bj; compares BatchNorm.backward with central differences.
  @Test func batchNormBackwardMatchesFiniteDifferences() {
    var rng = Xoshiro256(seed: 2)
    let (batch, features) = (6, 4)
    let z = Self.random(batch, features, &rng, scale: 3)
    let c = Self.random(batch, features, &rng)
    var bn = BatchNorm(features: features, epsilon: 1e-3)
    bn.gamma = [0.5, -1.5, 2, 1]
    bn.beta = [0.1, 0, -0.3, 2]
    func loss(_ zValues: [Float], gamma: [Float], beta: [Float]) -> Double {
      var copy = bn
      copy.gamma = gamma
      copy.beta = beta
      let y = Matrix(rows: batch, cols: features)
      copy.forwardTraining(
        Matrix(rows: batch, cols: features, values: zValues), into: y,
        cache: BatchNormCache(batch: batch, features: features), threads: 1)
      return zip(y.values, c.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    let cache = BatchNormCache(batch: batch, features: features)
    var forward = bn
    forward.forwardTraining(z, into: Matrix(rows: batch, cols: features), cache: cache, threads: 1)
    let gradient = Matrix(rows: batch, cols: features, values: c.values)
    let (dGamma, dBeta) = forward.backward(gradient, cache: cache, threads: 2)
    let h: Float = 1e-2
    for index in 0..<(batch * features) {
      var plus = z.values
      var minus = z.values
      plus[index] += h
      minus[index] -= h
      let numeric =
        (loss(plus, gamma: bn.gamma, beta: bn.beta) - loss(minus, gamma: bn.gamma, beta: bn.beta))
        / Double(2 * h)
      #expect(abs(numeric - Double(gradient.data[index])) < 2e-3, "dz[\(index)]")
    }
    for j in 0..<features {
      var plus = bn.gamma
      var minus = bn.gamma
      plus[j] += h
      minus[j] -= h
      let numeric =
        (loss(z.values, gamma: plus, beta: bn.beta) - loss(z.values, gamma: minus, beta: bn.beta))
        / Double(2 * h)
      #expect(abs(numeric - Double(dGamma[j])) < 2e-3)
      #expect(abs(Double(dBeta[j]) - (0..<batch).reduce(0.0) { $0 + Double(c[$1, j]) }) < 1e-5)
    }
  }

  @Test func batchNormInferenceUsesStoredStatistics() {
    var bn = BatchNorm(features: 2, epsilon: 0)
    bn.gamma = [2, -1]
    bn.beta = [1, 0.5]
    bn.runningMean = [3, -1]
    bn.runningVariance = [4, 0.25]
    let m = Matrix(rows: 1, cols: 2, values: [5, 0])
    bn.applyInference(m, rows: 1)
    let expected: [Float] = [3, -1.5]  // 2 * (5 - 3) / 2 + 1 and -1 * (0 + 1) / 0.5 + 0.5
    #expect(m.values == expected)
  }

  @Test func softmaxCrossEntropyMatchesFiniteDifferences() {
    var rng = Xoshiro256(seed: 4)
    let logits = Self.random(3, 5, &rng, scale: 4)
    let labels: [Int32] = [0, 4, 2]
    let gradient = Matrix(rows: 3, cols: 5)
    let (loss, _) = labels.withUnsafeBufferPointer {
      SoftmaxCrossEntropy.lossAndGradient(
        logits: logits, labels: $0.baseAddress!, gradient: gradient)
    }
    func lossOf(_ values: [Float]) -> Double {
      labels.withUnsafeBufferPointer {
        SoftmaxCrossEntropy.lossAndGradient(
          logits: Matrix(rows: 3, cols: 5, values: values), labels: $0.baseAddress!,
          gradient: Matrix(rows: 3, cols: 5)
        ).loss
      }
    }
    #expect(abs(loss - lossOf(logits.values)) < 1e-12)
    var direct = 0.0
    for b in 0..<3 {
      let row = (0..<5).map { Double(logits[b, $0]) }
      direct += log(row.map(exp).reduce(0, +)) - row[Int(labels[b])]
    }
    #expect(abs(loss - direct / 3) < 1e-5)
    let h: Float = 1e-2
    for index in 0..<15 {
      var plus = logits.values
      var minus = logits.values
      plus[index] += h
      minus[index] -= h
      let numeric = (lossOf(plus) - lossOf(minus)) / Double(2 * h)
      #expect(abs(numeric - Double(gradient.data[index])) < 1e-3)
    }
  }

  @Test func adamFirstStepMovesByTheLearningRateAndClips() {
    var parameters: [Float] = [0.5, -0.5, 0.999, 0]
    let gradients: [Float] = [2, -0.001, -1, 0]
    let moments = AdamMoments(count: 4)
    parameters.withUnsafeMutableBufferPointer { p in
      gradients.withUnsafeBufferPointer { g in
        Adam().update(
          parameters: p.baseAddress!, gradients: g.baseAddress!, moments: moments, count: 4,
          learningRate: 0.01, step: 1, clip: 1, threads: 1)
      }
    }
    // Bias-corrected first step: m_hat / sqrt(v_hat) = sign(g) (for |g| >> eps).
    #expect(abs(parameters[0] - 0.49) < 1e-6)
    #expect(abs(parameters[1] - -0.49) < 1e-4)
    #expect(parameters[2] == 1)  // 1.009 clipped
    #expect(parameters[3] == 0)
    #expect(abs(moments.first.data[0] - 0.2) < 1e-6)
    #expect(abs(moments.second.data[0] - 0.004) < 1e-6)
  }

  /// The vectorised body and the scalar tail against the formula, with fused signs.
  @Test func adamKernelMatchesTheFormulaOnOddLengths() {
    var rng = Xoshiro256(seed: 12)
    let count = 37
    var parameters = (0..<count).map { _ in 2 * rng.nextUnitFloat() - 1 }
    let gradients = (0..<count).map { _ in 0.2 * rng.nextUnitFloat() - 0.1 }
    let moments = AdamMoments(count: count)
    for i in 0..<count {
      moments.first.data[i] = 0.01 * Float(i % 5) - 0.02
      moments.second.data[i] = 0.001 * Float(i % 7)
    }
    let (m0, v0, w0) = (moments.first.values, moments.second.values, parameters)
    var signs = [Float](repeating: 0, count: count)
    parameters.withUnsafeMutableBufferPointer { p in
      gradients.withUnsafeBufferPointer { g in
        signs.withUnsafeMutableBufferPointer { s in
          Adam().update(
            parameters: p.baseAddress!, gradients: g.baseAddress!, moments: moments, count: count,
            learningRate: 0.05, step: 3, clip: 1, signs: s.baseAddress!, threads: 1)
        }
      }
    }
    let c1 = 1 - pow(0.9, 3.0)
    let c2 = 1 - pow(0.999, 3.0)
    for i in 0..<count {
      let g = Double(gradients[i])
      let m = 0.9 * Double(m0[i]) + 0.1 * g
      let v = 0.999 * Double(v0[i]) + 0.001 * g * g
      let w = min(1, max(-1, Double(w0[i]) - 0.05 * (m / c1) / ((v / c2).squareRoot() + 1e-8)))
      #expect(abs(Double(moments.first.data[i]) - m) < 1e-6)
      #expect(abs(Double(moments.second.data[i]) - v) < 1e-7)
      #expect(abs(Double(parameters[i]) - w) < 1e-5, "w[\(i)]")
      #expect(signs[i] == (parameters[i] < 0 ? -1 : 1))
    }
  }

  @Test func learningRateSchedulesHitTheirEnds() {
    for schedule in LearningRateSchedule.allCases {
      let start = schedule.rate(step: 0, totalSteps: 100, start: 0.01, end: 0.0001)
      let end = schedule.rate(step: 99, totalSteps: 100, start: 0.01, end: 0.0001)
      #expect(abs(start - 0.01) < 1e-7)
      #expect(abs(end - (schedule == .constant ? 0.01 : 0.0001)) < 1e-7)
    }
    let middle = LearningRateSchedule.exponential.rate(
      step: 50, totalSteps: 101, start: 0.01, end: 0.0001)
    #expect(abs(middle - 0.001) < 1e-7)
  }
}
