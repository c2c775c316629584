import CFloatKernels
import Testing

@testable import BinaryNetTraining

/// The blocked SGEMM against the double-accumulating reference triple loop.
@Suite struct SGEMMTests {
  static func randomMatrix(_ count: Int, _ rng: inout Xoshiro256) -> [Float] {
    (0..<count).map { _ in 2 * rng.nextUnitFloat() - 1 }
  }

  /// Runs one product with `path` and the reference; returns the largest difference
  /// relative to `sqrt(k)` (the typical size of an entry of the product).
  static func compare(
    path: bnn_sgemm_path, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, beta: Float, padding: Int, rng: inout Xoshiro256
  ) -> Float {
    // Leading dimensions larger than the logical sizes exercise the strides.
    let lda = (transA ? m : k) + padding
    let ldb = (transB ? k : n) + padding
    let ldc = n + padding
    let a = randomMatrix((transA ? k : m) * lda, &rng)
    let b = randomMatrix((transB ? n : k) * ldb, &rng)
    let c0 = randomMatrix(m * ldc, &rng)
    var fast = c0
    var reference = c0
    bnn_sgemm_with_path(
      path, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, &fast, ldc)
    bnn_sgemm_reference(
      transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, &reference, ldc)
    var worst: Float = 0
    for i in 0..<m {
      for j in 0..<n { worst = max(worst, abs(fast[i * ldc + j] - reference[i * ldc + j])) }
      // Padding columns of C must be untouched.
      for j in n..<ldc where fast[i * ldc + j] != c0[i * ldc + j] { return .infinity }
    }
    return worst / Float(k).squareRoot().clamped(min: 1)
  }

  static var paths: [bnn_sgemm_path] { GEMM.availablePaths }

  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func randomShapesMatchTheReference(transA: Bool, transB: Bool) {
    var rng = Xoshiro256(seed: 7)
    // Odd sizes, sizes around the 6x16 tile and the 256/144 blocks, and degenerate ones.
    var shapes: [(Int, Int, Int)] = [
      (1, 1, 1), (6, 16, 1), (7, 17, 3), (5, 15, 257), (145, 33, 300), (13, 300, 31),
      (100, 40, 513), (1, 37, 19), (37, 1, 19),
    ]
    for _ in 0..<12 {
      shapes.append(
        (
          1 + rng.nextIndex(below: 160), 1 + rng.nextIndex(below: 160),
          1 + rng.nextIndex(below: 600)
        ))
    }
    for path in Self.paths {
      for (m, n, k) in shapes {
        let error = Self.compare(
          path: path, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, beta: 0,
          padding: 3, rng: &rng)
        #expect(error < 1e-5, "path \(path.rawValue) m=\(m) n=\(n) k=\(k): error \(error)")
      }
    }
  }

  @Test func alphaAndBetaAreApplied() {
    var rng = Xoshiro256(seed: 8)
    for path in Self.paths {
      for (alpha, beta) in [(Float(0.5), Float(1)), (-2, 0.25), (1, -1), (0, 3)] {
        let error = Self.compare(
          path: path, transA: false, transB: true, m: 23, n: 41, k: 77, alpha: alpha, beta: beta,
          padding: 0, rng: &rng)
        #expect(error < 1e-5, "alpha \(alpha) beta \(beta): \(error)")
      }
    }
  }

  @Test func betaZeroOverwritesNaN() {
    let a: [Float] = [1, 2, 3, 4]
    let b: [Float] = [1, 0, 0, 1]
    var c = [Float](repeating: .nan, count: 4)
    bnn_sgemm(0, 0, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
    #expect(c == [1, 2, 3, 4])
    var empty = [Float](repeating: .nan, count: 4)
    bnn_sgemm(0, 0, 2, 2, 0, 1, a, 2, b, 2, 0, &empty, 2)
    #expect(empty == [0, 0, 0, 0])
  }

  /// Both FMA paths run the same FMA chain per element: identical bits despite 16- and
  /// 32-wide tiles (checked where the CPU has both).
  @Test func avx2AndAVX512AreBitIdentical() {
    guard bnn_sgemm_path_available(BNN_SGEMM_AVX512) != 0,
      bnn_sgemm_path_available(BNN_SGEMM_AVX2) != 0
    else {
      return
    }
    var rng = Xoshiro256(seed: 10)
    for (m, n, k, transA, transB) in [
      (100, 1024, 784, false, true), (37, 45, 600, true, false), (7, 33, 9, false, false),
    ] {
      let a = Self.randomMatrix(m * k, &rng)
      let b = Self.randomMatrix(k * n, &rng)
      var c2 = [Float](repeating: 0, count: m * n)
      var c5 = [Float](repeating: 0, count: m * n)
      let (lda, ldb) = (transA ? m : k, transB ? k : n)
      bnn_sgemm_with_path(
        BNN_SGEMM_AVX2, transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, 0, &c2, n)
      bnn_sgemm_with_path(
        BNN_SGEMM_AVX512, transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, 0, &c5, n)
      #expect(c2 == c5, "m=\(m) n=\(n) k=\(k)")
    }
  }

  @Test func pathsAgreeOnTheBestChoice() {
    #expect(bnn_sgemm_path_available(BNN_SGEMM_PORTABLE) == 1)
    #expect(bnn_sgemm_path_available(bnn_sgemm_best_path()) == 1)
  }

  /// The threaded wrapper splits M or N; every split must give bit-identical results.
  @Test(arguments: [(false, false), (true, false), (false, true)])
  func threadedProductIsBitIdentical(transA: Bool, transB: Bool) {
    var rng = Xoshiro256(seed: 9)
    for (m, n, k) in [(100, 1030, 257), (1031, 90, 100), (64, 64, 64), (250, 250, 250)] {
      let a = Matrix(
        rows: transA ? k : m, cols: transA ? m : k, values: Self.randomMatrix(m * k, &rng))
      let b = Matrix(
        rows: transB ? n : k, cols: transB ? k : n, values: Self.randomMatrix(k * n, &rng))
      let single = Matrix(rows: m, cols: n)
      let threaded = Matrix(rows: m, cols: n)
      GEMM(threads: 1).multiply(a, b, transposeA: transA, transposeB: transB, into: single)
      for threads in [2, 3, 7] {
        GEMM(threads: threads).multiply(
          a, b, transposeA: transA, transposeB: transB, into: threaded)
        #expect(single.values == threaded.values, "m=\(m) n=\(n) k=\(k) threads=\(threads)")
      }
    }
  }
}

extension Float {
  func clamped(min lower: Float) -> Float { Swift.max(self, lower) }
}
