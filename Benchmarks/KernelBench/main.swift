// bnn-kernel-bench: throughput of every kernel path available on this CPU, in
// G binary MACs/s (m * n * K / time), with the scalar reference measured in the
// same run as the baseline. No Foundation: ContinuousClock from the standard library.
//
//   swift build -c release && .build/release/bnn-kernel-bench [--quick]
import CPopcount

#if canImport(Glibc)
  import Glibc  // exit
#elseif canImport(Darwin)
  import Darwin
#endif

let usage = """
  usage: bnn-kernel-bench [--quick] [--peak] [--conv] [--int8] [--help]

  Measures xor_popcount_gemm and xor_popcount_threshold (hidden layers) and
  bitplane_gemm and bitplane_threshold (8-bit first layer) for every kernel path
  this CPU runs, on the shapes of BinaryNet's reference networks. Each figure is
  the median of 15 timed repetitions (min..max shown) in G binary MACs/s =
  m * n * K / time; for the bit-plane kernels K counts 8-bit pixels (each pixel
  MAC is 8 AND-popcounts). "x scalar" is the median over the scalar path's median,
  "x avx2" over the AVX2 path's (x86 CPUs with AVX2 only), both from the same run.

    --quick   5 repetitions of ~5 ms instead of 15 of ~25 ms
    --peak    only the peak: the best rate of the fastest path's two hidden-layer
              kernels on L1-resident blocks (1, 4 and 64 rows x 64 outputs), one
              line "peak G_MACS PATH" (the roofline scripts/benchmark.sh divides by)
    --conv    only the binary convolutions (binary_conv_threshold) of every path on
              3x3 'same' layers: the table's entry (weights packed once by the path's
              binary_conv_pack, as a model does) against gathered patches + that
              path's threshold GEMM (the reference form), timed alternately
    --int8    only the first dense layer of the paths with an int8 form: int8 against
              bit-planes (packing included) for 1 to 256 rows, timed alternately
    --help    this text
  """

for arg in CommandLine.arguments.dropFirst() where !["--quick", "--peak", "--conv", "--int8"].contains(arg) {
  if arg == "--help" || arg == "-h" {
    print(usage)
    exit(0)
  }
  print("bnn-kernel-bench: unknown argument '\(arg)'\n\n\(usage)")
  exit(2)
}
let quick = CommandLine.arguments.contains("--quick")
let repetitions = quick ? 5 : 15
let targetSeconds = quick ? 0.005 : 0.025

// MARK: - Helpers

/// SplitMix64: seeded test data.
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

func seconds(_ d: Duration) -> Double {
  let c = d.components
  return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}

/// `x` with `decimals` digits after the point, right-aligned in `width`.
func fixed(_ x: Double, _ decimals: Int, width: Int = 0) -> String {
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  let r = (abs(x) * scale).rounded()
  let whole = Int(r / scale)
  let frac = Int(r - Double(whole) * scale)
  var s = (x < 0 && r > 0 ? "-" : "") + String(whole)
  if decimals > 0 {
    let f = String(frac)
    s += "." + String(repeating: "0", count: decimals - f.count) + f
  }
  return pad(s, width)
}

func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
  let fill = String(repeating: " ", count: max(0, width - s.count))
  return left ? s + fill : fill + s
}

/// Median, min and max of the rates of `repetitions` timed runs of `body`; the
/// run count per repetition is calibrated to take about `targetSeconds`.
func measure(macs: Double, _ body: () -> Void) -> (median: Double, min: Double, max: Double) {
  let clock = ContinuousClock()
  body()  // warm up caches and page in the data
  let once = max(seconds(clock.measure(body)), 1e-7)
  let runs = max(1, Int(targetSeconds / once))
  var rates: [Double] = []
  for _ in 0..<repetitions {
    let t = seconds(clock.measure { for _ in 0..<runs { body() } })
    rates.append(macs * Double(runs) / t / 1e9)
  }
  rates.sort()
  return (rates[rates.count / 2], rates.first!, rates.last!)
}

/// Median rates of `bodies` (each `macs` per run), their repetitions taken in turn so a
/// machine whose speed drifts slows them alike.
func measureAlternately(macs: Double, _ bodies: [() -> Void]) -> [Double] {
  let clock = ContinuousClock()
  var runs: [Int] = []
  for body in bodies {
    body()
    runs.append(max(1, Int(targetSeconds / max(seconds(clock.measure(body)), 1e-7))))
  }
  var rates = [[Double]](repeating: [], count: bodies.count)
  for _ in 0..<repetitions {
    for (i, body) in bodies.enumerated() {
      let t = seconds(clock.measure { for _ in 0..<runs[i] { body() } })
      rates[i].append(macs * Double(runs[i]) / t / 1e9)
    }
  }
  return rates.map { $0.sorted()[$0.count / 2] }
}

// MARK: - Shapes

struct Shape {
  var name: String
  var m: Int, n: Int, k: Int
  var bitplane: Bool
}

let shapes = [
  Shape(name: "L1 block", m: 64, n: 64, k: 1024, bitplane: false),
  Shape(name: "mlp-1024 hidden, batch 1", m: 1, n: 1024, k: 1024, bitplane: false),
  Shape(name: "mlp-1024 hidden, batch 64", m: 64, n: 1024, k: 1024, bitplane: false),
  Shape(name: "mlp-4096 hidden, batch 1", m: 1, n: 4096, k: 4096, bitplane: false),
  Shape(name: "mlp-4096 hidden, batch 64", m: 64, n: 4096, k: 4096, bitplane: false),
  Shape(name: "first layer bit-planes, batch 1", m: 1, n: 1024, k: 784, bitplane: true),
  Shape(name: "first layer bit-planes, batch 64", m: 64, n: 1024, k: 784, bitplane: true),
]

let paths: [bnn_kernels] = (0..<BNN_PATH_COUNT.rawValue)
  .compactMap { bnn_kernels_for(bnn_kernel_path(rawValue: $0))?.pointee }
let best = String(cString: bnn_kernels_best().pointee.name)

if CommandLine.arguments.contains("--peak") {
  // L1-resident blocks (weights 8-32 KB, activations up to 8 KB, reused on every call)
  // through both hidden-layer kernels, one row (batch 1) to 64 rows: the best rate any of
  // them reaches, each the best of its repetitions (a roofline is what the kernel can
  // reach; on a shared machine the median drifts with the neighbours' load).
  var peakRNG = SplitMix64(state: 7)
  let kernels = bnn_kernels_best().pointee
  var peak = 0.0
  for (m, n, words) in [(1, 64, 64), (4, 64, 32), (64, 64, 16)] {
    let a = (0..<(m * words)).map { _ in peakRNG.next() }
    let w = (0..<(n * words)).map { _ in peakRNG.next() }
    let thresholds = [Int32](repeating: 0, count: n)
    let flip = [UInt64](repeating: 0, count: (n + 63) / 64)
    var counts = [Int32](repeating: 0, count: m * n)
    var out = [UInt64](repeating: 0, count: m * ((n + 63) / 64))
    let macs = Double(m * n * 64 * words)
    a.withUnsafeBufferPointer { ap in
      w.withUnsafeBufferPointer { wp in
        counts.withUnsafeMutableBufferPointer { cp in
          out.withUnsafeMutableBufferPointer { op in
            let (A, W, C, O) = (ap.baseAddress!, wp.baseAddress!, cp.baseAddress!, op.baseAddress!)
            let outWords = (n + 63) / 64
            peak = max(
              peak, measure(macs: macs) { kernels.xor_popcount_gemm(A, words, m, W, words, n, words, C, n) }.max)
            peak = max(
              peak,
              measure(macs: macs) {
                kernels.xor_popcount_threshold(
                  A, words, m, W, words, n, words, Int32(64 * words), thresholds, flip, O, outWords)
              }.max)
          }
        }
      }
    }
  }
  print("peak \(fixed(peak, 1)) \(best)")
  exit(0)
}

if CommandLine.arguments.contains("--int8") {
  print("first dense layer, 784 pixels: int8 (int8_dense_threshold) against bit-planes (pack_bitplanes +")
  print("bitplane_threshold) on the same path; G pixel MACs/s, median of \(repetitions); ratio > 1: int8 faster")
  print(pad("outputs", 9) + pad("rows", 6) + pad("path", 8) + pad("int8", 9) + pad("planes", 9) + pad("ratio", 8))
  var int8RNG = SplitMix64(state: 8)
  let k = 784
  let words = (k + 63) / 64
  for n in [1024, 4096] {
    let weights = (0..<(n * words)).map { i in int8RNG.next() & (i % words == words - 1 ? (1 << 16) - 1 : ~0) }
    var expanded = [Int8](repeating: 0, count: n * bnn_int8_row_bytes(k))
    bnn_expand_weights_int8(weights, words, n, k, &expanded)
    let thresholds = (0..<n).map { _ in Int32(truncatingIfNeeded: int8RNG.next() % 2000) - 1000 }
    let flip = (0..<((n + 63) / 64)).map { _ in int8RNG.next() }
    for m in [1, 2, 4, 8, 16, 64, 256] {
      let pixels: [UInt8] = (0..<(m * k)).map { _ in
        let r = int8RNG.next()
        return r % 5 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : 0
      }
      var planes = [UInt64](repeating: 0, count: m * 8 * words)
      var out = [UInt64](repeating: 0, count: m * ((n + 63) / 64))
      let outWords = (n + 63) / 64
      for path in paths where path.int8_dense_threshold != nil {
        let rates = out.withUnsafeMutableBufferPointer { o in
          planes.withUnsafeMutableBufferPointer { p in
            let (O, P) = (o.baseAddress!, p.baseAddress!)
            return measureAlternately(
              macs: Double(m * n * k),
              [
                { path.int8_dense_threshold(pixels, k, m, expanded, n, k, thresholds, flip, O, outWords) },
                {
                  pixels.withUnsafeBufferPointer { x in
                    for i in 0..<m { path.pack_bitplanes(x.baseAddress! + i * k, k, P + i * 8 * words, words) }
                  }
                  path.bitplane_threshold(P, 8 * words, m, weights, words, n, words, thresholds, flip, O, outWords)
                },
              ])
          }
        }
        print(
          pad(String(n), 9) + pad(String(m), 6) + pad(String(cString: path.name), 8) + fixed(rates[0], 1, width: 9)
            + fixed(rates[1], 1, width: 9) + fixed(rates[0] / rates[1], 2, width: 8))
      }
    }
  }
  exit(0)
}

if CommandLine.arguments.contains("--conv") {
  // 3x3 'same' convolutions, stride 1: (side, input channels, output channels).
  let layers = [(28, 32, 64), (14, 64, 128), (14, 128, 128), (7, 128, 256), (7, 256, 256), (28, 16, 32)]
  print("binary_conv_threshold, G binary MACs/s (K = 9 x input channels), median of \(repetitions)")
  print(
    pad("layer", 22, left: true) + pad("path", 8, left: true) + pad("entry", 9) + pad("im2col", 9) + pad("ratio", 8))
  var convRNG = SplitMix64(state: 99)
  for (side, c, n) in layers {
    let wpp = (c + 63) / 64
    let rowWords = 9 * wpp
    let used: UInt64 = c % 64 == 0 ? ~0 : (1 << UInt64(c % 64)) - 1
    let input = (0..<(side * side * wpp)).map { i in convRNG.next() & (i % wpp == wpp - 1 ? used : ~0) }
    let weights = (0..<(n * rowWords)).map { i in convRNG.next() & (i % wpp == wpp - 1 ? used : ~0) }
    let thresholds = (0..<n).map { _ in Int32(truncatingIfNeeded: convRNG.next() % 64) - 32 }
    let flip = (0..<((n + 63) / 64)).map { _ in convRNG.next() }
    var out = [UInt64](repeating: 0, count: side * side * ((n + 63) / 64))
    var scratch = [UInt64](repeating: 0, count: bnn_binary_conv_scratch_words(side * side, rowWords, n))
    let macs = Double(side * side * n * 9 * c)
    for path in paths {
      // The entry as a model runs it: with its weights packed once when the path packs them.
      var packed = [UInt32](repeating: 0, count: bnn_binary_conv_packed_words(n, c, 3, 3, wpp))
      if let pack = path.binary_conv_pack { pack(weights, rowWords, n, c, 3, 3, wpp, &packed) }
      let rates = out.withUnsafeMutableBufferPointer { o in
        scratch.withUnsafeMutableBufferPointer { s in
          let (O, S) = (o.baseAddress!, s.baseAddress!)
          let outWords = (n + 63) / 64
          return packed.withUnsafeBufferPointer { packedWeights in
            let prepacked = path.binary_conv_pack == nil ? nil : packedWeights.baseAddress
            return measureAlternately(
              macs: macs,
              [
                {
                  path.binary_conv_threshold(
                    input, side, side, wpp, c, 3, 3, 1, 1, 1, side, side, weights, rowWords, prepacked, n, Int32(9 * c),
                    thresholds, flip, O, outWords, S)
                },
                {
                  bnn_im2col_binary_conv_threshold(
                    path.xor_popcount_threshold, input, side, side, wpp, c, 3, 3, 1, 1, 1, side, side, weights,
                    rowWords,
                    n, Int32(9 * c), thresholds, flip, O, outWords, S)
                },
              ])
          }
        }
      }
      print(
        pad("\(side)x\(side)x\(c) -> \(n)", 22, left: true) + pad(String(cString: path.name), 8, left: true)
          + fixed(rates[0], 1, width: 9) + fixed(rates[1], 1, width: 9) + fixed(rates[0] / rates[1], 2, width: 8))
    }
  }
  exit(0)
}

print("bnn-kernel-bench: paths \(paths.map { String(cString: $0.name) }.joined(separator: ", ")); best: \(best)")
let haveAVX2 = bnn_kernels_for(BNN_PATH_AVX2) != nil
print("G binary MACs/s, median of \(repetitions) (min..max); x scalar = median / scalar median\n")
print(
  pad("kernel", 14, left: true) + pad("path", 8, left: true) + pad("median", 9) + pad("min..max", 18)
    + pad("x scalar", 10) + (haveAVX2 ? pad("x avx2", 9) : ""))

var rng = SplitMix64(state: 2024)
for shape in shapes {
  let words = (shape.k + 63) / 64
  let outWords = (shape.n + 63) / 64
  let aStride = shape.bitplane ? 8 * words : words
  var a = [UInt64](repeating: 0, count: shape.m * aStride)
  if shape.bitplane {
    // MNIST-like pixels: mostly 0, some bright.
    for i in 0..<shape.m {
      let pixels: [UInt8] = (0..<shape.k).map { _ in
        let r = rng.next()
        return r % 5 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : 0
      }
      a.withUnsafeMutableBufferPointer { bnn_pack_bitplanes(pixels, shape.k, $0.baseAddress! + i * aStride, words) }
    }
  } else {
    for x in a.indices { a[x] = rng.next() }
  }
  var w = (0..<(shape.n * words)).map { _ in rng.next() }
  if shape.k % 64 != 0 {  // zero padding bits
    for j in 0..<shape.n { w[j * words + words - 1] &= (1 << UInt64(shape.k % 64)) - 1 }
  }
  let thresholds = (0..<shape.n).map { _ in Int32(truncatingIfNeeded: rng.next() % 64) - 32 }
  let flip = (0..<outWords).map { _ in rng.next() }
  var counts = [Int32](repeating: 0, count: shape.m * shape.n)
  var out = [UInt64](repeating: 0, count: shape.m * outWords)
  let macs = Double(shape.m) * Double(shape.n) * Double(shape.k)
  let (m, n, k) = (shape.m, shape.n, shape.k)
  print("\n\(shape.name) (m=\(m) n=\(n) K=\(k))")

  for kernel in ["gemm", "threshold"] {
    var scalarMedian = 0.0
    var avx2Median = 0.0
    for path in paths {
      let result = a.withUnsafeBufferPointer { ap in
        w.withUnsafeBufferPointer { wp in
          counts.withUnsafeMutableBufferPointer { cp in
            out.withUnsafeMutableBufferPointer { op in
              let (A, W, C, O) = (ap.baseAddress!, wp.baseAddress!, cp.baseAddress!, op.baseAddress!)
              switch (shape.bitplane, kernel) {
              case (false, "gemm"):
                return measure(macs: macs) { path.xor_popcount_gemm(A, aStride, m, W, words, n, words, C, n) }
              case (false, _):
                return measure(macs: macs) {
                  path.xor_popcount_threshold(
                    A, aStride, m, W, words, n, words, Int32(k), thresholds, flip, O, outWords)
                }
              case (true, "gemm"):
                return measure(macs: macs) { path.bitplane_gemm(A, aStride, m, W, words, n, words, C, n) }
              default:
                return measure(macs: macs) {
                  path.bitplane_threshold(A, aStride, m, W, words, n, words, thresholds, flip, O, outWords)
                }
              }
            }
          }
        }
      }
      let name = String(cString: path.name)
      if path.path == BNN_PATH_SCALAR { scalarMedian = result.median }
      if path.path == BNN_PATH_AVX2 { avx2Median = result.median }
      let kernelName = shape.bitplane ? "bp-" + kernel : kernel
      print(
        pad(kernelName, 14, left: true) + pad(name, 8, left: true)
          + fixed(result.median, 1, width: 9)
          + pad(fixed(result.min, 1) + ".." + fixed(result.max, 1), 18)
          + fixed(scalarMedian > 0 ? result.median / scalarMedian : 0, 2, width: 9) + "x"
          + (avx2Median > 0 ? fixed(result.median / avx2Median, 2, width: 8) + "x" : ""))
    }
  }
}
