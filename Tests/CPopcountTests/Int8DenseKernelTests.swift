// The int8 first-layer entry (int8_dense_threshold, where a path has one) against the
// scalar bit-plane route it replaces (bnn_pack_bitplanes + bitplane_threshold: the same
// integers), and the weight expansion against its definition. Sizes around the 32-pixel
// steps, 64-bit words, 4-neuron tiles, 64-neuron output words, and past the 64 steps the
// int16 lanes take before widening (K = 2100).
import CPopcount
import Testing

let int8PathNames: [String] = availablePaths.map { bnn_kernels_for($0)!.pointee }
  .filter { $0.int8_dense_threshold != nil }.map { String(cString: $0.name) }

@Test func expandedWeightsFollowTheBits() {
  var rng = SplitMix64(seed: 8)
  for k in [1, 31, 32, 33, 64, 65, 100] {
    let stride = wordsFor(bits: k) + 1
    let weights = randomRows(&rng, count: 3, bits: k, stride: stride)
    let row = bnn_int8_row_bytes(k)
    #expect(row % 32 == 0 && row >= k && row < k + 32)
    var out = [Int8](repeating: 99, count: 3 * row + 1)
    bnn_expand_weights_int8(weights, stride, 3, k, &out)
    for j in 0..<3 {
      for i in 0..<row {
        let want: Int8 = i < k ? (bit(weights, j * stride, i) == 1 ? -1 : 1) : 0
        #expect(out[j * row + i] == want, "k=\(k) row \(j) element \(i)")
      }
    }
    #expect(out[3 * row] == 99, "k=\(k): wrote past n rows")
  }
}

/// `rows` rows of `k` MNIST-like pixels (mostly 0, some 255) `stride` bytes apart; the last
/// row ends at the end of the buffer (a read past it is a heap overflow under ASan).
func randomPixelRows(_ rng: inout SplitMix64, rows: Int, k: Int, stride: Int) -> [UInt8] {
  (0..<((rows - 1) * stride + k)).map { _ in
    switch rng.next(below: 4) {
    case 0: return 255
    case 1: return UInt8(truncatingIfNeeded: rng.next())
    default: return 0
    }
  }
}

/// The 8 bit-planes of each pixel row (`8 * wordsFor(bits: k)` words a row).
func bitplaneRows(_ pixels: [UInt8], rows: Int, k: Int, stride: Int) -> [UInt64] {
  let planeWords = 8 * wordsFor(bits: k)
  var planes = [UInt64](repeating: 0, count: rows * planeWords)
  pixels.withUnsafeBufferPointer { p in
    planes.withUnsafeMutableBufferPointer { q in
      for i in 0..<rows {
        bnn_pack_bitplanes(p.baseAddress! + i * stride, k, q.baseAddress! + i * planeWords, wordsFor(bits: k))
      }
    }
  }
  return planes
}

@Test(arguments: int8PathNames)
func int8DenseMatchesBitplanes(path name: String) {
  let path = kernels(named: name)
  let scalar = bnn_kernels_for(BNN_PATH_SCALAR)!.pointee
  var rng = SplitMix64(seed: 0x1A78)
  var problems: [String] = []
  var cases = 0
  for k in [1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 784, 2100] {
    for n in [1, 3, 4, 5, 63, 64, 65, 129] {
      for m in [1, 2, 3, 5] where (k + n + m) % 2 == 0 || m == 1 {
        cases += 1
        let xs = k + rng.next(below: 3)
        let pixels = randomPixelRows(&rng, rows: m, k: k, stride: xs)
        let ws = wordsFor(bits: k) + 1
        let weights = randomRows(&rng, count: n, bits: k, stride: ws)
        let flip = (0..<(wordsFor(bits: n) + 1)).map { _ in rng.next() }
        // Bit-planes and the scalar reference's dots, then thresholds near them.
        let planes = bitplaneRows(pixels, rows: m, k: k, stride: xs)
        var dots = [Int32](repeating: 0, count: m * n)
        scalar.bitplane_gemm(planes, 8 * wordsFor(bits: k), m, weights, ws, n, wordsFor(bits: k), &dots, n)
        let thresholds: [Int32] = (0..<n).map { j in dots[j] + Int32(rng.next(below: 3)) - 1 }
        let outWords = wordsFor(bits: n)
        var want = [UInt64](repeating: 0, count: m * outWords)
        scalar.bitplane_threshold(
          planes, 8 * wordsFor(bits: k), m, weights, ws, n, wordsFor(bits: k), thresholds, flip, &want, outWords)
        var expanded = [Int8](repeating: 0, count: n * bnn_int8_row_bytes(k))
        bnn_expand_weights_int8(weights, ws, n, k, &expanded)
        let os = outWords + 1
        var got = [UInt64](repeating: canary64, count: m * os + guardWords)
        path.int8_dense_threshold(pixels, xs, m, expanded, n, k, thresholds, flip, &got, os)
        for i in 0..<m {
          if Array(got[(i * os)..<(i * os + outWords)]) != Array(want[(i * outWords)..<((i + 1) * outWords)]) {
            problems.append("\(name) K=\(k) n=\(n) m=\(m): row \(i) differs from bit-planes")
          }
          if got[i * os + outWords] != canary64 { problems.append("\(name) K=\(k) n=\(n) m=\(m): wrote into a gap") }
        }
        if got[(m * os)...].contains(where: { $0 != canary64 }) {
          problems.append("\(name) K=\(k) n=\(n) m=\(m): wrote past the last row")
        }
      }
    }
  }
  #expect(cases > 100)
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

/// `int8_dense_gemm` (the trainer's forward product of a first dense layer) gives the
/// scalar bit-plane route's dot products, row by row, and writes nothing else.
@Test(arguments: int8PathNames)
func int8DenseGemmMatchesBitplaneDots(path name: String) {
  let path = kernels(named: name)
  let scalar = bnn_kernels_for(BNN_PATH_SCALAR)!.pointee
  guard let gemm = path.int8_dense_gemm else {
    Issue.record("\(name) has int8_dense_threshold but no int8_dense_gemm")
    return
  }
  var rng = SplitMix64(seed: 0x6E33)
  var problems: [String] = []
  var cases = 0
  for k in [1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 784, 2100] {
    for n in [1, 3, 4, 5, 63, 64, 65, 129] {
      for m in [1, 2, 3, 4, 5, 7] where (k + n + m) % 2 == 0 || m == 1 {
        cases += 1
        let xs = k + rng.next(below: 3)
        let pixels = randomPixelRows(&rng, rows: m, k: k, stride: xs)
        let ws = wordsFor(bits: k) + 1
        let weights = randomRows(&rng, count: n, bits: k, stride: ws)
        let planes = bitplaneRows(pixels, rows: m, k: k, stride: xs)
        var want = [Int32](repeating: 0, count: m * n)
        scalar.bitplane_gemm(planes, 8 * wordsFor(bits: k), m, weights, ws, n, wordsFor(bits: k), &want, n)
        var expanded = [Int8](repeating: 0, count: n * bnn_int8_row_bytes(k))
        bnn_expand_weights_int8(weights, ws, n, k, &expanded)
        // Rows of `ds` sums with a gap after each row's n, and canaries past the last row.
        let ds = n + 2
        let canary = Int32(bitPattern: 0x5EED_CAFE)
        var got = [Int32](repeating: canary, count: m * ds + 8)
        gemm(pixels, xs, m, expanded, n, k, &got, ds)
        for i in 0..<m {
          if Array(got[(i * ds)..<(i * ds + n)]) != Array(want[(i * n)..<((i + 1) * n)]) {
            problems.append("\(name) K=\(k) n=\(n) m=\(m): row \(i) differs from bit-planes")
          }
          if got[(i * ds + n)..<((i + 1) * ds)].contains(where: { $0 != canary }) {
            problems.append("\(name) K=\(k) n=\(n) m=\(m): wrote into a gap")
          }
        }
        if got[(m * ds)...].contains(where: { $0 != canary }) {
          problems.append("\(name) K=\(k) n=\(n) m=\(m): wrote past the last row")
        }
      }
    }
  }
  #expect(cases > 100)
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

/// A path has the gemm form exactly where it has the threshold form.
@Test func int8GemmGoesWithTheThresholdForm() {
  for path in availablePaths {
    let table = bnn_kernels_for(path)!.pointee
    #expect((table.int8_dense_gemm != nil) == (table.int8_dense_threshold != nil), "\(String(cString: table.name))")
  }
}
