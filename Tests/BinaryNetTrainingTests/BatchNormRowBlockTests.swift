import Testing

@testable import BinaryNetTraining

/// BatchNorm of narrow layers (convolutions: few channels, many rows) sums its statistics
/// over row blocks in parallel: against a Double reference, and the same bytes for any
/// thread count.
@Suite struct BatchNormRowBlockTests {
  @Test func theRowPartitionDependsOnTheShapeOnly() {
    #expect(BatchNorm.rowBlocks(rows: 100, features: 1024) == 1)
    #expect(BatchNorm.rowBlocks(rows: 100, features: 10) == 1)
    #expect(BatchNorm.rowBlocks(rows: 100, features: 256) == 1)
    #expect(BatchNorm.rowBlocks(rows: 4000, features: 32) == 3)
    #expect(BatchNorm.rowBlocks(rows: 78_400, features: 64) == 64)
    for (rows, blocks) in [(1, 1), (5, 3), (4000, 3), (129, 64)] {
      let parts = (0..<blocks).map { BatchNorm.rowsOfBlock($0, of: blocks, rows: rows) }
      #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == rows)
      for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
    }
  }

  struct Result: Equatable {
    var y: [Float]
    var normalized: [Float]
    var inverseStd: [Float]
    var runningMean: [Float]
    var runningVariance: [Float]
    var dz: [Float]
    var dGamma: [Float]
    var dBeta: [Float]
  }

  /// Forward and backward of a batch of `rows` x `features` on `threads` threads.
  static func run(rows: Int, features: Int, threads: Int) -> Result {
    var rng = Xoshiro256(seed: 21)
    let z = LayerMathTests.random(rows, features, &rng, scale: 5)
    for r in 0..<rows { for j in 0..<features { z[r, j] += Float(j) - 3 } }  // column offsets
    let dy = LayerMathTests.random(rows, features, &rng)
    var bn = BatchNorm(features: features, epsilon: 1e-4, momentum: 0.5)
    bn.gamma = (0..<features).map { 0.5 + Float($0 % 4) * 0.25 }
    bn.beta = (0..<features).map { Float($0 % 3) - 1 }
    let y = Matrix(rows: rows, cols: features)
    let cache = BatchNormCache(batch: rows, features: features)
    bn.forwardTraining(z, into: y, cache: cache, threads: threads)
    let (dGamma, dBeta) = bn.backward(dy, cache: cache, threads: threads)
    return Result(
      y: y.values, normalized: cache.normalized.values, inverseStd: cache.inverseStd,
      runningMean: bn.runningMean, runningVariance: bn.runningVariance, dz: dy.values,
      dGamma: dGamma, dBeta: dBeta)
  }

  @Test(arguments: [(4000, 32), (12_000, 7), (3000, 65)])
  func rowBlocksMatchADoubleReference(rows: Int, features: Int) {
    #expect(BatchNorm.rowBlocks(rows: rows, features: features) > 1)
    let result = Self.run(rows: rows, features: features, threads: 2)
    var rng = Xoshiro256(seed: 21)
    let z = LayerMathTests.random(rows, features, &rng, scale: 5)
    for r in 0..<rows { for j in 0..<features { z[r, j] += Float(j) - 3 } }
    let dy = LayerMathTests.random(rows, features, &rng)
    let count = Double(rows)
    for j in 0..<features {
      let column = (0..<rows).map { Double(z[$0, j]) }
      let mean = column.reduce(0, +) / count
      let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / count
      let inverse = 1 / (variance + 1e-4).squareRoot()
      #expect(abs(Double(result.inverseStd[j]) - inverse) < 1e-5 * inverse)
      #expect(abs(Double(result.runningMean[j]) - 0.5 * mean) < 1e-4)
      #expect(
        abs(Double(result.runningVariance[j]) - (0.5 + 0.5 * variance * count / (count - 1)))
          < 1e-4 * variance)
      let gamma = 0.5 + Double(j % 4) * 0.25
      let xhat = column.map { ($0 - mean) * inverse }
      let dBeta = (0..<rows).reduce(0.0) { $0 + Double(dy[$1, j]) }
      let dGamma = (0..<rows).reduce(0.0) { $0 + Double(dy[$1, j]) * xhat[$1] }
      // Float sums of `rows` terms of magnitude up to about 1.
      #expect(abs(Double(result.dBeta[j]) - dBeta) < 2e-6 * count)
      #expect(abs(Double(result.dGamma[j]) - dGamma) < 2e-6 * count)
      for r in stride(from: 0, to: rows, by: 97) {
        let y = gamma * xhat[r] + Double(j % 3) - 1
        #expect(abs(Double(result.y[r * features + j]) - y) < 1e-4)
        let dz = gamma * inverse / count * (count * Double(dy[r, j]) - dBeta - xhat[r] * dGamma)
        #expect(abs(Double(result.dz[r * features + j]) - dz) < 1e-4)
      }
    }
  }

  @Test(arguments: [(4000, 32), (12_000, 7), (200, 600)])
  func theBytesDoNotDependOnTheThreadCount(rows: Int, features: Int) {
    let one = Self.run(rows: rows, features: features, threads: 1)
    #expect(Self.run(rows: rows, features: features, threads: 2) == one)
    #expect(Self.run(rows: rows, features: features, threads: 3) == one)
  }

  /// The signs written in the normalising pass are `binarize(y)` exactly (0 and -0 give
  /// +1), for row blocks and for feature blocks.
  @Test(arguments: [(4000, 32), (50, 600), (100, 10)])
  func signsInTheSamePassAreTheSignsOfY(rows: Int, features: Int) {
    var rng = Xoshiro256(seed: 5)
    let z = LayerMathTests.random(rows, features, &rng, scale: 2)
    var bn = BatchNorm(features: features)
    bn.beta = (0..<features).map { Float($0 % 3) - 1 }
    bn.gamma = (0..<features).map { $0 % 3 == 1 ? 0 : 1 }  // y = beta = 0 there
    let y = Matrix(rows: rows, cols: features)
    let signs = Matrix(rows: rows, cols: features)
    signs.assign([Float](repeating: .nan, count: signs.count))
    bn.forwardTraining(
      z, into: y, cache: BatchNormCache(batch: rows, features: features), signs: signs, threads: 2)
    var expected = [Float](repeating: 0, count: y.count)
    expected.withUnsafeMutableBufferPointer {
      binarize(y.data, into: $0.baseAddress!, count: y.count, threads: 1)
    }
    #expect(signs.values == expected)
    #expect(y.values.contains(0))
  }

  /// The hard-tanh window applied in BatchNorm's backward pass gives the bytes of
  /// `applyHardTanhGradientMask` followed by the plain backward, for row blocks and for
  /// feature blocks.
  @Test(arguments: [(4000, 32), (50, 600), (100, 10)])
  func theWindowInTheBackwardPassIsTheMaskFirst(rows: Int, features: Int) {
    var rng = Xoshiro256(seed: 6)
    let z = LayerMathTests.random(rows, features, &rng, scale: 2)
    let dy = LayerMathTests.random(rows, features, &rng)
    var bn = BatchNorm(features: features)
    bn.gamma = (0..<features).map { 0.5 + Float($0 % 4) * 0.5 }
    let y = Matrix(rows: rows, cols: features)
    let cache = BatchNormCache(batch: rows, features: features)
    bn.forwardTraining(z, into: y, cache: cache, threads: 2)
    #expect(y.values.contains { abs($0) > 1 } && y.values.contains { abs($0) <= 1 })
    let masked = Matrix(rows: rows, cols: features, values: dy.values)
    applyHardTanhGradientMask(masked.data, preActivation: y.data, count: y.count, threads: 1)
    let expected = bn.backward(masked, cache: cache, threads: 2)
    let fused = Matrix(rows: rows, cols: features, values: dy.values)
    let result = bn.backward(fused, cache: cache, hardTanhWindow: y, threads: 2)
    #expect(fused.values == masked.values)
    #expect(result.dGamma == expected.dGamma && result.dBeta == expected.dBeta)
  }
}
