import BinaryNetTraining
import CFloatKernels
import CLISupport
import Foundation

/// `bnn-train --bench-gemm`: SGEMM throughput on the shapes that training mlp-1024 with
/// batch 100 runs (forward `X W^T`, input gradient `dZ W`, weight gradient `dZ^T X`) and on a
/// square product, for each micro-kernel this CPU has, on one thread and on all threads.
/// Then the int8 gradient product (`--gradients int8`) on the conv preset's shapes, for each
/// path. Prints the median of several timed repetitions with min and max (machines are
/// noisy).
enum GEMMBenchmark {
  struct Shape {
    var name: String
    var m: Int, n: Int, k: Int
    var transA: Bool, transB: Bool
  }

  static let shapes = [
    Shape(
      name: "forward  X W^T  100x1024x1024", m: 100, n: 1024, k: 1024, transA: false, transB: true),
    Shape(
      name: "backward dZ W   100x1024x1024", m: 100, n: 1024, k: 1024, transA: false, transB: false),
    Shape(
      name: "weights  dZ^T X 1024x1024x100", m: 1024, n: 1024, k: 100, transA: true, transB: false),
    Shape(
      name: "first    X W^T  100x1024x784 ", m: 100, n: 1024, k: 784, transA: false, transB: true),
    Shape(
      name: "square   A B    1024x1024x1024", m: 1024, n: 1024, k: 1024, transA: false,
      transB: false),
  ]

  static func run(threads: Int, json: Bool) {
    var rng = Xoshiro256(seed: 1)
    let paths = SGEMMPath.available.map { ($0.name, $0) }
    let threadCounts = threads > 1 ? [1, threads] : [1]
    var results: [JSON] = []
    if !json {
      Console.out(
        "bnn-train --bench-gemm: float32 SGEMM, GFLOP/s (2*m*n*k / time), median of 7 [min-max]")
      Console.out("  (shared machine: other jobs on the same cores make these figures noisy)")
    }
    for shape in shapes {
      let a = Matrix(rows: shape.transA ? shape.k : shape.m, cols: shape.transA ? shape.m : shape.k)
      let b = Matrix(rows: shape.transB ? shape.n : shape.k, cols: shape.transB ? shape.k : shape.n)
      for i in 0..<a.count { a.data[i] = 2 * rng.nextUnitFloat() - 1 }
      for i in 0..<b.count { b.data[i] = 2 * rng.nextUnitFloat() - 1 }
      let c = Matrix(rows: shape.m, cols: shape.n)
      for (pathName, path) in paths {
        for threadCount in threadCounts {
          let gemm = GEMM(threads: threadCount, kernel: path)
          let flops = 2.0 * Double(shape.m * shape.n * shape.k)
          gemm.multiply(a, b, transposeA: shape.transA, transposeB: shape.transB, into: c)  // warm-up
          let (low, mid, high) = rates(per: flops / 1e9) {
            gemm.multiply(a, b, transposeA: shape.transA, transposeB: shape.transB, into: c)
          }
          if json {
            results.append(
              .object([
                ("shape", .string(shape.name.trimmingCharacters(in: .whitespaces))),
                ("m", .int(shape.m)),
                ("n", .int(shape.n)), ("k", .int(shape.k)), ("kernel", .string(pathName)),
                ("threads", .int(threadCount)), ("gflops_median", .number(mid)),
                ("gflops_min", .number(low)),
                ("gflops_max", .number(high)),
              ]))
          } else {
            Console.out(
              "  \(shape.name)  \(pathName.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                + "\(threadCount) thread\(threadCount == 1 ? " " : "s")  \(pad(fixed(mid, 1), 6))  "
                + "[\(fixed(low, 1))-\(fixed(high, 1))]")
          }
        }
      }
    }
    results += int8Products(json: json, rng: &rng)
    if json {
      Console.out(
        JSON.object([("event", .string("bench-gemm")), ("results", .array(results))]).text)
    }
  }

  /// Rates of `work` (`units` per call, per second): the minimum, median and maximum of 7
  /// timings of 0.1 s each.
  static func rates(per units: Double, _ work: () -> Void) -> (low: Double, mid: Double, high: Double) {
    var rates: [Double] = []
    for _ in 0..<7 {
      var iterations = 0
      let start = monotonicSeconds()
      var elapsed = 0.0
      repeat {
        work()
        iterations += 1
        elapsed = monotonicSeconds() - start
      } while elapsed < 0.1
      rates.append(units * Double(iterations) / elapsed)
    }
    let sorted = rates.sorted()
    return (sorted.first!, sorted[sorted.count / 2], sorted.last!)
  }

  /// The int8 gradient product (`--gradients int8`) on the conv preset's second layer, per
  /// batch block of 4 images: `dW` (64 x 288, summed over 3,136 pixels) and `dx` (3,136 x
  /// 288, summed over 64 channels); operands quantised and packed beforehand; one thread.
  static func int8Products(json: Bool, rng: inout Xoshiro256) -> [JSON] {
    // dW reads q in the column quantiser's pairs of rows, dx in the row quantiser's rows.
    let cases: [(name: String, m: Int, n: Int, depth: Int, columnPairs: Bool)] = [
      ("int8 dW  dZ^T X 64x288x3136  ", 64, 288, 3136, true),
      ("int8 dx  dZ W   3136x288x64  ", 3136, 288, 64, false),
    ]
    if !json { Console.out("int8 gradient product, G MAC/s (m*n*depth / time; 2 int ops a MAC):") }
    var results: [JSON] = []
    for shape in cases {
      let width = (shape.n + 31) & ~31
      let pairs = (shape.depth + 1) / 2
      let (rowStride, pairStride) = shape.columnPairs ? (2, 2 * shape.m) : (pairs * 2, 2)
      let x = (0..<(shape.depth * shape.n)).map { _ in Float(rng.nextIndex(below: 2) * 2 - 1) }
      let g = (0..<(shape.m * shape.depth)).map { _ in 2 * rng.nextUnitFloat() - 1 }
      var q = [Int8](repeating: 0, count: shape.m * pairs * 2)
      var u = [UInt8](repeating: 0, count: pairs * 2 * width)
      var scale = [Float](repeating: 0, count: shape.m)
      var sum = [Int32](repeating: 0, count: shape.m)
      var c = [Float](repeating: 0, count: shape.m * shape.n)
      if shape.columnPairs {
        var work = [Float](repeating: 0, count: shape.m)
        bnn_quantize_column_pairs_s8(g, shape.depth, shape.m, shape.m, &q, shape.m, &scale, &sum, &work)
      } else {
        bnn_quantize_rows_s8(g, shape.m, shape.depth, shape.depth, &q, rowStride, &scale, &sum)
      }
      bnn_pack_unit_pairs(x, shape.depth, shape.n, shape.n, &u, width)
      for path in SGEMMPath.available {
        let kernels = bnn_float_kernels_for(path.cValue)!.pointee
        let macs = Double(shape.m * shape.n * shape.depth)
        let (low, mid, high) = rates(per: macs / 1e9) {
          kernels.s8_unit_gemm(
            shape.m, shape.n, shape.depth, q, rowStride, pairStride, scale, sum, u, width, &c,
            shape.n, 0)
        }
        if json {
          results.append(
            .object([
              ("shape", .string(shape.name.trimmingCharacters(in: .whitespaces))), ("m", .int(shape.m)),
              ("n", .int(shape.n)), ("k", .int(shape.depth)), ("kernel", .string(path.name)),
              ("threads", .int(1)), ("gmacs_median", .number(mid)), ("gmacs_min", .number(low)),
              ("gmacs_max", .number(high)),
            ]))
        } else {
          Console.out(
            "  \(shape.name)  \(path.name.padding(toLength: 9, withPad: " ", startingAt: 0)) 1 thread   "
              + "\(pad(fixed(mid, 1), 6))  [\(fixed(low, 1))-\(fixed(high, 1))]")
        }
      }
    }
    return results
  }
}
