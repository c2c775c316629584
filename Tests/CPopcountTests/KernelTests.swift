// Tests of the CPopcount kernels: every path this build and CPU can run is compared
// with the scalar reference on seeded random data, and every path (the reference
// included) with direct definitions written here, bit by bit.
import CPopcount
import Testing

// MARK: - Test data

/// SplitMix64: small, seeded, reproducible.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
  mutating func next(in range: ClosedRange<Int32>) -> Int32 {
    range.lowerBound + Int32(truncatingIfNeeded: next() % UInt64(Int64(range.upperBound) - Int64(range.lowerBound) + 1))
  }
}

func wordsFor(bits: Int) -> Int { (bits + 63) / 64 }

/// `count` rows of `bits` random bits, `stride` words apart. Bits past `bits` are 0
/// (the operand padding convention); the gap words between rows are random garbage
/// that a kernel must never read.
func randomRows(_ rng: inout SplitMix64, count: Int, bits: Int, stride: Int) -> [UInt64] {
  var rows = (0..<(count * stride + 1)).map { _ in rng.next() }
  let words = wordsFor(bits: bits)
  if bits % 64 != 0 {
    for r in 0..<count { rows[r * stride + words - 1] &= (1 << UInt64(bits % 64)) - 1 }
  }
  return rows
}

func bit(_ row: [UInt64], _ base: Int, _ k: Int) -> Int { Int((row[base + k / 64] >> UInt64(k % 64)) & 1) }

let canary32: Int32 = 0x5A5A_1234
let canary64: UInt64 = 0xC0FF_EE00_DEAD_BEEF
let guardWords = 4

// MARK: - Paths

/// Every path with a table in this build and on this CPU (all of the enum, so a new
/// path is tested as soon as it exists).
let availablePaths: [bnn_kernel_path] = (0..<BNN_PATH_COUNT.rawValue).map { bnn_kernel_path(rawValue: $0) }
  .filter { bnn_kernels_for($0) != nil }
/// The optimised ones, checked against the scalar reference.
let optimisedPathNames: [String] = availablePaths.filter { $0 != BNN_PATH_SCALAR }.map(pathName)
let allPathNames: [String] = availablePaths.map(pathName)

func pathName(_ p: bnn_kernel_path) -> String { String(cString: bnn_kernels_for(p)!.pointee.name) }
func kernels(named name: String) -> bnn_kernels {
  availablePaths.map { bnn_kernels_for($0)!.pointee }.first { String(cString: $0.name) == name }!
}

@Test func pathTablesAreConsistent() {
  let scalar = bnn_kernels_for(BNN_PATH_SCALAR)
  #expect(scalar != nil)
  for p in availablePaths {
    let k = bnn_kernels_for(p)!.pointee
    #expect(k.path == p)
    #expect(k.xor_popcount_gemm != nil && k.xor_popcount_threshold != nil)
    #expect(k.bitplane_gemm != nil && k.bitplane_threshold != nil && k.pack_bitplanes != nil)
    #expect(k.pixel_conv_threshold != nil && k.binary_conv_threshold != nil && k.binary_conv_gemm != nil)
  }
  // path, name and 11 kernels (int8_dense_threshold, int8_dense_gemm and binary_conv_pack
  // may be NULL: Int8DenseKernelTests, BinaryConvKernelTests). A new entry changes the size:
  // test it (against the scalar reference and against its definition), then update this line.
  #expect(
    MemoryLayout<bnn_kernels>.size == 2 * MemoryLayout<UnsafeRawPointer>.size + 11 * MemoryLayout<UnsafeRawPointer>.size
  )
  #expect(bnn_kernels_for(BNN_PATH_COUNT) == nil)
  #expect(bnn_kernels_for(bnn_kernel_path(rawValue: 77)) == nil)
  // SIMD128 exists only in WebAssembly builds with -msimd128 (scripts/test-wasm.sh tests it).
  #expect(bnn_kernels_for(BNN_PATH_SIMD128) == nil)
  #if arch(x86_64)
    #expect(bnn_kernels_for(BNN_PATH_NEON) == nil && bnn_kernels_for(BNN_PATH_NEON_DOTPROD) == nil)
    // AVX2 implies POPCNT on every x86 CPU; the avx2 table needs both.
    if bnn_kernels_for(BNN_PATH_AVX2) != nil { #expect(bnn_kernels_for(BNN_PATH_POPCNT) != nil) }
    // Every AVX-512 CPU has AVX2; the avx512 table is preferred when available.
    if bnn_kernels_for(BNN_PATH_AVX512) != nil {
      #expect(bnn_kernels_for(BNN_PATH_AVX2) != nil)
      #expect(pathName(BNN_PATH_AVX512) == "avx512")
    }
  #elseif arch(arm64)
    #expect(bnn_kernels_for(BNN_PATH_NEON) != nil)
    // neon-dotprod (where the CPU has UDOT) is the neon table plus the int8 first layer.
    if let dot = bnn_kernels_for(BNN_PATH_NEON_DOTPROD) {
      #expect(pathName(BNN_PATH_NEON_DOTPROD) == "neon-dotprod" && dot.pointee.int8_dense_threshold != nil)
      #expect(bnn_kernels_for(BNN_PATH_NEON)!.pointee.int8_dense_threshold == nil)
    }
    #expect(bnn_kernels_for(BNN_PATH_POPCNT) == nil && bnn_kernels_for(BNN_PATH_AVX2) == nil)
    #expect(bnn_kernels_for(BNN_PATH_AVX512) == nil)
  #endif
  let best = bnn_kernels_best()
  #expect(best != nil)
  if let best { #expect(bnn_kernels_for(best.pointee.path) == best) }
  #expect(bnn_kernels_best() == best)  // chosen once
}

// MARK: - One case: all four kernels of a path against the scalar reference

/// One shape: m activation rows x n weight rows of k bits, with strides larger
/// than the rows, output canaries around and between rows.
struct Case {
  var k: Int, m: Int, n: Int
  var words: Int { wordsFor(bits: k) }
}

/// Runs all 4 kernels of `path` and of the scalar reference on the same data;
/// returns a description of every disagreement (empty when all is well).
func compareWithScalar(_ path: bnn_kernels, _ c: Case, _ rng: inout SplitMix64) -> [String] {
  let ref = bnn_kernels_for(BNN_PATH_SCALAR)!.pointee
  let (k, m, n, words) = (c.k, c.m, c.n, c.words)
  let aStride = words + 1 + rng.next(below: 3)
  let wStride = words + 2
  let cStride = n + 3
  let outWords = wordsFor(bits: n)
  let oStride = outWords + 2
  let pStride = 8 * words + 3
  let a = randomRows(&rng, count: m, bits: k, stride: aStride)
  let w = randomRows(&rng, count: n, bits: k, stride: wStride)
  let flip = (0..<(outWords + 1)).map { _ in rng.next() }
  var planes = (0..<(m * pStride + 1)).map { _ in rng.next() }
  for i in 0..<m {
    let sparse = rng.next(below: 3) == 0
    let pixels: [UInt8] = (0..<k).map { _ in
      sparse
        ? (rng.next(below: 5) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : 0) : UInt8(truncatingIfNeeded: rng.next())
    }
    planes.withUnsafeMutableBufferPointer { p in bnn_pack_bitplanes(pixels, k, p.baseAddress! + i * pStride, words) }
  }
  var problems: [String] = []
  let label = "\(String(cString: path.name)) K=\(k) m=\(m) n=\(n)"

  // Runs `body` on a canary-filled buffer; returns the m x used region, or a problem.
  func runInt32(_ kernel: String, _ body: (UnsafeMutablePointer<Int32>) -> Void) -> [Int32]? {
    var buf = [Int32](repeating: canary32, count: m * cStride + 2 * guardWords)
    buf.withUnsafeMutableBufferPointer { body($0.baseAddress! + guardWords) }
    for g in 0..<guardWords where buf[g] != canary32 || buf[guardWords + m * cStride + g] != canary32 {
      problems.append("\(label) \(kernel): wrote outside the block")
      return nil
    }
    var used: [Int32] = []
    for i in 0..<m {
      for x in 0..<cStride {
        let v = buf[guardWords + i * cStride + x]
        if x < n {
          used.append(v)
        } else if v != canary32 {
          problems.append("\(label) \(kernel): wrote into the gap after row \(i)")
          return nil
        }
      }
    }
    return used
  }
  func runBits(_ kernel: String, _ body: (UnsafeMutablePointer<UInt64>) -> Void) -> [UInt64]? {
    var buf = [UInt64](repeating: canary64, count: m * oStride + 2 * guardWords)
    buf.withUnsafeMutableBufferPointer { body($0.baseAddress! + guardWords) }
    for g in 0..<guardWords where buf[g] != canary64 || buf[guardWords + m * oStride + g] != canary64 {
      problems.append("\(label) \(kernel): wrote outside the block")
      return nil
    }
    var used: [UInt64] = []
    for i in 0..<m {
      for x in 0..<oStride {
        let v = buf[guardWords + i * oStride + x]
        if x < outWords {
          if x == outWords - 1 && n % 64 != 0 && v >> UInt64(n % 64) != 0 {
            problems.append("\(label) \(kernel): padding bits >= n set in row \(i)")
            return nil
          }
          used.append(v)
        } else if v != canary64 {
          problems.append("\(label) \(kernel): wrote into the gap after row \(i)")
          return nil
        }
      }
    }
    return used
  }
  /// Thresholds at, just above and just below real values, and some anywhere.
  func thresholds(near values: [Int32], span: Int32) -> [Int32] {
    (0..<n).map { j in
      switch rng.next(below: 4) {
      case 0: values[j]
      case 1: values[j] + 1
      case 2: values[j] - 1
      default: rng.next(in: (-span - 2)...(span + 2))
      }
    }
  }

  // XOR-popcount GEMM
  let countsRef = runInt32("reference xor_popcount_gemm") {
    ref.xor_popcount_gemm(a, aStride, m, w, wStride, n, words, $0, cStride)
  }
  let counts = runInt32("xor_popcount_gemm") {
    path.xor_popcount_gemm(a, aStride, m, w, wStride, n, words, $0, cStride)
  }
  if let countsRef, let counts, countsRef != counts { problems.append("\(label) xor_popcount_gemm: counts differ") }

  // XOR-popcount threshold
  if let countsRef {
    let t = thresholds(near: (0..<n).map { Int32(k) - 2 * countsRef[$0] }, span: Int32(k))
    let want = runBits("reference xor_popcount_threshold") {
      ref.xor_popcount_threshold(a, aStride, m, w, wStride, n, words, Int32(k), t, flip, $0, oStride)
    }
    let got = runBits("xor_popcount_threshold") {
      path.xor_popcount_threshold(a, aStride, m, w, wStride, n, words, Int32(k), t, flip, $0, oStride)
    }
    if let want, let got, want != got { problems.append("\(label) xor_popcount_threshold: bits differ") }
  }

  // Bit-plane GEMM
  let dotsRef = runInt32("reference bitplane_gemm") {
    ref.bitplane_gemm(planes, pStride, m, w, wStride, n, words, $0, cStride)
  }
  let dots = runInt32("bitplane_gemm") { path.bitplane_gemm(planes, pStride, m, w, wStride, n, words, $0, cStride) }
  if let dotsRef, let dots, dotsRef != dots { problems.append("\(label) bitplane_gemm: dots differ") }

  // Bit-plane threshold
  if let dotsRef {
    let t = thresholds(near: Array(dotsRef[((m - 1) * n)...]), span: 255 * Int32(k))
    let want = runBits("reference bitplane_threshold") {
      ref.bitplane_threshold(planes, pStride, m, w, wStride, n, words, t, flip, $0, oStride)
    }
    let got = runBits("bitplane_threshold") {
      path.bitplane_threshold(planes, pStride, m, w, wStride, n, words, t, flip, $0, oStride)
    }
    if let want, let got, want != got { problems.append("\(label) bitplane_threshold: bits differ") }
  }
  return problems
}

// Around 64-bit words, 512-bit vectors (AVX-512: 8 words, masked tails) and the
// 64-word limit of its interleaved bit-plane path (K = 4096).
let testLengths = [
  0, 1, 2, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 448, 511, 512, 513, 784, 1000, 3000, 4096, 4097,
]
let testRows = [1, 2, 3, 4, 5, 7]
let testNeurons = [1, 2, 3, 5, 63, 64, 65, 130]

@Test(arguments: optimisedPathNames)
func kernelsMatchScalarReference(path name: String) {
  let path = kernels(named: name)
  var rng = SplitMix64(seed: 0x1234_5678 ^ UInt64(path.path.rawValue))
  var cases = 0
  var problems: [String] = []
  for k in testLengths {
    for m in testRows {
      for n in testNeurons {
        problems += compareWithScalar(path, Case(k: k, m: m, n: n), &rng)
        cases += 1
      }
    }
  }
  // Random shapes, and rows long enough that narrow counters must be widened.
  for _ in 0..<30 {
    problems += compareWithScalar(
      path, Case(k: 1 + rng.next(below: 3000), m: 1 + rng.next(below: 9), n: 1 + rng.next(below: 200)), &rng)
    cases += 1
  }
  for k in [9920, 9984, 10049, 40_000] {
    problems += compareWithScalar(path, Case(k: k, m: 5, n: 3), &rng)
    cases += 1
  }
  #expect(cases == testLengths.count * testRows.count * testNeurons.count + 34)
  #expect(problems.count == 0, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

// MARK: - Every path (reference included) against direct definitions

/// counts, z-threshold bits and bit-plane dots straight from their definitions:
/// bits one at a time, pixels as integers.
@Test(arguments: allPathNames)
func kernelsMatchDefinitions(path name: String) {
  let path = kernels(named: name)
  var rng = SplitMix64(seed: 42)
  var problems: [String] = []
  for (k, m, n) in [(1, 1, 1), (65, 3, 5), (130, 2, 70), (200, 4, 3), (784, 1, 66), (1000, 5, 2)] {
    let words = wordsFor(bits: k)
    let stride = words + 1
    let a = randomRows(&rng, count: m, bits: k, stride: stride)
    let w = randomRows(&rng, count: n, bits: k, stride: stride)
    // popcount(a XOR w) bit by bit
    var counts = [Int32](repeating: 0, count: m * n)
    path.xor_popcount_gemm(a, stride, m, w, stride, n, words, &counts, n)
    for i in 0..<m {
      for j in 0..<n {
        let p = (0..<k).reduce(0) { $0 + (bit(a, i * stride, $1) ^ bit(w, j * stride, $1)) }
        if counts[i * n + j] != Int32(p) { problems.append("\(name) K=\(k): count[\(i)][\(j)]") }
      }
    }
    // threshold: bit j = (z < t_j) XOR flip_j with z = sum of (+1 match, -1 mismatch)
    let t: [Int32] = (0..<n).map { _ in rng.next(in: -Int32(k)...Int32(k)) }
    let outWords = wordsFor(bits: n)
    let flip = (0..<outWords).map { _ in rng.next() }
    var out = [UInt64](repeating: canary64, count: m * outWords)
    path.xor_popcount_threshold(a, stride, m, w, stride, n, words, Int32(k), t, flip, &out, outWords)
    for i in 0..<m {
      for j in 0..<n {
        let z = (0..<k).reduce(0) { $0 + (bit(a, i * stride, $1) == bit(w, j * stride, $1) ? 1 : -1) }
        let want = (z < Int(t[j]) ? 1 : 0) ^ Int((flip[j / 64] >> UInt64(j % 64)) & 1)
        if bit(out, i * outWords, j) != want { problems.append("\(name) K=\(k): threshold bit [\(i)][\(j)]") }
      }
      for j in n..<(outWords * 64) where bit(out, i * outWords, j) != 0 {
        problems.append("\(name) K=\(k): padding bit \(j) set")
      }
    }
    // bit planes: dot = sum_k pixel_k * (w bit 1 ? -1 : +1)
    let pixels: [[UInt8]] = (0..<m).map { _ in (0..<k).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
    let pStride = 8 * words
    var planes = [UInt64](repeating: 0, count: m * pStride)
    planes.withUnsafeMutableBufferPointer { p in
      for i in 0..<m { bnn_pack_bitplanes(pixels[i], k, p.baseAddress! + i * pStride, words) }
    }
    var dots = [Int32](repeating: 0, count: m * n)
    path.bitplane_gemm(planes, pStride, m, w, stride, n, words, &dots, n)
    var directDots = [Int32](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        let d = (0..<k).reduce(0) { $0 + Int(pixels[i][$1]) * (bit(w, j * stride, $1) == 1 ? -1 : 1) }
        directDots[i * n + j] = Int32(d)
        if dots[i * n + j] != Int32(d) { problems.append("\(name) K=\(k): bit-plane dot[\(i)][\(j)]") }
      }
    }
    let tb: [Int32] = (0..<n).map { j in directDots[j] + Int32(rng.next(below: 3)) - 1 }
    out = [UInt64](repeating: canary64, count: m * outWords)
    path.bitplane_threshold(planes, pStride, m, w, stride, n, words, tb, flip, &out, outWords)
    for i in 0..<m {
      for j in 0..<n {
        let want = (directDots[i * n + j] < tb[j] ? 1 : 0) ^ Int((flip[j / 64] >> UInt64(j % 64)) & 1)
        if bit(out, i * outWords, j) != want { problems.append("\(name) K=\(k): bit-plane threshold bit [\(i)][\(j)]") }
      }
      for j in n..<(outWords * 64) where bit(out, i * outWords, j) != 0 {
        problems.append("\(name) K=\(k): bit-plane padding bit \(j) set")
      }
    }
  }
  #expect(problems.count == 0, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

// MARK: - Direct pixel convolution (pixel_conv_threshold)

func address(_ f: bnn_pixel_conv_threshold_fn?) -> UnsafeRawPointer? { unsafeBitCast(f, to: UnsafeRawPointer?.self) }

/// Forcing the scalar path (BNN_KERNEL=scalar, KernelPath.scalar) must run the portable
/// reference of the pixel convolution too, not a SIMD version chosen behind the table.
@Test func scalarTableRunsThePortablePixelConvolution() {
  let scalar = bnn_kernels_for(BNN_PATH_SCALAR)!.pointee
  #expect(address(scalar.pixel_conv_threshold) == address(bnn_scalar_pixel_conv_threshold))
  #if arch(x86_64)
    if let avx2 = bnn_kernels_for(BNN_PATH_AVX2) {
      #expect(address(avx2.pointee.pixel_conv_threshold) != address(bnn_scalar_pixel_conv_threshold))
    }
  #endif
}

/// One convolution problem (pixel or binary input): an h x w image of c channels, a kh x kw
/// window, n output channels, with random stride (1 ... maxStride) and padding on each side.
struct ConvCase: CustomStringConvertible {
  var h: Int, w: Int, c: Int, kh: Int, kw: Int, stride: Int, padTop: Int, padLeft: Int
  var outH: Int, outW: Int, n: Int
  var k: Int { kh * kw * c }
  var rows: Int { outH * outW }
  /// Words of a pixel and of a weight row when the input is channel-packed bits.
  var wpp: Int { wordsFor(bits: c) }
  var rowWords: Int { kh * kw * wpp }
  var description: String {
    "\(h)x\(w)x\(c) window \(kh)x\(kw) stride \(stride) pad \(padTop),\(padLeft) out \(outH)x\(outW) K=\(k) n=\(n)"
  }

  static func random(
    _ rng: inout SplitMix64, kh: Int, kw: Int, c: Int, n: Int, maxStride: Int = 2, maxSide: Int = 8
  ) -> ConvCase {
    let stride = 1 + rng.next(below: maxStride)
    let h = 1 + rng.next(below: maxSide)
    let w = 1 + rng.next(below: maxSide)
    let padTop = rng.next(below: kh)
    let padLeft = rng.next(below: kw)
    let padBottom = rng.next(below: kh)
    let padRight = rng.next(below: kw)
    let outH = h + padTop + padBottom >= kh ? (h + padTop + padBottom - kh) / stride + 1 : 0
    let outW = w + padLeft + padRight >= kw ? (w + padLeft + padRight - kw) / stride + 1 : 0
    return ConvCase(
      h: h, w: w, c: c, kh: kh, kw: kw, stride: stride, padTop: padTop, padLeft: padLeft, outH: outH, outW: outW, n: n)
  }
}

/// The used words of a convolution's output, which was canary-filled with `stride` words
/// per pixel (a gap word after each) and guard words after the last: nil after recording a
/// problem when a kernel wrote into a gap, past the end, or set padding bits >= n.
func checkedConvOutput(
  _ out: [UInt64], _ p: ConvCase, stride: Int, _ label: String, _ problems: inout [String]
) -> [UInt64]? {
  let outWords = wordsFor(bits: p.n)
  if out[(p.rows * stride)...].contains(where: { $0 != canary64 }) {
    problems.append("\(label) \(p): wrote past the last output pixel")
    return nil
  }
  var used: [UInt64] = []
  for r in 0..<p.rows {
    if out[r * stride + outWords] != canary64 {
      problems.append("\(label) \(p): wrote into the gap after pixel \(r)")
      return nil
    }
    for x in 0..<outWords {
      let v = out[r * stride + x]
      if x == outWords - 1 && p.n % 64 != 0 && v >> UInt64(p.n % 64) != 0 {
        problems.append("\(label) \(p): padding bits >= n set in pixel \(r)")
        return nil
      }
      used.append(v)
    }
  }
  return used
}

/// Data for one case: image, weights (rows of `wStride` words), flip bits, thresholds near
/// the true dot products of the middle output pixel.
struct PixelConvData {
  var pixels: [UInt8], weights: [UInt64], wStride: Int, flip: [UInt64], thresholds: [Int32]

  init(_ p: ConvCase, _ rng: inout SplitMix64) {
    let sparse = rng.next(below: 3) == 0  // MNIST-like: mostly 0
    pixels = (0..<max(1, p.h * p.w * p.c)).map { _ in
      sparse && rng.next(below: 4) != 0 ? 0 : UInt8(truncatingIfNeeded: rng.next())
    }
    wStride = wordsFor(bits: p.k) + 1
    weights = randomRows(&rng, count: max(p.n, 1), bits: p.k, stride: wStride)
    flip = (0..<(wordsFor(bits: p.n) + 1)).map { _ in rng.next() }
    let middle = p.outH * p.outW > 0 ? pixelConvDots(p, pixels, weights, wStride, oy: p.outH / 2, ox: p.outW / 2) : []
    var t: [Int32] = []
    for j in 0..<p.n {
      let z = middle.isEmpty ? 0 : middle[j]
      switch rng.next(below: 4) {
      case 0: t.append(z)
      case 1: t.append(z + 1)
      case 2: t.append(z - 1)
      default: t.append(rng.next(in: (-255 * Int32(p.k) - 2)...(255 * Int32(p.k) + 2)))
      }
    }
    thresholds = t
  }
}

/// z_j of output pixel (oy, ox), from the definition: sum of pixel * (+1 or -1), padding 0.
func pixelConvDots(_ p: ConvCase, _ pixels: [UInt8], _ weights: [UInt64], _ wStride: Int, oy: Int, ox: Int)
  -> [Int32]
{
  (0..<p.n).map { j in
    var z = 0
    var i = 0
    for ky in 0..<p.kh {
      for kx in 0..<p.kw {
        let iy = oy * p.stride + ky - p.padTop
        let ix = ox * p.stride + kx - p.padLeft
        for ch in 0..<p.c {
          if iy >= 0 && iy < p.h && ix >= 0 && ix < p.w {
            let x = Int(pixels[(iy * p.w + ix) * p.c + ch])
            z += bit(weights, j * wStride, i) == 1 ? -x : x
          }
          i += 1
        }
      }
    }
    return Int32(z)
  }
}

/// Runs `conv` on a canary-filled output (one gap word after each pixel) and exactly the
/// scratch it asks for (plus canaries); returns the used output words, or nil after
/// recording a problem.
func runPixelConv(
  _ conv: bnn_pixel_conv_threshold_fn, _ p: ConvCase, _ d: PixelConvData, _ label: String,
  _ problems: inout [String]
) -> [UInt64]? {
  let oStride = wordsFor(bits: p.n) + 1
  var out = [UInt64](repeating: canary64, count: p.rows * oStride + guardWords)
  let scratchCount = bnn_pixel_conv_scratch_size(p.k, p.n)
  var scratch = [Int32](repeating: canary32, count: scratchCount + guardWords)
  out.withUnsafeMutableBufferPointer { o in
    scratch.withUnsafeMutableBufferPointer { s in
      conv(
        d.pixels, p.h, p.w, p.c, p.kh, p.kw, p.stride, p.padTop, p.padLeft, p.outH, p.outW, d.weights, d.wStride, p.n,
        d.thresholds, d.flip, o.baseAddress!, oStride, s.baseAddress!)
    }
  }
  if scratch[scratchCount...].contains(where: { $0 != canary32 }) {
    problems.append("\(label) \(p): wrote past bnn_pixel_conv_scratch_size")
    return nil
  }
  return checkedConvOutput(out, p, stride: oStride, label, &problems)
}

/// Window sizes K = kh*kw*c around word boundaries (1, 63, 64, 65, 127, 128, 129) and the
/// usual first layers (3x3 gray, 3x3 and 5x5 RGB, 7x7 RGB), with channel counts around the
/// 32-channel blocks and the 64-bit output words.
let pixelConvWindows: [(kh: Int, kw: Int, c: Int)] = [
  (1, 1, 1), (3, 3, 1), (3, 3, 3), (7, 9, 1), (8, 8, 1), (5, 13, 1), (1, 127, 1), (8, 8, 2), (43, 3, 1), (5, 5, 3),
  (7, 7, 3), (2, 3, 5),
]
let pixelConvChannels = [0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129]

@Test(arguments: optimisedPathNames)
func pixelConvMatchesScalarReference(path name: String) {
  let path = kernels(named: name)
  let ref = bnn_kernels_for(BNN_PATH_SCALAR)!.pointee
  var rng = SplitMix64(seed: 0xC0_4E57 ^ UInt64(path.path.rawValue))
  var problems: [String] = []
  var cases = 0
  for window in pixelConvWindows {
    for n in pixelConvChannels {
      let p = ConvCase.random(&rng, kh: window.kh, kw: window.kw, c: window.c, n: n)
      let d = PixelConvData(p, &rng)
      let want = runPixelConv(ref.pixel_conv_threshold, p, d, "scalar", &problems)
      let got = runPixelConv(path.pixel_conv_threshold, p, d, name, &problems)
      if let want, let got, want != got { problems.append("\(name) \(p): bits differ from scalar") }
      cases += 1
    }
  }
  #expect(cases == pixelConvWindows.count * pixelConvChannels.count)
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

/// Every path (the reference included) against the definition, z_j = sum x_k * w_jk, and
/// against the bit-plane route it replaces (bnn_im2col_bitplanes + bitplane_threshold).
@Test(arguments: allPathNames)
func pixelConvMatchesDefinition(path name: String) {
  let path = kernels(named: name)
  var rng = SplitMix64(seed: 77)
  var problems: [String] = []
  for (kh, kw, c, n) in [(3, 3, 1, 32), (3, 3, 3, 65), (5, 5, 3, 7), (8, 8, 1, 64), (1, 1, 1, 1), (5, 13, 1, 129)] {
    let p = ConvCase.random(&rng, kh: kh, kw: kw, c: c, n: n)
    let d = PixelConvData(p, &rng)
    guard let got = runPixelConv(path.pixel_conv_threshold, p, d, name, &problems) else { continue }
    let outWords = wordsFor(bits: n)
    // Definition, pixel by pixel.
    for oy in 0..<p.outH {
      for ox in 0..<p.outW {
        let z = pixelConvDots(p, d.pixels, d.weights, d.wStride, oy: oy, ox: ox)
        for j in 0..<n {
          let want = (z[j] < d.thresholds[j] ? 1 : 0) ^ Int((d.flip[j / 64] >> UInt64(j % 64)) & 1)
          if bit(got, (oy * p.outW + ox) * outWords, j) != want {
            problems.append("\(name) \(p): pixel (\(oy),\(ox)) channel \(j)")
          }
        }
      }
    }
    // The bit-plane route.
    let planeWords = wordsFor(bits: p.k)
    let rows = p.outH * p.outW
    var planes = [UInt64](repeating: 0, count: max(1, rows * 8 * planeWords))
    bnn_im2col_bitplanes(
      d.pixels, p.h, p.w, p.c, p.kh, p.kw, p.stride, p.padTop, p.padLeft, p.outH, p.outW, &planes, planeWords,
      8 * planeWords)
    var viaPlanes = [UInt64](repeating: 0, count: max(1, rows * outWords))
    path.bitplane_threshold(
      planes, 8 * planeWords, rows, d.weights, d.wStride, n, planeWords, d.thresholds, d.flip, &viaPlanes, outWords)
    if Array(viaPlanes.prefix(rows * outWords)) != got { problems.append("\(name) \(p): differs from bit-planes") }
  }
  #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "; "))")
}

// MARK: - Bit utilities

/// Every path's pack_bitplanes (and bnn_pack_bitplanes, the best path's) bit by bit.
@Test(arguments: [0, 1, 5, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200, 784, 1000, 4097])
func packBitplanesMatchesPerPixelDefinition(count: Int) {
  var rng = SplitMix64(seed: UInt64(count) &+ 7)
  let pixels: [UInt8] = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
  let packs =
    availablePaths.map { (pathName($0), bnn_kernels_for($0)!.pointee.pack_bitplanes!) }
    + [("bnn_pack_bitplanes", bnn_pack_bitplanes)]
  for (name, pack) in packs {
    for words in [wordsFor(bits: count), wordsFor(bits: count) + 2] where words > 0 {
      var planes = (0..<(8 * words + 1)).map { _ in rng.next() }  // garbage to be overwritten
      let sentinel = planes[8 * words]
      pack(pixels, count, &planes, words)
      #expect(planes[8 * words] == sentinel, "\(name): wrote past 8*words")
      for b in 0..<8 {
        for k in 0..<(words * 64) {
          let want = k < count ? Int((pixels[k] >> UInt8(b)) & 1) : 0
          let got = bit(planes, b * words, k)
          if got != want {
            Issue.record("\(name) count=\(count) words=\(words): plane \(b) bit \(k) is \(got), want \(want)")
            return
          }
        }
      }
    }
  }
}

@Test(arguments: [(1, 1), (2, 2), (3, 5), (4, 4), (5, 3), (7, 6), (8, 9)])
func pool2x2MatchesPerChannelDefinition(h: Int, w: Int) {
  var rng = SplitMix64(seed: UInt64(h * 100 + w))
  for words in [1, 2, 3] {
    let input = (0..<(h * w * words)).map { _ in rng.next() }
    let (oh, ow) = (h / 2, w / 2)
    for useMask in [false, true] {
      let mask = (0..<words).map { _ in rng.next() }
      var out = [UInt64](repeating: canary64, count: oh * ow * words + guardWords)
      if useMask {
        bnn_pool2x2_bits(input, h, w, words, mask, &out)
      } else {
        bnn_pool2x2_bits(input, h, w, words, nil, &out)
      }
      for g in 0..<guardWords { #expect(out[oh * ow * words + g] == canary64, "h=\(h) w=\(w): wrote past the output") }
      for y in 0..<oh {
        for x in 0..<ow {
          for c in 0..<(words * 64) {
            let four = [(0, 0), (0, 1), (1, 0), (1, 1)].map { dy, dx in
              bit(input, ((2 * y + dy) * w + 2 * x + dx) * words, c)
            }
            let orChannel = useMask && bit(mask, 0, c) == 1
            // bit 1 = -1: max of {-1,+1} is AND of bits, min is OR.
            let want = orChannel ? (four.contains(1) ? 1 : 0) : (four.allSatisfy { $0 == 1 } ? 1 : 0)
            let got = bit(out, (y * ow + x) * words, c)
            if got != want {
              Issue.record("h=\(h) w=\(w) words=\(words) mask=\(useMask): out (\(y),\(x)) channel \(c) is \(got)")
              return
            }
          }
        }
      }
    }
  }
}

/// Bitwise CRC-32 (reflected, polynomial 0xEDB88320), for comparison.
func crc32Bitwise(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for b in bytes {
    crc ^= UInt32(b)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

@Test func crc32CheckValueAndIncremental() {
  let check = Array("123456789".utf8)
  #expect(bnn_crc32(0, check, check.count) == 0xCBF4_3926)
  #expect(bnn_crc32(0, nil, 0) == 0)
  var rng = SplitMix64(seed: 99)
  let data: [UInt8] = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
  let oneShot = bnn_crc32(0, data, data.count)
  #expect(oneShot == crc32Bitwise(data))
  for split in [0, 1, 7, 500, 999, 1000] {
    let first = bnn_crc32(0, data, split)
    let both = data.withUnsafeBufferPointer { bnn_crc32(first, $0.baseAddress! + split, data.count - split) }
    #expect(both == oneShot, "split at \(split)")
  }
  // three pieces
  let p1 = bnn_crc32(0, data, 300)
  let p2 = data.withUnsafeBufferPointer { bnn_crc32(p1, $0.baseAddress! + 300, 300) }
  let p3 = data.withUnsafeBufferPointer { bnn_crc32(p2, $0.baseAddress! + 600, 400) }
  #expect(p3 == oneShot)
}
