import BinaryNet
import CFloatKernels
import CPopcount

/// The forward product of a first dense layer on the pixel bytes, through the engine's
/// int8 kernel (`int8_dense_gemm`: u8 pixels x ±1 int8 weights, int32 sums) instead of a
/// float GEMM:
///
///     z_ij = sum_t x_it * w_jt        (x_it in 0...255, w_jt = ±1)
///
/// Every partial sum is an integer of magnitude at most 255 K < 2^24, so the float GEMM
/// gives exactly these values in any order: this changes the cost, not one bit of training.
extension BinaryLayer {
  /// Whether `multiplyPixelBytes` applies: a dense layer on pixels, K within a float's
  /// exact integers, and a kernel path with an int8 form.
  var hasPixelBytesForward: Bool {
    hasExactPixelSums && geometry.isDense && bnn_kernels_best().pointee.int8_dense_gemm != nil
  }

  /// `z = x W_b^T` of `images` rows of pixels `x` (`[images][dotLength]` floats) into `z`
  /// (`[images][outputCount]`), when every input is an integer in 0...255 and every binary
  /// weight exactly -1 or +1 (what training feeds it, checked while converting); false
  /// otherwise, with `z` unspecified (then `convolve` runs the float product).
  func multiplyPixelBytes(
    _ x: UnsafePointer<Float>, images: Int, into z: UnsafeMutablePointer<Float>, threads: Int
  ) -> Bool {
    guard let gemm = bnn_kernels_best().pointee.int8_dense_gemm else { return false }
    let (n, k) = (outputCount, geometry.dotLength)
    let row = bnn_int8_row_bytes(k)
    let weights = [Int8](unsafeUninitializedCapacity: n * row) { buffer, count in
      let allSigns = Flags(count: n)
      let pointers = UncheckedSendable((binary.data, buffer.baseAddress!))
      Parallel.forEachChunk(count: n, threads: threads, minimumChunk: max(1, (1 << 16) / max(k, 1))) {
        rows in
        let (signs, bytes) = pointers.value
        if bnn_signs_to_int8_rows(signs + rows.lowerBound * k, rows.count, k, bytes + rows.lowerBound * row, row)
          == 0
        {
          allSigns.clear(rows.lowerBound)
        }
      }
      count = allSigns.allSet ? n * row : 0
    }
    guard weights.count == n * row else { return false }
    let pixels = [UInt8](unsafeUninitializedCapacity: images * k) { buffer, count in
      count = bnn_pixels_to_bytes(x, images * k, buffer.baseAddress!) != 0 ? images * k : 0
    }
    guard pixels.count == images * k else { return false }
    pixels.withUnsafeBufferPointer { p in
      weights.withUnsafeBufferPointer { w in
        let pointers = UncheckedSendable((p.baseAddress!, w.baseAddress!))
        Parallel.forEachChunk(count: images, threads: threads) { chunk in
          let (pixels, weights) = pointers.value
          // Sums land in z's memory (Int32 and Float are both 4 bytes), then become z.
          let out = UnsafeMutableRawPointer(z + chunk.lowerBound * n)
          gemm(
            pixels + chunk.lowerBound * k, k, chunk.count, weights, n, k,
            out.assumingMemoryBound(to: Int32.self), n)
          bnn_int32_to_float(out, chunk.count * n, 0, 1)
        }
      }
    }
    return true
  }
}
