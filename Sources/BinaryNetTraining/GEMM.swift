import CFloatKernels

/// An SGEMM micro-kernel path of `CFloatKernels` (one table of float kernels per path,
/// selected in its dispatch.c). The AVX2 and AVX-512 paths give identical results; the
/// portable one may differ in the last bits.
public enum SGEMMPath: CaseIterable, Sendable {
  case portable
  case avx2
  case avx512

  /// The C enum value of the path (for the kernel tables of `CFloatKernels`).
  public var cValue: bnn_sgemm_path {
    switch self {
    case .portable: return BNN_SGEMM_PORTABLE
    case .avx2: return BNN_SGEMM_AVX2
    case .avx512: return BNN_SGEMM_AVX512
    }
  }

  /// The path of a C value (AUTO resolves to the fastest path here).
  init(_ c: bnn_sgemm_path) {
    switch c {
    case BNN_SGEMM_PORTABLE: self = .portable
    case BNN_SGEMM_AVX2: self = .avx2
    case BNN_SGEMM_AVX512: self = .avx512
    default: self = SGEMMPath(bnn_sgemm_best_path())
    }
  }

  /// Whether this CPU runs the path.
  public var isAvailable: Bool { bnn_float_kernels_for(cValue) != nil }

  /// The fastest path this CPU runs (what `GEMM` uses unless told otherwise); the
  /// environment variable `BNN_FLOAT_KERNEL=portable|avx2|avx512` forces one.
  public static var best: SGEMMPath { SGEMMPath(bnn_sgemm_best_path()) }

  /// The paths this CPU runs, slowest first.
  public static var available: [SGEMMPath] { allCases.filter { $0.isAvailable } }

  /// Display name: "portable", "avx2+fma" or "avx512".
  public var name: String {
    switch self {
    case .portable: return "portable"
    case .avx2: return "avx2+fma"
    case .avx512: return "avx512"
    }
  }

  /// The path named `name` ("portable", "avx2", "avx2+fma", "avx512"), or nil.
  public init?(named name: String) {
    guard let path = SGEMMPath.allCases.first(where: { $0.name == name || (name == "avx2" && $0 == .avx2) })
    else { return nil }
    self = path
  }
}

/// Threaded float32 matrix product over whole matrices, row-major:
/// `C = alpha * op(A) * op(B) + beta * C`, `op(A)` is `m x k`, `op(B)` is `k x n`.
///
/// The C kernel (the `sgemm` entry of the chosen `CFloatKernels` table: packed,
/// cache-blocked, AVX-512 or AVX2+FMA when the CPU has them) does the arithmetic; this type
/// splits the larger of M and N into one block of C per thread. Every element of C gets
/// identical arithmetic whatever the split, so results do not depend on the thread count.
public struct GEMM: Sendable {
  public var threads: Int
  /// The micro-kernel path (an unavailable one runs the portable path).
  public var kernel: SGEMMPath

  public init(threads: Int, kernel: SGEMMPath = .best) {
    self.threads = max(1, threads)
    self.kernel = kernel
  }

  /// Name of the micro-kernel this CPU uses.
  public static var kernelName: String { SGEMMPath.best.name }

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
    let path = kernel.cValue
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
