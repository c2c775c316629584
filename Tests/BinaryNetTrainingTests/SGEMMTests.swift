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
    path: SGEMMPath, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
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
    bnn_float_kernels_for(path.cValue)!.pointee.sgemm(
      transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, &fast, ldc)
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

  static var paths: [SGEMMPath] { SGEMMPath.available }

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
        #expect(error < 1e-5, "path \(path.name) m=\(m) n=\(n) k=\(k): error \(error)")
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
    guard SGEMMPath.avx512.isAvailable, SGEMMPath.avx2.isAvailable else { return }
    var rng = Xoshiro256(seed: 10)
    for (m, n, k, transA, transB) in [
      (100, 1024, 784, false, true), (37, 45, 600, true, false), (7, 33, 9, false, false),
    ] {
      let a = Self.randomMatrix(m * k, &rng)
      let b = Self.randomMatrix(k * n, &rng)
      var c2 = [Float](repeating: 0, count: m * n)
      var c5 = [Float](repeating: 0, count: m * n)
      let (lda, ldb) = (transA ? m : k, transB ? k : n)
      bnn_float_kernels_for(BNN_SGEMM_AVX2)!.pointee.sgemm(
        transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, 0, &c2, n)
      bnn_float_kernels_for(BNN_SGEMM_AVX512)!.pointee.sgemm(
        transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, 0, &c5, n)
      #expect(c2 == c5, "m=\(m) n=\(n) k=\(k)")
    }
  }

  @Test func pathsAgreeOnTheBestChoice() {
    #expect(bnn_sgemm_path_available(BNN_SGEMM_PORTABLE) == 1)
    #expect(bnn_sgemm_path_available(bnn_sgemm_best_path()) == 1)
    #expect(SGEMMPath.best.isAvailable && SGEMMPath.available.contains(.portable))
    #expect(GEMM(threads: 1).kernel == SGEMMPath.best)
    for path in SGEMMPath.allCases {
      #expect(SGEMMPath(path.cValue) == path)
      #expect(SGEMMPath(named: path.name) == path)
    }
    #expect(SGEMMPath(named: "avx2") == .avx2 && SGEMMPath(named: "auto") == nil)
  }

  /// One table per path, each entry present, handed out only where the CPU runs it.
  @Test func floatKernelTablesAreConsistent() {
    for path in SGEMMPath.allCases {
      guard let table = bnn_float_kernels_for(path.cValue)?.pointee else {
        #expect(!path.isAvailable)
        continue
      }
      #expect(table.path == path.cValue)
      #expect(table.sgemm != nil && table.adam_update != nil)
      #expect(table.quantize_rows_s8 != nil && table.quantize_column_pairs_s8 != nil)
      #expect(table.pack_unit_pairs != nil && table.im2col_unit_pairs != nil)
      #expect(table.s8_unit_gemm != nil)
    }
    #expect(bnn_float_kernels_for(BNN_SGEMM_AUTO) == bnn_float_kernels_best())
    #expect(bnn_float_kernels_best()!.pointee.path == bnn_sgemm_best_path())
    #expect(bnn_float_kernels_for(bnn_sgemm_path(rawValue: 77)) == nil)
    #if arch(x86_64)
      if SGEMMPath.avx512.isAvailable { #expect(SGEMMPath.avx2.isAvailable) }
    #else
      #expect(SGEMMPath.available == [.portable])
    #endif
    // path, name, sgemm, adam_update and the five int8 gradient entries: a new entry
    // changes the size; test it here, then update this line.
    #expect(MemoryLayout<bnn_float_kernels>.size == 9 * MemoryLayout<UnsafeRawPointer>.size)
  }

  /// Every path's Adam entry against the portable one, on lengths around the 8-float AVX2
  /// vectors (the tail runs the portable loop), with and without sign output, and clipping.
  /// The AVX2 version fuses multiply-adds, so m and v may differ in the last bit; w follows.
  @Test(arguments: [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 1003])
  func adamEntriesMatchThePortableOne(count n: Int) {
    var rng = Xoshiro256(seed: UInt64(n) &+ 11)
    let reference = bnn_float_kernels_for(BNN_SGEMM_PORTABLE)!.pointee
    let w0 = Self.randomMatrix(n, &rng).map { $0 * 1.2 }  // some beyond the clip
    let g = Self.randomMatrix(n, &rng)
    let m0 = Self.randomMatrix(n, &rng).map { $0 * 0.1 }
    let v0 = Self.randomMatrix(n, &rng).map { $0 * $0 * 0.01 }
    for path in SGEMMPath.available {
      let table = bnn_float_kernels_for(path.cValue)!.pointee
      for withSigns in [false, true] {
        var (w1, m1, v1) = (w0, m0, v0)
        var (w2, m2, v2) = (w0, m0, v0)
        var s1 = [Float](repeating: 7, count: n + 1)
        var s2 = [Float](repeating: 7, count: n + 1)
        for _ in 0..<3 {
          s1.withUnsafeMutableBufferPointer { s in
            reference.adam_update(
              &w1, g, &m1, &v1, withSigns ? s.baseAddress : nil, n, 0.9, 0.999, 0.01, 1e-8, 1)
          }
          s2.withUnsafeMutableBufferPointer { s in
            table.adam_update(
              &w2, g, &m2, &v2, withSigns ? s.baseAddress : nil, n, 0.9, 0.999, 0.01, 1e-8, 1)
          }
        }
        for i in 0..<n {
          #expect(abs(m1[i] - m2[i]) <= 1e-6 * max(1, abs(m1[i])), "\(path.name) n=\(n) m[\(i)]")
          #expect(abs(v1[i] - v2[i]) <= 1e-6 * max(1e-3, abs(v1[i])), "\(path.name) n=\(n) v[\(i)]")
          #expect(abs(w1[i] - w2[i]) <= 1e-5, "\(path.name) n=\(n) w[\(i)]")
          #expect(abs(w2[i]) <= 1, "\(path.name) n=\(n): w[\(i)] not clipped")
          if withSigns {
            #expect(s2[i] == (w2[i] < 0 ? -1 : 1), "\(path.name) n=\(n): sign[\(i)]")
          }
        }
        #expect(s2[n] == 7, "\(path.name) n=\(n): wrote past the signs")
        if !withSigns { #expect(s2.allSatisfy { $0 == 7 }) }
      }
    }
  }

  /// Every path packs exactly the floats the portable packers do (the SIMD packers only
  /// move them): A and B blocks, read along rows (contiguous) or columns (transposed), sizes
  /// around the 6-row and 8-, 16- and 32-wide panels, both panel widths; nothing written
  /// past the packed block.
  @Test(arguments: [false, true])
  func packersMatchThePortableOnes(transposed: Bool) {
    var rng = Xoshiro256(seed: 12)
    let sizes = [1, 5, 6, 7, 8, 9, 12, 15, 16, 17, 23, 31, 33, 40, 100, 145, 256]
    for path in SGEMMPath.available {
      for operand in [0, 1] {
        for nr in operand == 0 ? [16] : [16, 32] {
          for _ in 0..<24 {
            let rows = sizes[rng.nextIndex(below: sizes.count)]
            let cols = sizes[rng.nextIndex(below: sizes.count)]
            // Stored matrix: element (r, c) of the block at x[r * rs + c * cs], with a
            // leading dimension wider than the block.
            let (storedRows, storedCols) = transposed ? (cols, rows + 3) : (rows, cols + 3)
            let x = Self.randomMatrix(storedRows * storedCols, &rng)
            let (rs, cs) = transposed ? (1, storedCols) : (storedCols, 1)
            let capacity = (rows + 6) * (cols + 32) + 8
            var expected = [Float](repeating: 7, count: capacity)
            var packed = [Float](repeating: 7, count: capacity)
            let count = bnn_sgemm_pack_for_tests(
              BNN_SGEMM_PORTABLE, Int32(operand), rows, cols, x, rs, cs, nr, &expected)
            let written = bnn_sgemm_pack_for_tests(
              path.cValue, Int32(operand), rows, cols, x, rs, cs, nr, &packed)
            #expect(written == count && count > 0)
            #expect(
              packed.map(\.bitPattern) == expected.map(\.bitPattern),
              "\(path.name) operand \(operand) nr \(nr) \(rows)x\(cols) transposed \(transposed)")
            #expect(packed[count...].allSatisfy { $0 == 7 }, "\(path.name): wrote past the block")
          }
        }
      }
    }
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
