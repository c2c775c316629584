import BinaryNet

/// One binary weight layer and its BatchNorm:
///
///     z = unfold(x) W_b^T   ->   (2x2 max pooling)   ->   y = BN(z)
///
/// where `W_b = sign(W)` of the latent weights `W` (`[N][K]`, rows in the window's
/// `(ky, kx, channel)` order, clipped to [-1, 1]) and `unfold` is im2col over the NHWC
/// input (identity for dense layers, see `LayerGeometry`). The first layer reads raw
/// pixels: its padding is pixel 0 and its BatchNorm sees `z * BinaryNetwork.inputScale`;
/// the others read ±1 activations padded with +1 (bit 0 in the engine).
public final class BinaryLayer {
  public let geometry: LayerGeometry
  public let readsPixels: Bool
  /// Latent float weights, row-major `[outputCount][dotLength]`.
  public let latent: Matrix
  /// `sign(latent)`, refreshed by `refreshBinaryWeights` (and by every Adam step).
  public let binary: Matrix
  public var batchNorm: BatchNorm

  public init(geometry: LayerGeometry, readsPixels: Bool, batchNorm: BatchNorm) {
    self.geometry = geometry
    self.readsPixels = readsPixels
    latent = Matrix(rows: geometry.outputChannels, cols: geometry.dotLength)
    binary = Matrix(rows: geometry.outputChannels, cols: geometry.dotLength)
    self.batchNorm = batchNorm
  }

  /// Elements of one input (image or activation tensor).
  public var inputCount: Int { geometry.input.elementCount }
  /// Output channels (neurons of a dense layer): the BatchNorm's features.
  public var outputCount: Int { geometry.outputChannels }
  /// The value that padding positions read.
  var padValue: Float { readsPixels ? 0 : 1 }

  public func refreshBinaryWeights(threads: Int) {
    binarize(latent.data, into: binary.data, count: latent.count, threads: threads)
  }

  /// Floats of im2col scratch that `convolve` and `backward` need.
  var scratchCount: Int {
    geometry.isDense
      ? 0 : geometry.imagesPerUnfold * geometry.convolutionPixels * geometry.dotLength
  }

  /// The convolution of `images` inputs `x` (NHWC, `inputCount` floats each):
  /// `z = unfold(x) W_b^T`, `[images * convolutionPixels][outputCount]` (NHWC again).
  /// Unfolds `imagesPerUnfold` images at a time into `scratch`.
  func convolve(
    _ x: UnsafePointer<Float>, images: Int, into z: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, gemm: GEMM
  ) {
    // ±1 inputs and weights: the same values through XOR-popcount (BinaryForward.swift).
    if hasBinaryForward && convolveBinary(x, images: images, into: z, threads: gemm.threads) { return }
    // Pixels: straight on the image, exactly the same values (PixelConvolution.swift).
    if hasPixelConvolution {
      convolvePixels(x, images: images, into: z, threads: gemm.threads)
      return
    }
    // Pixels of a dense layer: the engine's int8 product, exactly the same values (PixelDense.swift).
    if hasPixelBytesForward && multiplyPixelBytes(x, images: images, into: z, threads: gemm.threads) { return }
    let (n, k) = (outputCount, geometry.dotLength)
    guard !geometry.isDense else {
      gemm.multiply(
        transA: false, transB: true, m: images, n: n, k: k, a: x, lda: k, b: binary.data, ldb: k,
        c: z, ldc: n)
      return
    }
    let pixels = geometry.convolutionPixels
    let window = geometry.cWindow
    for start in stride(from: 0, to: images, by: geometry.imagesPerUnfold) {
      let count = min(geometry.imagesPerUnfold, images - start)
      Unfolding.unfold(
        x + start * inputCount, images: count, window: window, padValue: padValue,
        into: scratch, threads: gemm.threads)
      gemm.multiply(
        transA: false, transB: true, m: count * pixels, n: n, k: k, a: scratch, lda: k,
        b: binary.data, ldb: k, c: z + start * pixels * n, ldc: n)
    }
  }

  /// `pool(convolve(x))` of a pooled convolution into `pooled`, with the winners: fused
  /// (`convolveBinary`) when the binary forward applies, else through `convolution` (room
  /// for the unpooled result) and `MaxPooling.forward`. The same values either way.
  func convolveAndPool(
    _ x: UnsafePointer<Float>, images: Int, into pooled: UnsafeMutablePointer<Float>,
    winners: UnsafeMutablePointer<UInt8>, convolution: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, gemm: GEMM
  ) {
    precondition(geometry.pool)
    if hasBinaryForward
      && convolveBinary(x, images: images, into: pooled, poolWinners: winners, threads: gemm.threads)
    {
      return
    }
    convolve(x, images: images, into: convolution, scratch: scratch, gemm: gemm)
    MaxPooling.forward(
      convolution, images: images, shape: geometry.convolution, into: pooled, winners: winners,
      threads: gemm.threads)
  }

  /// Backward of `convolve` for the gradient `dz` (same shape as `z`):
  ///
  ///     dW = alpha * dz^T unfold(x)          dx = fold(dz W_b)   (if `inputGradient`)
  ///
  /// `fold` (col2im) adds each unfolded element's gradient back onto its input position.
  /// The straight-through estimator uses `dW` for the latent weights. Unfolded blocks are
  /// summed into `dW` in a fixed order. With `int8`, the products with a ±1 operand run in
  /// int8 (`Int8Gradients`; the first layer's `dW` reads pixels and stays float32).
  func backward(
    _ dz: UnsafePointer<Float>, input x: UnsafePointer<Float>, images: Int,
    weightGradient: Matrix, alpha: Float, inputGradient dx: UnsafeMutablePointer<Float>?,
    scratch: UnsafeMutablePointer<Float>, gemm: GEMM, int8: Int8Gradients? = nil
  ) {
    let (n, k) = (outputCount, geometry.dotLength)
    // int8 products need a ±1 operand: the weights always, the input unless it is pixels.
    let int8Weights = readsPixels ? nil : int8
    guard !geometry.isDense else {
      if let int8Weights {
        int8Weights.weightGradient(
          dz, rows: images, n: n, x: x, k: k, alpha: alpha, into: weightGradient.data,
          accumulate: false, threads: gemm.threads)
      } else {
        gemm.multiply(
          transA: true, transB: false, m: n, n: k, k: images, alpha: alpha, a: dz, lda: n, b: x,
          ldb: k, c: weightGradient.data, ldc: k)
      }
      if let dx {
        if let int8 {
          int8.packWeights(binary.data, n: n, k: k, threads: gemm.threads)
          int8.inputGradient(dz, rows: images, into: dx, threads: gemm.threads)
        } else {
          gemm.multiply(
            transA: false, transB: false, m: images, n: k, k: n, a: dz, lda: n, b: binary.data,
            ldb: k, c: dx, ldc: k)
        }
      }
      return
    }
    let pixels = geometry.convolutionPixels
    let window = geometry.cWindow
    let direct = hasPixelConvolution
    if direct {
      pixelWeightGradient(
        dz, input: x, images: images, alpha: alpha, into: weightGradient.data,
        threads: gemm.threads)
      if dx == nil { return }
    }
    if let int8, dx != nil { int8.packWeights(binary.data, n: n, k: k, threads: gemm.threads) }
    for start in stride(from: 0, to: images, by: geometry.imagesPerUnfold) {
      let count = min(geometry.imagesPerUnfold, images - start)
      let rows = count * pixels
      let dzBlock = dz + start * pixels * n
      if !direct {  // (a pixel convolution's dW is done above)
        if let int8Weights {
          int8Weights.weightGradient(
            dzBlock, rows: rows, n: n, windowsOf: x + start * inputCount, window: window,
            padValue: padValue, alpha: alpha, into: weightGradient.data, accumulate: start != 0,
            threads: gemm.threads)
        } else {
          Unfolding.unfold(
            x + start * inputCount, images: count, window: window, padValue: padValue,
            into: scratch, threads: gemm.threads)
          gemm.multiply(
            transA: true, transB: false, m: n, n: k, k: rows, alpha: alpha, a: dzBlock, lda: n,
            b: scratch, ldb: k, beta: start == 0 ? 0 : 1, c: weightGradient.data, ldc: k)
        }
      }
      if let dx {
        if let int8 {
          int8.inputGradient(dzBlock, rows: rows, into: scratch, threads: gemm.threads)
        } else {
          gemm.multiply(
            transA: false, transB: false, m: rows, n: k, k: n, a: dzBlock, lda: n,
            b: binary.data, ldb: k, c: scratch, ldc: k)
        }
        Unfolding.fold(
          scratch, images: count, window: window, into: dx + start * inputCount,
          threads: gemm.threads)
      }
    }
  }
}
