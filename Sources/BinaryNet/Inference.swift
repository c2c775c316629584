import CPopcount

/// Scratch memory for running one model on up to `batchCapacity` images at once.
///
/// Made by `Model.makeWorkspace(batchCapacity:)` (or `init(model:batchCapacity:)`) and
/// sized for that model; every entry point checks all its sizes against the model it is
/// given, so a workspace of another model is refused, never overrun. Allocated once;
/// classifying in the steady state allocates nothing. A workspace is used by one thread
/// at a time; give each thread its own (the `Model` is shared).
///
/// With `threads > 1` the workspace owns a persistent pool of `threads - 1` worker threads
/// that share each large layer of an image with the calling thread (output rows or
/// groups of 64 outputs; `LayerPlan.parallelMinimumMACs`), for batch-1 latency on several
/// cores. Results are bit-identical to one thread. Builds without threads (Embedded
/// Swift: microcontrollers, WebAssembly) run on the calling thread whatever `threads` is.
public final class InferenceWorkspace {
  public let batchCapacity: Int
  /// Threads that run one image's layers: 1, or the pool's size.
  public let threads: Int
  /// The worker pool (`bnn_pool`), nil for one thread.
  let pool: OpaquePointer?
  let pixelWords: Int
  let activationWords: Int
  let patchCapacity: Int
  let classCount: Int
  /// 8 bit-planes per image.
  let planes: UnsafeMutablePointer<UInt64>
  /// Two ping-pong activation buffers, `batchCapacity` rows of `activationWords` each.
  let front: UnsafeMutablePointer<UInt64>
  let back: UnsafeMutablePointer<UInt64>
  let dots: UnsafeMutablePointer<Int32>
  /// Gathered receptive fields of one image (convolutions only): `patchCapacity` words,
  /// times `threads` so each thread of a pool has its own direct-convolution scratch.
  let patches: UnsafeMutablePointer<UInt64>
  /// Class scores of the last run: row `i` holds image `i`'s `classCount` scores.
  let scores: UnsafeMutablePointer<Float>

  public init(model: Model, batchCapacity: Int = 1, threads: Int = 1) {
    precondition(batchCapacity >= 1, "batchCapacity must be at least 1")
    precondition(threads >= 1, "threads must be at least 1")
    self.batchCapacity = batchCapacity
    #if hasFeature(Embedded)
      pool = nil
      self.threads = 1
    #else
      pool = threads > 1 ? bnn_pool_create(threads) : nil
      self.threads = bnn_pool_threads(pool)
    #endif
    self.pixelWords = BitPacking.words(forBits: model.input.pixelCount)
    self.activationWords = max(model.maxActivationWords, 1)
    self.patchCapacity = max(model.maxPatchWords, 1)
    self.classCount = model.classCount
    planes = InferenceWorkspace.zeroed(batchCapacity * 8 * pixelWords, 0)
    front = InferenceWorkspace.zeroed(batchCapacity * activationWords, 0)
    back = InferenceWorkspace.zeroed(batchCapacity * activationWords, 0)
    dots = InferenceWorkspace.zeroed(batchCapacity * classCount, 0)
    patches = InferenceWorkspace.zeroed(patchCapacity * self.threads, 0)
    scores = InferenceWorkspace.zeroed(batchCapacity * classCount, 0)
  }

  /// `count` elements set to `zero` once: profiling runs layers on whatever the buffers hold.
  private static func zeroed<T>(_ count: Int, _ zero: T) -> UnsafeMutablePointer<T> {
    let buffer = UnsafeMutablePointer<T>.allocate(capacity: count)
    buffer.initialize(repeating: zero, count: count)
    return buffer
  }

  deinit {
    #if !hasFeature(Embedded)
      bnn_pool_destroy(pool)
    #endif
    planes.deallocate()
    front.deallocate()
    back.deallocate()
    dots.deallocate()
    patches.deallocate()
    scores.deallocate()
  }

  /// The scores of image `index` of the last run (valid until the next run).
  public func scores(ofImage index: Int) -> UnsafeBufferPointer<Float> {
    precondition(index >= 0 && index < batchCapacity, "image index outside the workspace")
    return UnsafeBufferPointer(start: scores + index * classCount, count: classCount)
  }

  /// Whether every buffer is large enough for `model`.
  func fits(_ model: Model) -> Bool {
    pixelWords == BitPacking.words(forBits: model.input.pixelCount) && activationWords >= model.maxActivationWords
      && patchCapacity >= model.maxPatchWords && classCount == model.classCount
  }
}

extension Model {
  /// A workspace for running this model on up to `batchCapacity` images at once, each
  /// image's large layers shared by `threads` threads.
  public func makeWorkspace(batchCapacity: Int = 1, threads: Int = 1) -> InferenceWorkspace {
    InferenceWorkspace(model: self, batchCapacity: batchCapacity, threads: threads)
  }

  func checkWorkspace(_ workspace: InferenceWorkspace) throws(ModelError) {
    guard workspace.fits(self) else {
      throw .invalidArgument("the inference workspace was made for another model")
    }
  }
}

extension Model {
  /// Runs `count` images (HWC 8-bit pixels, `input.pixelCount` bytes each, back to back)
  /// through the network; their scores land in `workspace.scores`.
  ///
  /// Precondition: `count <= workspace.batchCapacity`, the workspace was made for this
  /// model and `pixels` holds `count` whole images (the checked entry points test these).
  public func computeScores(
    _ pixels: UnsafeBufferPointer<UInt8>, count: Int, workspace: InferenceWorkspace
  ) {
    precondition(count >= 0 && count <= workspace.batchCapacity, "batch larger than the workspace")
    precondition(pixels.count >= count * input.pixelCount, "pixel buffer too small")
    precondition(workspace.fits(self), "the inference workspace was made for another model")
    if count == 0 { return }
    let pixelCount = input.pixelCount
    let pixelWords = workspace.pixelWords
    let planeStride = 8 * pixelWords
    if (plans[0].kind == .pixelDense && int8FirstLayer == nil) || plans[0].kind == .pixelOutput {
      for i in 0..<count {
        kernels.pointee.pack_bitplanes(
          pixels.baseAddress! + i * pixelCount, pixelCount, workspace.planes + i * planeStride, pixelWords)
      }
    }
    // Dense networks run layer by layer over the whole batch (one block call per layer).
    // Convolutional ones already make one block call per image and layer, and their
    // activations are large: running each image through all layers keeps them in cache.
    let imagesPerPass = hasConvolutions ? 1 : count
    var first = 0
    while first < count {
      var source = workspace.front
      var target = workspace.back
      for index in plans.indices {
        runLayer(
          index, count: imagesPerPass, pixels: pixels.baseAddress! + first * pixelCount, source: source,
          target: target, firstImage: first, workspace: workspace)
        swap(&source, &target)
      }
      first += imagesPerPass
    }
  }

  /// One layer over `count` images starting at image `firstImage` of the batch: packed
  /// bits in `source` (or the bit-planes / `pixels` for pixel layers), packed bits to
  /// `target` or scores to `workspace.scores`.
  func runLayer(
    _ index: Int, count: Int, pixels: UnsafePointer<UInt8>, source: UnsafeMutablePointer<UInt64>,
    target: UnsafeMutablePointer<UInt64>, firstImage: Int = 0, workspace: InferenceWorkspace
  ) {
    let plan = plans[index]
    let k = kernels.pointee
    let stride = workspace.activationWords
    let planeStride = 8 * workspace.pixelWords
    let planes = workspace.planes + firstImage * planeStride
    switch (plan.kind, plan.operation) {
    case (.pixelDense, .threshold(let weights, let thresholds, let flip, _)):
      #if !hasFeature(Embedded)  // no int8 forms there (Model.expandFirstLayer)
        if let int8Weights = int8FirstLayer, let int8Dense = k.int8_dense_threshold {
          if let pool = workspace.pool(for: plan, rows: count) {
            bnn_parallel_int8_dense_threshold(
              pool, kernels, pixels, input.pixelCount, count, int8Weights, plan.outputs, plan.dotLength, thresholds,
              flip, target, stride)
          } else {
            int8Dense(
              pixels, input.pixelCount, count, int8Weights, plan.outputs, plan.dotLength, thresholds, flip, target,
              stride)
          }
          break
        }
      #endif
      #if !hasFeature(Embedded)
        if let pool = workspace.pool(for: plan, rows: count) {
          bnn_parallel_bitplane_threshold(
            pool, kernels, planes, planeStride, count, weights, plan.rowWords, plan.outputs, plan.rowWords,
            thresholds, flip, target, stride)
          break
        }
      #endif
      k.bitplane_threshold(
        planes, planeStride, count, weights, plan.rowWords, plan.outputs, plan.rowWords, thresholds, flip, target,
        stride)
    case (.binaryDense, .threshold(let weights, let thresholds, let flip, _)):
      #if !hasFeature(Embedded)
        if let pool = workspace.pool(for: plan, rows: count) {
          bnn_parallel_xor_popcount_threshold(
            pool, kernels, source, stride, count, weights, plan.rowWords, plan.outputs, plan.rowWords,
            Int32(plan.dotLength), thresholds, flip, target, stride)
          break
        }
      #endif
      k.xor_popcount_threshold(
        source, stride, count, weights, plan.rowWords, plan.outputs, plan.rowWords, Int32(plan.dotLength),
        thresholds, flip, target, stride)
    case (.pixelOutput, .scores(let weights, let scale, let bias)):
      k.bitplane_gemm(
        planes, planeStride, count, weights, plan.rowWords, plan.outputs, plan.rowWords, workspace.dots,
        plan.outputs)
      applyAffine(plan, scale: scale, bias: bias, count: count, isPopcount: false, firstRow: firstImage, workspace)
    case (.binaryOutput, .scores(let weights, let scale, let bias)):
      k.xor_popcount_gemm(
        source, stride, count, weights, plan.rowWords, plan.outputs, plan.rowWords, workspace.dots, plan.outputs)
      applyAffine(plan, scale: scale, bias: bias, count: count, isPopcount: true, firstRow: firstImage, workspace)
    #if !BNN_DENSE_ONLY
      case (.pixelConv, .threshold(let weights, let thresholds, let flip, let border)):
        for i in 0..<count {
          let image = pixels + i * input.pixelCount
          runPixelConvolution(
            plan, weights, thresholds, flip, pixels: image, target: target + i * stride, workspace: workspace)
          fixConvolutionBorder(plan, border, bits: nil, pixels: image, target: target + i * stride, weights, flip)
        }
      case (.pixelSign, .threshold(_, let thresholds, let flip, _)):
        let flat = plan.outputShape != plan.inputShape
        for i in 0..<count {
          bnn_pixel_sign(
            pixels + i * input.pixelCount, plan.inputShape.height * plan.inputShape.width, plan.inputShape.channels,
            thresholds, flip, flat ? 1 : 0, target + i * stride)
        }
      case (.binaryConv, .threshold(let weights, let thresholds, let flip, let border)):
        // One image at a time, rows = output pixels and columns = output channels.
        let w = ConvolutionWindow(plan)
        let wpp = plan.inputShape.wordsPerPixel
        let channels = plan.inputShape.channels
        var packed: UnsafePointer<UInt32>? = nil
        #if !hasFeature(Embedded)
          packed = UnsafePointer(packedConvolutionWeights[index])
        #endif
        for i in 0..<count {
          #if !hasFeature(Embedded)
            if let pool = workspace.pool(for: plan, rows: 1) {
              bnn_parallel_binary_conv(
                pool, kernels, source + i * stride, w.inH, w.inW, wpp, channels, w.kh, w.kw, w.stride, w.padTop,
                w.padLeft, w.outH, w.outW, weights, plan.rowWords, packed, plan.outputs, Int32(plan.dotLength),
                thresholds, flip, target + i * stride, plan.outputShape.wordsPerPixel, workspace.patches,
                workspace.patchCapacity)
              fixConvolutionBorder(
                plan, border, bits: source + i * stride, pixels: nil, target: target + i * stride, weights, flip)
              continue
            }
          #endif
          k.binary_conv_threshold(
            source + i * stride, w.inH, w.inW, wpp, channels, w.kh, w.kw, w.stride, w.padTop, w.padLeft, w.outH,
            w.outW, weights, plan.rowWords, packed, plan.outputs, Int32(plan.dotLength), thresholds, flip,
            target + i * stride, plan.outputShape.wordsPerPixel, workspace.patches)
          fixConvolutionBorder(
            plan, border, bits: source + i * stride, pixels: nil, target: target + i * stride, weights, flip)
        }
      case (.maxPool, .pool(let orMask)):
        for i in 0..<count {
          bnn_pool2x2_bits(
            source + i * stride, plan.inputShape.height, plan.inputShape.width, plan.inputShape.wordsPerPixel, orMask,
            target + i * stride)
        }
    #endif
    default:
      // LayerPlan.init pairs them; a dense-only build (BNN_DENSE_ONLY: the minimal
      // firmware) has refused every other kind when it loaded the model.
      preconditionFailure("layer plan does not match its kind")
    }
  }

  /// Re-thresholds the border pixels of one image's convolution (on `bits` or `pixels`)
  /// with their border classes' thresholds; nothing when the layer has none.
  private func fixConvolutionBorder(
    _ plan: LayerPlan, _ border: UnsafePointer<Int32>?, bits: UnsafeMutablePointer<UInt64>?,
    pixels: UnsafePointer<UInt8>?, target: UnsafeMutablePointer<UInt64>, _ weights: UnsafePointer<UInt64>,
    _ flip: UnsafePointer<UInt64>
  ) {
    guard let border else { return }
    let w = ConvolutionWindow(plan)
    let classes = plan.border
    let c = bits == nil ? plan.inputShape.channels : plan.inputShape.wordsPerPixel
    bnn_conv_border_threshold(
      bits, pixels, w.inH, w.inW, c, w.kh, w.kw, w.stride, w.padTop, w.padLeft, w.outH, w.outW, weights, plan.rowWords,
      plan.outputs, Int32(plan.dotLength), classes.rows.cValue, classes.columns.cValue, border, flip, target,
      plan.outputShape.wordsPerPixel)
  }

  /// The first-layer convolution of one image: on the raw bytes for small receptive
  /// fields, else gathered onto bit-planes and run by the bit-plane kernel.
  private func runPixelConvolution(
    _ plan: LayerPlan, _ weights: UnsafePointer<UInt64>, _ thresholds: UnsafePointer<Int32>,
    _ flip: UnsafePointer<UInt64>, pixels: UnsafePointer<UInt8>, target: UnsafeMutablePointer<UInt64>,
    workspace: InferenceWorkspace
  ) {
    let w = ConvolutionWindow(plan)
    let channels = plan.inputShape.channels
    let outStride = plan.outputShape.wordsPerPixel
    #if !hasFeature(Embedded)
      if let pool = workspace.pool(for: plan, rows: 1) {
        bnn_parallel_pixel_conv(
          pool, kernels, plan.usesDirectPixelConvolution ? 1 : 0, pixels, w.inH, w.inW, channels, w.kh, w.kw,
          w.stride, w.padTop, w.padLeft, w.outH, w.outW, weights, plan.rowWords, plan.outputs, thresholds, flip,
          target, outStride, workspace.patches,
          UnsafeMutableRawPointer(workspace.patches).assumingMemoryBound(to: Int32.self),
          2 * workspace.patchCapacity)
        return
      }
    #endif
    if plan.usesDirectPixelConvolution {
      kernels.pointee.pixel_conv_threshold(
        pixels, w.inH, w.inW, channels, w.kh, w.kw, w.stride, w.padTop, w.padLeft, w.outH, w.outW, weights,
        plan.rowWords, plan.outputs, thresholds, flip, target, outStride,
        UnsafeMutableRawPointer(workspace.patches).assumingMemoryBound(to: Int32.self))
    } else {
      let rowStride = 8 * plan.rowWords
      bnn_im2col_bitplanes(
        pixels, w.inH, w.inW, channels, w.kh, w.kw, w.stride, w.padTop, w.padLeft, w.outH, w.outW,
        workspace.patches, plan.rowWords, rowStride)
      kernels.pointee.bitplane_threshold(
        workspace.patches, rowStride, w.outH * w.outW, weights, plan.rowWords, plan.outputs, plan.rowWords,
        thresholds, flip, target, outStride)
    }
  }

  /// `score_j = scale_j * z_j + bias_j` with `z = K - 2p` (popcount input) or `z = dot`.
  /// Scores of `count` rows, written to score rows `firstRow ..< firstRow + count`.
  private func applyAffine(
    _ plan: LayerPlan, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, count: Int, isPopcount: Bool,
    firstRow: Int, _ workspace: InferenceWorkspace
  ) {
    let k = Int32(plan.dotLength)
    for i in 0..<count {
      for j in 0..<plan.outputs {
        let raw = workspace.dots[i * plan.outputs + j]
        let z = isPopcount ? k - 2 * raw : raw
        // Float(Int): a native-width conversion (exact: |z| < 2^24). Float(Int32) converts
        // through Int64, which on 32-bit soft-float cores is a 4 KB libgcc routine.
        let product = scale[j] * Float(Int(z))
        workspace.scores[(firstRow + i) * plan.outputs + j] = product + bias[j]
      }
    }
  }

  /// Index of the highest score (the lowest index wins ties).
  @inlinable
  public static func argmax(_ scores: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    for j in 1..<scores.count where scores[j] > scores[best] { best = j }
    return best
  }

  /// Classifies one image (`input.pixelCount` bytes, HWC). Allocates nothing beyond
  /// what `workspace` holds; returns the class index. Scores are in `workspace.scores`.
  public func classify(
    _ pixels: UnsafeBufferPointer<UInt8>, workspace: InferenceWorkspace
  ) throws(ModelError) -> Int {
    try checkImageSize(pixels.count, images: 1)
    try checkWorkspace(workspace)
    computeScores(pixels, count: 1, workspace: workspace)
    return Model.argmax(workspace.scores(ofImage: 0))
  }

  /// Classifies one image, returning its label and all scores (allocates a workspace;
  /// use `classify(_:workspace:)` in loops).
  public func classify(_ pixels: [UInt8]) throws(ModelError) -> Classification {
    let workspace = InferenceWorkspace(model: self)
    let result: Result<Int, ModelError> = pixels.withUnsafeBufferPointer { buffer in
      do throws(ModelError) { return .success(try classify(buffer, workspace: workspace)) } catch {
        return .failure(error)
      }
    }
    let label = try result.get()
    return Classification(label: label, scores: Array(workspace.scores(ofImage: 0)))
  }

  /// Predicts the class of `count` images stored back to back, in batches of the
  /// workspace's capacity, writing one label per image into `labels`.
  public func predictLabels(
    _ pixels: UnsafeBufferPointer<UInt8>, count: Int, into labels: UnsafeMutableBufferPointer<Int32>,
    workspace: InferenceWorkspace
  ) throws(ModelError) {
    try checkImageSize(pixels.count, images: count)
    try checkWorkspace(workspace)
    guard labels.count >= count else { throw .invalidArgument("label buffer is smaller than the image count") }
    var start = 0
    let size = input.pixelCount
    while start < count {
      let n = min(workspace.batchCapacity, count - start)
      let chunk = UnsafeBufferPointer(rebasing: pixels[(start * size)..<((start + n) * size)])
      computeScores(chunk, count: n, workspace: workspace)
      for i in 0..<n { labels[start + i] = Int32(Model.argmax(workspace.scores(ofImage: i))) }
      start += n
    }
  }

  /// Predicts the class of `count` images stored back to back (`count * input.pixelCount` bytes).
  public func predictLabels(_ pixels: [UInt8], count: Int, batchSize: Int = 64) throws(ModelError) -> [Int] {
    let workspace = InferenceWorkspace(model: self, batchCapacity: max(1, min(batchSize, max(count, 1))))
    var labels = [Int32](repeating: 0, count: count)
    let result: Result<Void, ModelError> = pixels.withUnsafeBufferPointer { buffer in
      labels.withUnsafeMutableBufferPointer { out in
        do throws(ModelError) {
          try predictLabels(buffer, count: count, into: out, workspace: workspace)
          return .success(())
        } catch { return .failure(error) }
      }
    }
    try result.get()
    return labels.map { Int($0) }
  }

  func checkImageSize(_ bytes: Int, images: Int) throws(ModelError) {
    let expected = images * input.pixelCount
    guard images >= 0, bytes == expected else {
      let shape = String(input.height) + "x" + String(input.width) + "x" + String(input.channels)
      throw .invalidArgument(
        "wrong image size: got " + String(bytes) + " bytes, expected " + String(expected) + " ("
          + String(images) + " image(s) of " + shape + " 8-bit pixels)")
    }
  }
}

/// A convolution's window in the form the C kernels take.
struct ConvolutionWindow {
  let inH: Int
  let inW: Int
  let kh: Int
  let kw: Int
  let stride: Int
  let padTop: Int
  let padLeft: Int
  let outH: Int
  let outW: Int

  init(_ plan: LayerPlan) {
    let g = plan.window
    inH = plan.inputShape.height
    inW = plan.inputShape.width
    kh = g.kernelHeight
    kw = g.kernelWidth
    stride = g.stride
    padTop = g.leadingPad(input: inH, kernel: kh)
    padLeft = g.leadingPad(input: inW, kernel: kw)
    outH = plan.outputShape.height
    outW = plan.outputShape.width
  }
}

#if !hasFeature(Embedded)
  extension InferenceWorkspace {
    /// The pool when `plan` on `rows` rows is worth sharing across threads, else nil.
    func pool(for plan: LayerPlan, rows: Int) -> OpaquePointer? {
      guard let pool, plan.macsPerRow * rows >= LayerPlan.parallelMinimumMACs else { return nil }
      return pool
    }
  }
#endif
