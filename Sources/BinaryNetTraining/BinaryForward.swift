import BinaryNet
import CFloatKernels
import CPopcount

/// The forward product of a layer that reads ±1 activations, through the engine's
/// XOR-popcount kernels instead of a float GEMM:
///
///     z = unfold(x) W_b^T,   z_rj = K - 2 * popcount(bits(patch_r) XOR bits(w_j))
///
/// with bit 1 = -1 and padding +1 (bit 0), as the engine. Every term of the float product
/// is ±1 and every sum an integer of magnitude at most K < 2^24, so the float GEMM gives
/// exactly these values in any order: this changes the cost, not one bit of training.
extension BinaryLayer {
  /// Whether `convolveBinary` applies: ±1 inputs (every layer but the first) and K within
  /// a float's exact integers.
  var hasBinaryForward: Bool { !readsPixels && geometry.dotLength < 1 << 24 }

  /// `z` of `images` inputs `x` (NHWC floats), as `convolve`, when every input and every
  /// binary weight is exactly -1 or +1 (what training feeds it, checked while packing);
  /// false otherwise, with `z` unspecified (then `convolve` runs the float product).
  /// With `poolWinners` (a convolution), `z` gets the 2x2 max pooling of the result and
  /// the winners go there, as `MaxPooling.forward` would give them: each image is pooled
  /// while its counts are in cache, and the unpooled result is never written.
  func convolveBinary(
    _ x: UnsafePointer<Float>, images: Int, into z: UnsafeMutablePointer<Float>,
    poolWinners: UnsafeMutablePointer<UInt8>? = nil, threads: Int
  ) -> Bool {
    let g = geometry
    let n = outputCount
    let k = g.dotLength
    // Dense: one row of K bits per image. Convolution: channel-packed pixels, patches of
    // kh * kw pixels (the engine's layout: tap-major, ceil(C/64) words a tap).
    let channels = g.isDense ? k : g.input.channels
    let wordsPerPixel = (channels + 63) / 64
    let taps = g.isDense ? 1 : g.window.kernelHeight * g.window.kernelWidth
    let rowWords = taps * wordsPerPixel
    let pixelsIn = g.isDense ? 1 : g.input.height * g.input.width
    let pixelsOut = g.isDense ? 1 : g.convolutionPixels
    let kernels = bnn_kernels_best().pointee

    // Weight rows: W_b is [n][K] in (ky, kx, channel) order, n * taps rows of `channels`
    // signs, packed in parallel (each chunk its own rows; at least 2^16 floats a chunk).
    let weightRows = n * taps
    var weightBits = [UInt64](repeating: 0, count: n * rowWords)
    let weightsAreSigns = Flags(count: weightRows)
    weightBits.withUnsafeMutableBufferPointer { w in
      let pointers = UncheckedSendable((binary.data, w.baseAddress!))
      Parallel.forEachChunk(
        count: weightRows, threads: threads, minimumChunk: max(1, (1 << 16) / max(channels, 1))
      ) { rows in
        let (signs, bits) = pointers.value
        let allSigns = bnn_pack_signs(
          signs + rows.lowerBound * channels, rows.count, channels, bits + rows.lowerBound * wordsPerPixel)
        if allSigns == 0 { weightsAreSigns.clear(rows.lowerBound) }
      }
    }
    guard weightsAreSigns.allSet else { return false }
    let inputsAreSigns = Flags(count: images)
    let window = g.cWindow
    let inputCount = self.inputCount
    // Convolutions run implicitly (binary_conv_gemm: no patch matrix), with the weights in
    // the kernel path's own layout once per call when it has one.
    let pack = g.isDense ? nil : kernels.binary_conv_pack
    var packed = [UInt32](
      repeating: 0,
      count: pack == nil
        ? 0
        : bnn_binary_conv_packed_words(
          n, channels, window.kernel_height,
          window.kernel_width, wordsPerPixel))
    if let pack {
      pack(weightBits, rowWords, n, channels, window.kernel_height, window.kernel_width, wordsPerPixel, &packed)
    }
    weightBits.withUnsafeBufferPointer { w in
      packed.withUnsafeBufferPointer { p in
        let pointers = BinaryForwardPointers(
          x: x, z: z, weights: w.baseAddress!, packed: pack == nil ? nil : p.baseAddress,
          winners: g.isDense ? nil : poolWinners)
        let pooledSize = g.outputPixels * n
        Parallel.forEachChunk(count: images, threads: threads) { chunk in
          let count = chunk.count
          var inputBits = [UInt64](repeating: 0, count: max(1, count * pixelsIn * wordsPerPixel))
          let scratchWords = g.isDense ? 0 : bnn_binary_conv_scratch_words(pixelsOut, rowWords, n)
          var scratch = [UInt64](repeating: 0, count: scratchWords)
          inputBits.withUnsafeMutableBufferPointer { bits in
            let signs = bnn_pack_signs(
              pointers.x + chunk.lowerBound * inputCount, count * pixelsIn, channels, bits.baseAddress!)
            if signs == 0 { inputsAreSigns.clear(chunk.lowerBound) }
            /// The XOR-popcount counts of the chunk's image `i` (`pixelsOut * n`).
            func countImage(_ i: Int, into target: UnsafeMutablePointer<Int32>, scratch: UnsafeMutablePointer<UInt64>) {
              kernels.binary_conv_gemm(
                bits.baseAddress! + i * pixelsIn * wordsPerPixel, window.height, window.width, wordsPerPixel,
                channels, window.kernel_height, window.kernel_width, window.stride, window.pad_top,
                window.pad_left, window.out_height, window.out_width, pointers.weights, rowWords,
                pointers.packed, n, target, n, scratch)
            }
            if let winners = pointers.winners {
              // One image's counts at a time, pooled into z while they are in cache.
              var counts = [Int32](repeating: 0, count: pixelsOut * n)
              scratch.withUnsafeMutableBufferPointer { s in
                counts.withUnsafeMutableBufferPointer { c in
                  for i in 0..<count {
                    countImage(i, into: c.baseAddress!, scratch: s.baseAddress!)
                    let image = chunk.lowerBound + i
                    bnn_maxpool2x2_popcounts(
                      c.baseAddress!, Int32(k), 1, window.out_height, window.out_width, n,
                      pointers.z + image * pooledSize, winners + image * pooledSize)
                  }
                }
              }
              return
            }
            // Counts land in z's memory (Int32 and Float are both 4 bytes), then become z.
            let out = UnsafeMutableRawPointer(pointers.z + chunk.lowerBound * pixelsOut * n)
            let counts = out.assumingMemoryBound(to: Int32.self)
            if g.isDense {
              kernels.xor_popcount_gemm(
                bits.baseAddress!, rowWords, count, pointers.weights, rowWords, n, rowWords, counts, n)
            } else {
              scratch.withUnsafeMutableBufferPointer { s in
                for i in 0..<count { countImage(i, into: counts + i * pixelsOut * n, scratch: s.baseAddress!) }
              }
            }
            bnn_int32_to_float(out, count * pixelsOut * n, Int32(k), -2)
          }
        }
      }
    }
    return inputsAreSigns.allSet
  }
}

/// One flag per chunk start, cleared from any thread (each chunk writes only its own).
final class Flags: @unchecked Sendable {
  private let values: UnsafeMutablePointer<Bool>
  private let count: Int
  init(count: Int) {
    self.count = count
    values = .allocate(capacity: max(count, 1))
    values.initialize(repeating: true, count: max(count, 1))
  }
  deinit { values.deallocate() }
  func clear(_ index: Int) { values[index] = false }
  var allSet: Bool { (0..<count).allSatisfy { values[$0] } }
}

/// The raw pointers the chunks share (each writes only its own rows of `z`).
private struct BinaryForwardPointers: @unchecked Sendable {
  let x: UnsafePointer<Float>
  let z: UnsafeMutablePointer<Float>
  let weights: UnsafePointer<UInt64>
  /// The weights in the kernel path's convolution layout (`binary_conv_pack`), or nil.
  let packed: UnsafePointer<UInt32>?
  /// Where pooling winners go when the convolution is pooled on the fly, or nil.
  let winners: UnsafeMutablePointer<UInt8>?
}
