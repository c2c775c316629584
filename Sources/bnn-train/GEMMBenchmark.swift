import BinaryNetTraining
import CFloatKernels
import CLISupport
import Foundation

/// `bnn-train --bench-gemm`: SGEMM throughput on the shapes that training mlp-1024 with
/// batch 100 runs (forward `X W^T`, input gradient `dZ W`, weight gradient `dZ^T X`) and on a
/// square product, for each micro-kernel this CPU has, on one thread and on all threads.
/// Prints the median of several timed repetitions with min and max (machines are noisy).
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
          var rates: [Double] = []
          gemm.multiply(a, b, transposeA: shape.transA, transposeB: shape.transB, into: c)  // warm-up
          for _ in 0..<7 {
            var iterations = 0
            let start = monotonicSeconds()
            var elapsed = 0.0
            repeat {
              gemm.multiply(a, b, transposeA: shape.transA, transposeB: shape.transB, into: c)
              iterations += 1
              elapsed = monotonicSeconds() - start
            } while elapsed < 0.1
            rates.append(flops * Double(iterations) / elapsed / 1e9)
          }
          let sorted = rates.sorted()
          let (low, mid, high) = (sorted.first!, sorted[sorted.count / 2], sorted.last!)
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
    if json {
      Console.out(
        JSON.object([("event", .string("bench-gemm")), ("results", .array(results))]).text)
    }
  }
}
