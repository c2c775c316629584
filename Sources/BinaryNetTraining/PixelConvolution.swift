import BinaryNet
import CFloatKernels

/// The first convolution straight on its pixels, with no unfolded matrix
/// (`bnn_pixel_conv_forward`, `bnn_pixel_conv_weight_gradient`):
///
///     z = unfold(x) W_b^T               dW = alpha * dz^T unfold(x)
///
/// summed over the window's in-bounds positions only (padding is pixel 0) and skipping
/// zero pixels. The pixels are integers in 0...255 and the weights ±1, so every partial
/// sum of `z` is an integer below 2^24 and the forward result is exactly that of im2col +
/// SGEMM. `dW` adds the rows of each of a fixed partition of the batch in order, and the
/// blocks in order: the same bytes for any thread count.
extension BinaryLayer {
  /// A layer on pixels whose forward sums stay exact in Float: 255 K < 2^24 (every partial
  /// sum of pixels 0...255 times ±1 weights is an integer below 2^24).
  var hasExactPixelSums: Bool { readsPixels && geometry.dotLength * 255 < 1 << 24 }

  /// A convolution on pixels whose sums stay exact in Float.
  var hasPixelConvolution: Bool { hasExactPixelSums && !geometry.isDense }

  /// Blocks of images whose weight-gradient sums are added in order: a function of the
  /// batch size only.
  static func pixelGradientBlocks(images: Int) -> Int { min(images, 32) }

  /// `W_b` transposed: `[dotLength][outputCount]`.
  private func transposedBinaryWeights() -> [Float] {
    let (n, k) = (outputCount, geometry.dotLength)
    var transposed = [Float](repeating: 0, count: n * k)
    for j in 0..<n {
      for t in 0..<k { transposed[t * n + j] = binary.data[j * k + t] }
    }
    return transposed
  }

  /// `z` of `images` pixel images `x` (NHWC), `[images * convolutionPixels][outputCount]`.
  func convolvePixels(
    _ x: UnsafePointer<Float>, images: Int, into z: UnsafeMutablePointer<Float>, threads: Int
  ) {
    let n = outputCount
    let (inputCount, pixels) = (self.inputCount, geometry.convolutionPixels)
    let window = geometry.cWindow
    let weights = transposedBinaryWeights()
    weights.withUnsafeBufferPointer { w in
      let p = UncheckedSendable(w.baseAddress!)
      Parallel.forEachChunk(count: images, threads: threads) { range in
        var window = window
        bnn_pixel_conv_forward(
          x + range.lowerBound * inputCount, range.count, &window, p.value, n,
          z + range.lowerBound * pixels * n)
      }
    }
  }

  /// `dW = alpha * dz^T unfold(x)` into `weightGradient` (`[outputCount][dotLength]`).
  func pixelWeightGradient(
    _ dz: UnsafePointer<Float>, input x: UnsafePointer<Float>, images: Int, alpha: Float,
    into weightGradient: UnsafeMutablePointer<Float>, threads: Int
  ) {
    let (n, k) = (outputCount, geometry.dotLength)
    let (inputCount, pixels) = (self.inputCount, geometry.convolutionPixels)
    let window = geometry.cWindow
    let blocks = Self.pixelGradientBlocks(images: images)
    guard blocks > 0 else {
      weightGradient.update(repeating: 0, count: n * k)
      return
    }
    var partial = [Float](repeating: 0, count: blocks * k * n)
    partial.withUnsafeMutableBufferPointer { buffer in
      let p = UncheckedSendable(buffer.baseAddress!)
      Parallel.forEachChunk(count: blocks, threads: threads) { range in
        var window = window
        for block in range {
          let first = images * block / blocks
          let count = images * (block + 1) / blocks - first
          bnn_pixel_conv_weight_gradient(
            x + first * inputCount, count, &window, dz + first * pixels * n, n,
            p.value + block * k * n)
        }
      }
    }
    for t in 0..<k {
      for j in 0..<n {
        var sum: Float = 0
        for block in 0..<blocks { sum += partial[(block * k + t) * n + j] }
        weightGradient[j * k + t] = alpha * sum
      }
    }
  }
}
