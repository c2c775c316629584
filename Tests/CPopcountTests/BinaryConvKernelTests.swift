// The binary convolution entry of every kernel table (binary_conv_threshold) against its
// definition, z_j = K - 2 * popcount(patch XOR w_j) with padding pixels +1 (all-zero
// words), and every optimised path against the scalar reference on random shapes: channel
// counts around the 32-bit steps and 64-bit words, output channels around the 32-channel
// blocks, patches longer than the 31 steps the byte counters take, odd pixel counts.
import CPopcount
import Testing

/// Input bits (channel bits >= c zero, as every activation), weight rows (each tap's bits >=
/// c zero; a gap word after each row that no kernel may read), flip bits, and thresholds
/// near the true values of the middle output pixel.
struct BinaryConvData {
  var input: [UInt64], weights: [UInt64], wStride: Int, flip: [UInt64], thresholds: [Int32]

  init(_ p: ConvCase, _ rng: inout SplitMix64) {
    input = randomRows(&rng, count: max(1, p.h * p.w), bits: p.c, stride: p.wpp)
    wStride = p.rowWords + 1
    var rows = randomRows(&rng, count: max(p.n, 1) * p.kh * p.kw, bits: p.c, stride: p.wpp)
    weights = [UInt64](repeating: 0, count: max(p.n, 1) * wStride + 1)
    for j in 0..<max(p.n, 1) {
      for i in 0..<p.rowWords { weights[j * wStride + i] = rows[j * p.rowWords + i] }
      weights[j * wStride + p.rowWords] = rng.next()  // the gap
    }
    rows.removeAll()
    flip = (0..<(wordsFor(bits: p.n) + 1)).map { _ in rng.next() }
    let middle = p.rows > 0 ? binaryConvValues(p, input, weights, wStride, oy: p.outH / 2, ox: p.outW / 2) : []
    thresholds = (0..<p.n).map { j in
      let z = middle.isEmpty ? 0 : middle[j]
      switch rng.next(below: 4) {
      case 0: return z
      case 1: return z + 1
      case 2: return z - 1
      default: return rng.next(in: (-Int32(p.k) - 2)...(Int32(p.k) + 2))
      }
    }
  }
}

/// z_j of output pixel (oy, ox) from the definition, channel by channel: K - 2 * (number of
/// window positions whose input bit differs from the weight bit), padding inputs bit 0.
func binaryConvValues(
  _ p: ConvCase, _ input: [UInt64], _ weights: [UInt64], _ wStride: Int, oy: Int, ox: Int
) -> [Int32] {
  (0..<p.n).map { j in
    var differing = 0
    for ky in 0..<p.kh {
      for kx in 0..<p.kw {
        let iy = oy * p.stride + ky - p.padTop
        let ix = ox * p.stride + kx - p.padLeft
        let inside = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w
        for ch in 0..<p.c {
          let x = inside ? bit(input, (iy * p.w + ix) * p.wpp, ch) : 0
          differing += x ^ bit(weights, j * wStride + (ky * p.kw + kx) * p.wpp, ch)
        }
      }
    }
    return Int32(p.k - 2 * differing)
  }
}

/// Runs `kernels`' binary_conv_threshold on a canary-filled output (a gap word after each
/// pixel) and exactly the scratch bnn_binary_conv_scratch_words asks for (plus canaries):
/// `prepacked`, with the weights packed first by the path's binary_conv_pack (when it has
/// one) into exactly bnn_binary_conv_packed_words (plus canaries), as a model does; else
/// with none, so the path packs them itself. Returns the used output words, or nil after
/// recording a problem.
func runBinaryConv(
  _ kernels: bnn_kernels, prepacked: Bool = true, _ p: ConvCase, _ d: BinaryConvData, _ label: String,
  _ problems: inout [String]
) -> [UInt64]? {
  let label = label + (prepacked ? "" : " (packing per call)")
  let oStride = wordsFor(bits: p.n) + 1
  var out = [UInt64](repeating: canary64, count: p.rows * oStride + guardWords)
  let scratchCount = bnn_binary_conv_scratch_words(p.rows, p.rowWords, p.n)
  var scratch = [UInt64](repeating: canary64, count: scratchCount + guardWords)
  let pack = prepacked ? kernels.binary_conv_pack : nil
  let packedCount = bnn_binary_conv_packed_words(p.n, p.c, p.kh, p.kw, p.wpp)
  var packed = [UInt32](repeating: UInt32(bitPattern: canary32), count: packedCount + 2 * guardWords)
  if let pack {
    pack(d.weights, d.wStride, p.n, p.c, p.kh, p.kw, p.wpp, &packed)
    if packed[packedCount...].contains(where: { $0 != UInt32(bitPattern: canary32) }) {
      problems.append("\(label) \(p): packed past bnn_binary_conv_packed_words")
      return nil
    }
  }
  out.withUnsafeMutableBufferPointer { o in
    scratch.withUnsafeMutableBufferPointer { s in
      packed.withUnsafeBufferPointer { packedWeights in
        kernels.binary_conv_threshold(
          d.input, p.h, p.w, p.wpp, p.c, p.kh, p.kw, p.stride, p.padTop, p.padLeft, p.outH, p.outW, d.weights,
          d.wStride, pack == nil ? nil : packedWeights.baseAddress, p.n, Int32(p.k), d.thresholds, d.flip,
          o.baseAddress!, oStride, s.baseAddress!)
      }
    }
  }
  if scratch[scratchCount...].contains(where: { $0 != canary64 }) {
    problems.append("\(label) \(p): wrote past bnn_binary_conv_scratch_words")
    return nil
  }
  return checkedConvOutput(out, p, stride: oStride, label, &problems)
}

/// Input channel counts around the 32-bit steps and 64-bit words; 129 channels in a 3x3
/// window make 45 steps (more than the byte counters' 31).
let binaryConvInputChannels = [1, 5, 31, 32, 33, 63, 64, 65, 100, 128, 129]
let binaryConvOutputChannels = [1, 7, 8, 31, 32, 33, 63, 64, 65, 129]
let binaryConvWindows: [(kh: Int, kw: Int)] = [(1, 1), (3, 3), (2, 3), (5, 5), (1, 7)]

@Test(arguments: optimisedPathNames)
func binaryConvMatchesScalarReference(path name: String) {
  let path = kernels(named: name)
  let ref = bnn_kernels_for(BNN_PATH_SCALAR)!.pointee
  var rng = SplitMix64(seed: 0xB1_C0 ^ UInt64(path.path.rawValue))
  var problems: [String] = []
  var compared = 0
  for window in binaryConvWindows {
    for c in binaryConvInputChannels {
      for n in binaryConvOutputChannels {
        let p = ConvCase.random(&rng, kh: window.kh, kw: window.kw, c: c, n: n, maxStride: 3, maxSide: 9)
        let d = BinaryConvData(p, &rng)
        let want = runBinaryConv(ref, p, d, "scalar", &problems)
        for prepacked in [true, false] {
          let got = runBinaryConv(path, prepacked: prepacked, p, d, name, &problems)
          if let want, let got, want != got {
            problems.append("\(name) \(p)\(prepacked ? "" : " packing per call"): bits differ from scalar")
          }
        }
        compared += 1
      }
    }
  }
  #expect(compared == binaryConvWindows.count * binaryConvInputChannels.count * binaryConvOutputChannels.count)
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

/// Every path (the reference included) against the definition, output bit by output bit,
/// on shapes that cover the engine's layers (3x3 'same' on 32 and 64 channels), long
/// patches (5x5 on 256 channels: 200 steps) and a 28x28 image with an odd pixel count.
@Test(arguments: allPathNames)
func binaryConvMatchesDefinition(path name: String) {
  let path = kernels(named: name)
  var rng = SplitMix64(seed: 0xDEF1)
  var problems: [String] = []
  let shapes: [(kh: Int, kw: Int, c: Int, n: Int, side: Int)] = [
    (3, 3, 32, 64, 9), (3, 3, 64, 128, 7), (5, 5, 256, 33, 4), (3, 3, 1, 1, 5), (1, 1, 65, 65, 6),
    (3, 3, 32, 40, 28),
  ]
  for s in shapes {
    let p = ConvCase.random(&rng, kh: s.kh, kw: s.kw, c: s.c, n: s.n, maxStride: 3, maxSide: s.side)
    let d = BinaryConvData(p, &rng)
    guard let got = runBinaryConv(path, p, d, name, &problems) else { continue }
    let outWords = wordsFor(bits: p.n)
    for oy in 0..<p.outH {
      for ox in 0..<p.outW {
        let z = binaryConvValues(p, d.input, d.weights, d.wStride, oy: oy, ox: ox)
        for j in 0..<p.n {
          let want = (z[j] < d.thresholds[j] ? 1 : 0) ^ Int((d.flip[j / 64] >> UInt64(j % 64)) & 1)
          if bit(got, (oy * p.outW + ox) * outWords, j) != want {
            problems.append("\(name) \(p): pixel (\(oy),\(ox)) channel \(j)")
          }
        }
      }
    }
  }
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

/// Runs `kernels`' binary_conv_gemm (the counts) like `runBinaryConv`: canary-filled counts
/// with a gap value after each pixel's n, exactly the scratch and packed buffer asked for;
/// returns the n counts of every pixel, or nil after recording a problem.
func runBinaryConvCounts(
  _ kernels: bnn_kernels, prepacked: Bool = true, _ p: ConvCase, _ d: BinaryConvData, _ label: String,
  _ problems: inout [String]
) -> [Int32]? {
  let label = label + " counts" + (prepacked ? "" : " (packing per call)")
  let stride = p.n + 1
  var counts = [Int32](repeating: canary32, count: p.rows * stride + guardWords)
  let scratchCount = bnn_binary_conv_scratch_words(p.rows, p.rowWords, p.n)
  var scratch = [UInt64](repeating: canary64, count: scratchCount + guardWords)
  let pack = prepacked ? kernels.binary_conv_pack : nil
  var packed = [UInt32](repeating: 0, count: bnn_binary_conv_packed_words(p.n, p.c, p.kh, p.kw, p.wpp) + 1)
  if let pack { pack(d.weights, d.wStride, p.n, p.c, p.kh, p.kw, p.wpp, &packed) }
  counts.withUnsafeMutableBufferPointer { o in
    scratch.withUnsafeMutableBufferPointer { s in
      packed.withUnsafeBufferPointer { packedWeights in
        kernels.binary_conv_gemm(
          d.input, p.h, p.w, p.wpp, p.c, p.kh, p.kw, p.stride, p.padTop, p.padLeft, p.outH, p.outW, d.weights,
          d.wStride, pack == nil ? nil : packedWeights.baseAddress, p.n, o.baseAddress!, stride, s.baseAddress!)
      }
    }
  }
  if scratch[scratchCount...].contains(where: { $0 != canary64 }) {
    problems.append("\(label) \(p): wrote past bnn_binary_conv_scratch_words")
    return nil
  }
  if counts[(p.rows * stride)...].contains(where: { $0 != canary32 })
    || (0..<p.rows).contains(where: { counts[$0 * stride + p.n] != canary32 })
  {
    problems.append("\(label) \(p): wrote outside the n counts of a pixel")
    return nil
  }
  return (0..<p.rows).flatMap { r in counts[(r * stride)..<(r * stride + p.n)] }
}

/// Every path's counts against the definition (count = (K - z) / 2), with the weights
/// packed once and per call, on the shapes of `binaryConvMatchesDefinition` and random
/// ones around the 32-bit steps, 64-bit words and 32-channel blocks.
@Test(arguments: allPathNames)
func binaryConvCountsMatchDefinition(path name: String) {
  let path = kernels(named: name)
  var rng = SplitMix64(seed: 0xC0_4E7 ^ UInt64(path.path.rawValue))
  var problems: [String] = []
  var shapes: [(kh: Int, kw: Int, c: Int, n: Int, side: Int)] = [
    (3, 3, 32, 64, 9), (3, 3, 64, 128, 7), (5, 5, 256, 33, 4), (3, 3, 1, 1, 5), (1, 1, 65, 65, 6),
    (3, 3, 32, 40, 28),
  ]
  for _ in 0..<12 {
    let window = binaryConvWindows[rng.next(below: binaryConvWindows.count)]
    shapes.append(
      (
        window.kh, window.kw, binaryConvInputChannels[rng.next(below: binaryConvInputChannels.count)],
        binaryConvOutputChannels[rng.next(below: binaryConvOutputChannels.count)], 8
      ))
  }
  var compared = 0
  for s in shapes {
    let p = ConvCase.random(&rng, kh: s.kh, kw: s.kw, c: s.c, n: s.n, maxStride: 3, maxSide: s.side)
    let d = BinaryConvData(p, &rng)
    var want: [Int32] = []
    for oy in 0..<p.outH {
      for ox in 0..<p.outW {
        want += binaryConvValues(p, d.input, d.weights, d.wStride, oy: oy, ox: ox).map { (Int32(p.k) - $0) / 2 }
      }
    }
    for prepacked in [true, false] {
      guard let got = runBinaryConvCounts(path, prepacked: prepacked, p, d, name, &problems) else { continue }
      if got != want { problems.append("\(name) \(p)\(prepacked ? "" : " packing per call"): counts differ") }
      compared += 1
    }
  }
  #expect(compared == 2 * shapes.count)
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}
