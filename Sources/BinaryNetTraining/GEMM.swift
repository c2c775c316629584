import CFloatKernels

/// Threaded float32 matrix product over whole matrices, row-major:
/// `C = alpha * op(A) * op(B) + beta * C`, `op(A)` is `m x k`, `op(B)` is `k x n`.
///
/// The C kernel (`bnn_sgemm`: packed, cache-blocked, AVX-512 or AVX2+FMA when the CPU has
/// them) does the
/// arithmetic; this type splits the larger of M and N into one block of C per thread.
/// Every element of C gets identical arithmetic whatever the split, so results do not
/// depend on the thread count.
public struct GEMM: Sendable {
  public var threads: Int
  public var path: bnn_sgemm_path

  public init(threads: Int, path: bnn_sgemm_path = BNN_SGEMM_AUTO) {
    self.threads = max(1, threads)
    self.path = path
  }

  /// Name of the micro-kernel this CPU uses.
  public static var kernelName: String { name(of: bnn_sgemm_best_path()) }

  /// Name of a micro-kernel path.
  public static func name(of path: bnn_sgemm_path) -> String {
    switch path {
    case BNN_SGEMM_AVX512: return "avx512"
    case BNN_SGEMM_AVX2: return "avx2+fma"
    case BNN_SGEMM_PORTABLE: return "portable"
    default: return name(of: bnn_sgemm_best_path())
    }
  }

  /// The micro-kernel paths this CPU can run, slowest first.
  public static var availablePaths: [bnn_sgemm_path] {
    [BNN_SGEMM_PORTABLE, BNN_SGEMM_AVX2, BNN_SGEMM_AVX512].filter {
      bnn_sgemm_path_available($0) != 0
    }
  }

  /// Products smaller than this many multiply-adds run on one thread.
  static let parallelThreshold = 1 << 18

  public func multiply(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let ta: Int32 = transA ? 1 : 0
    let tb: Int32 = transB ? 1 : 0
    let pointers = SendablePointers(a: a, b: b, c: c)
    let path = self.path
    if threads == 1 || m * n * k < Self.parallelThreshold {
      bnn_sgemm_with_path(path, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    } else if n >= m {
      // Columns j0..<j1 of C need columns j0..<j1 of op(B).
      Parallel.forEachChunk(count: n, threads: threads, alignment: 16) { cols in
        let b = pointers.b + (transB ? cols.lowerBound * ldb : cols.lowerBound)
        bnn_sgemm_with_path(
          path, ta, tb, m, cols.count, k, alpha, pointers.a, lda, b, ldb, beta,
          pointers.c + cols.lowerBound, ldc)
      }
    } else {
      // Rows i0..<i1 of C need rows i0..<i1 of op(A).
      Parallel.forEachChunk(count: m, threads: threads, alignment: 6) { rows in
        let a = pointers.a + (transA ? rows.lowerBound : rows.lowerBound * lda)
        bnn_sgemm_with_path(
          path, ta, tb, rows.count, n, k, alpha, a, lda, pointers.b, ldb, beta,
          pointers.c + rows.lowerBound * ldc, ldc)
      }
    }
  }

  /// `C = op(A) * op(B)` (+ `beta * C`) on whole matrices, shapes checked.
  public func multiply(
    _ a: Matrix, _ b: Matrix, transposeA transA: Bool = false, transposeB transB: Bool = false,
    into c: Matrix, alpha: Float = 1, beta: Float = 0, rows: Int? = nil
  ) {
    let m = rows ?? (transA ? a.cols : a.rows)
    let k = transA ? a.rows : a.cols
    let n = transB ? b.rows : b.cols
    precondition((transB ? b.cols : b.rows) == k, "inner dimensions differ")
    precondition(c.cols == n && c.rows >= m, "C has the wrong shape")
    multiply(
      transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: a.cols,
      b: b.data, ldb: b.cols, beta: beta, c: c.data, ldc: c.cols)
  }
}

/// Raw pointers handed to worker threads; each thread writes a disjoint block of C.
struct SendablePointers: @unchecked Sendable {
  let a: UnsafePointer<Float>
  let b: UnsafePointer<Float>
  let c: UnsafeMutablePointer<Float>
}
