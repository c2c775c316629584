import CFloatKernels

/// How the trainer computes the backward products of its binary layers.
public enum GradientPrecision: String, Codable, CaseIterable, Sendable {
  /// float32 SGEMM, as the forward values.
  case float32
  /// The gradient quantised to int8 (per row of each product's left operand) times the
  /// product's ±1 operand, in exact integers (`Int8Gradients`). The first layer's weight
  /// gradient, whose other operand is pixels, stays float32.
  case int8

  /// int8 where this CPU runs its kernels in SIMD (x86 with AVX2), else float32: the faster
  /// of the two here, at the same accuracy (docs/DESIGN.md, "int8 gradients"). On the
  /// portable kernels int8 measured 2x slower than float32.
  public static var preferred: GradientPrecision { SGEMMPath.best == .portable ? .float32 : .int8 }
}

/// The backward products of a binary layer with int8 gradients (cfloatkernels.h, "int8
/// gradient products"): with `x = 2u - 1` for the ±1 operand and `q = round(g / s)` for the
/// gradient `g`,
///
///     dW = alpha dz^T x    ~  alpha s_c (2 q_c . u_j - sum q_c)   (s_c: per output channel)
///     dx = dz W_b          ~  s_r (2 q_r . u_j - sum q_r)         (s_r: per row of dz)
///
/// The integers are exact, so the results do not depend on the kernel path or the thread
/// count. Holds the quantised operands; one per training workspace.
final class Int8Gradients {
  private var q = Buffer<Int8>()
  private var u = Buffer<UInt8>()
  /// The weights of the last `packWeights`, `[n][k]`, as unit pairs.
  private var weights = Buffer<UInt8>()
  private var weightShape: (n: Int, k: Int)?
  private var scale = Buffer<Float>()
  private var sum = Buffer<Int32>()
  private var work = Buffer<Float>()

  init() {}

  deinit {
    q.release()
    u.release()
    weights.release()
    scale.release()
    sum.release()
    work.release()
  }

  /// Rows per thread of a pass over a matrix of `columns` columns: about 2^15 values.
  static func minimumRows(columns: Int) -> Int { max(2, (1 << 15) / max(1, columns)) }

  /// Row length of a packed ±1 operand of `columns` columns: the product reads 32 at a time.
  static func packedWidth(_ columns: Int) -> Int { (columns + 31) & ~31 }

  /// `dW = alpha * dz^T x` (`[n][k]`; `accumulate` adds it to `dW`) for `dz` `[rows][n]`
  /// and ±1 `x` `[rows][k]`.
  func weightGradient(
    _ dz: UnsafePointer<Float>, rows: Int, n: Int, x: UnsafePointer<Float>, k: Int, alpha: Float,
    into dW: UnsafeMutablePointer<Float>, accumulate: Bool, threads: Int
  ) {
    let x = UncheckedSendable(x)
    weightGradient(
      dz, rows: rows, n: n, k: k, alpha: alpha, into: dW, accumulate: accumulate, threads: threads
    ) { part, u, width in
      bnn_pack_unit_pairs(x.value + part.lowerBound * k, part.count, k, k, u, width)
    }
  }

  /// The same with `x` the unfolding (`bnn_im2col`) of ±1 `images` through `window`,
  /// padding `padValue`, without unfolding them into floats: `rows` is their number of
  /// output pixels.
  func weightGradient(
    _ dz: UnsafePointer<Float>, rows: Int, n: Int, windowsOf images: UnsafePointer<Float>,
    window: bnn_window, padValue: Float, alpha: Float, into dW: UnsafeMutablePointer<Float>,
    accumulate: Bool, threads: Int
  ) {
    let k = window.kernel_height * window.kernel_width * window.channels
    let images = UncheckedSendable(images)
    weightGradient(
      dz, rows: rows, n: n, k: k, alpha: alpha, into: dW, accumulate: accumulate, threads: threads
    ) { part, u, width in
      withUnsafePointer(to: window) { window in
        bnn_im2col_unit_pairs(images.value, window, padValue, part.lowerBound, part.count, u, width)
      }
    }
  }

  /// dW with `pack(rows, u, width)` writing the pair rows of `rows` (an even start) of the
  /// ±1 operand at `u`; parts of the rows run on different threads.
  private func weightGradient(
    _ dz: UnsafePointer<Float>, rows: Int, n: Int, k: Int, alpha: Float,
    into dW: UnsafeMutablePointer<Float>, accumulate: Bool, threads: Int,
    pack: @Sendable (Range<Int>, UnsafeMutablePointer<UInt8>, Int) -> Void
  ) {
    let pairs = (rows + 1) / 2
    let width = Self.packedWidth(k)
    let q = self.q.reserve(pairs * 2 * n)
    let scale = self.scale.reserve(n)
    let sum = self.sum.reserve(n)
    // Threads take disjoint column ranges (and write disjoint parts of q, scale and sum).
    let columns = UncheckedSendable((dz, q, scale, sum, work.reserve(n)))
    Parallel.forEachChunk(count: n, threads: threads, alignment: 32, minimumChunk: 32) { part in
      let ((dz, q, scale, sum, work), c) = (columns.value, part.lowerBound)
      bnn_quantize_column_pairs_s8(dz + c, rows, part.count, n, q + 2 * c, n, scale + c, sum + c, work + c)
    }
    if alpha != 1 { for c in 0..<n { scale[c] *= alpha } }
    let u = UncheckedSendable(self.u.reserve(pairs * 2 * width))
    Parallel.forEachChunk(
      count: rows, threads: threads, alignment: 2, minimumChunk: Self.minimumRows(columns: k)
    ) { part in
      pack(part, u.value + part.lowerBound * width, width)
    }
    multiply(
      m: n, n: k, depth: rows, q: q, rowStride: 2, pairStride: 2 * n, scale: scale, sum: sum,
      u: u.value, width: width, c: dW, accumulate: accumulate, threads: threads)
  }

  /// Packs the ±1 weights `[n][k]` that the following `inputGradient` calls multiply by:
  /// once per layer and step (a convolution's unfolded blocks share them).
  func packWeights(_ weights: UnsafePointer<Float>, n: Int, k: Int, threads: Int) {
    let width = Self.packedWidth(k)
    pack(weights, rows: n, cols: k, into: self.weights.reserve((n + 1) / 2 * 2 * width), width: width, threads: threads)
    weightShape = (n, k)
  }

  /// `dx = dz W_b` (`[rows][k]`) for `dz` `[rows][n]` and the ±1 weights `[n][k]` of the
  /// last `packWeights`.
  func inputGradient(
    _ dz: UnsafePointer<Float>, rows: Int, into dx: UnsafeMutablePointer<Float>, threads: Int
  ) {
    guard let (n, k) = weightShape else { preconditionFailure("packWeights first") }
    let stride = (n + 1) & ~1
    let q = self.q.reserve(rows * stride)
    let scale = self.scale.reserve(rows)
    let sum = self.sum.reserve(rows)
    let pointers = UncheckedSendable((dz, q, scale, sum))
    Parallel.forEachChunk(count: rows, threads: threads, minimumChunk: Self.minimumRows(columns: n)) {
      part in
      let ((dz, q, scale, sum), r) = (pointers.value, part.lowerBound)
      bnn_quantize_rows_s8(dz + r * n, part.count, n, n, q + r * stride, stride, scale + r, sum + r)
    }
    multiply(
      m: rows, n: k, depth: n, q: q, rowStride: stride, pairStride: 2, scale: scale, sum: sum,
      u: weights.current, width: Self.packedWidth(k), c: dx, accumulate: false,
      threads: threads)
  }

  /// `bnn_pack_unit_pairs`, pairs of rows split between threads.
  private func pack(
    _ x: UnsafePointer<Float>, rows: Int, cols: Int, into u: UnsafeMutablePointer<UInt8>,
    width: Int, threads: Int
  ) {
    let pointers = UncheckedSendable((x, u))
    Parallel.forEachChunk(
      count: rows, threads: threads, alignment: 2, minimumChunk: Self.minimumRows(columns: cols)
    ) { part in
      let ((x, u), r) = (pointers.value, part.lowerBound)
      bnn_pack_unit_pairs(x + r * cols, part.count, cols, cols, u + r * width, width)
    }
  }

  /// `bnn_s8_unit_gemm` into `c` (`[m][n]`, row stride n), the larger of M and N split
  /// between threads (columns at multiples of 32).
  private func multiply(
    m: Int, n: Int, depth: Int, q: UnsafePointer<Int8>, rowStride: Int, pairStride: Int,
    scale: UnsafePointer<Float>, sum: UnsafePointer<Int32>, u: UnsafePointer<UInt8>, width: Int,
    c: UnsafeMutablePointer<Float>, accumulate: Bool, threads: Int
  ) {
    let operands = UncheckedSendable((q, scale, sum, u, c))
    let add: Int32 = accumulate ? 1 : 0
    let minimum = max(1, GEMM.parallelThreshold / max(1, depth))
    if n >= m {
      Parallel.forEachChunk(
        count: n, threads: threads, alignment: 32, minimumChunk: max(32, minimum / max(1, m))
      ) { cols in
        let ((q, scale, sum, u, c), j) = (operands.value, cols.lowerBound)
        bnn_s8_unit_gemm(
          m, cols.count, depth, q, rowStride, pairStride, scale, sum, u + 2 * j, width, c + j, n, add)
      }
    } else {
      Parallel.forEachChunk(count: m, threads: threads, minimumChunk: max(6, minimum / max(1, n))) {
        rows in
        let ((q, scale, sum, u, c), i) = (operands.value, rows.lowerBound)
        bnn_s8_unit_gemm(
          rows.count, n, depth, q + i * rowStride, rowStride, pairStride, scale + i, sum + i, u, width,
          c + i * n, n, add)
      }
    }
  }
}

/// A growable allocation, 64-byte aligned, reused between steps.
private struct Buffer<Element> {
  private var pointer: UnsafeMutablePointer<Element>?
  private var capacity = 0

  /// Room for `count` elements (contents undefined after growing).
  mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
    if count > capacity || pointer == nil {
      pointer?.deallocate()
      capacity = max(count, 1)
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: capacity * MemoryLayout<Element>.stride, alignment: 64)
      pointer = raw.bindMemory(to: Element.self, capacity: capacity)
    }
    return pointer!
  }

  /// The allocation of the last `reserve`.
  var current: UnsafeMutablePointer<Element> { pointer! }

  func release() { pointer?.deallocate() }
}
