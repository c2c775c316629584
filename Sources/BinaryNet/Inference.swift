import CPopcount

/// Scratch memory for running a model on up to `batchCapacity` images at once.
///
/// Allocated once; classifying in the steady state allocates nothing. A workspace is
/// used by one thread at a time; give each thread its own (the `Model` is shared).
public final class InferenceWorkspace {
  public let batchCapacity: Int
  let pixelWords: Int
  let activationWords: Int
  let classCount: Int
  /// 8 bit-planes per image.
  let planes: UnsafeMutablePointer<UInt64>
  /// Two ping-pong activation buffers, `batchCapacity` rows of `activationWords` each.
  let front: UnsafeMutablePointer<UInt64>
  let back: UnsafeMutablePointer<UInt64>
  let dots: UnsafeMutablePointer<Int32>
  /// Gathered receptive fields of one image (convolutions only).
  let patches: UnsafeMutablePointer<UInt64>
  /// Class scores of the last run: row `i` holds image `i`'s `classCount` scores.
  public let scores: UnsafeMutablePointer<Float>

  public init(model: Model, batchCapacity: Int = 1) {
    precondition(batchCapacity >= 1, "batchCapacity must be at least 1")
    self.batchCapacity = batchCapacity
    self.pixelWords = BitPacking.words(forBits: model.input.pixelCount)
    self.activationWords = max(model.maxActivationWords, 1)
    self.classCount = model.classCount
    planes = .allocate(capacity: batchCapacity * 8 * pixelWords)
    front = .allocate(capacity: batchCapacity * activationWords)
    back = .allocate(capacity: batchCapacity * activationWords)
    dots = .allocate(capacity: batchCapacity * classCount)
    patches = .allocate(capacity: max(model.maxPatchWords, 1))
    scores = .allocate(capacity: batchCapacity * classCount)
    // Zero everything once: profiling runs layers on whatever the buffers hold.
    planes.initialize(repeating: 0, count: batchCapacity * 8 * pixelWords)
    front.initialize(repeating: 0, count: batchCapacity * activationWords)
    back.initialize(repeating: 0, count: batchCapacity * activationWords)
    dots.initialize(repeating: 0, count: batchCapacity * classCount)
    patches.initialize(repeating: 0, count: max(model.maxPatchWords, 1))
    scores.initialize(repeating: 0, count: batchCapacity * classCount)
  }

  deinit {
    planes.deallocate()
    front.deallocate()
    back.deallocate()
    dots.deallocate()
    patches.deallocate()
    scores.deallocate()
  }

  /// The scores of image `index` of the last run.
  public func scores(ofImage index: Int) -> UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: scores + index * classCount, count: classCount)
  }
}

/// A prediction: the winning class and every class score.
public struct Classification: Sendable, Equatable {
  public var label: Int
  public var scores: [Float]
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
    precondition(
      workspace.classCount == classCount && workspace.activationWords >= maxActivationWords,
      "workspace belongs to another model")
    if count == 0 { return }
    let pixelCount = input.pixelCount
    let pixelWords = workspace.pixelWords
    let planeStride = 8 * pixelWords
    if plans[0].kind == .pixelDense || plans[0].kind == .pixelOutput {
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
      for plan in plans {
        runLayer(
          plan, count: imagesPerPass, pixels: pixels.baseAddress! + first * pixelCount, source: source,
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
    _ plan: LayerPlan, count: Int, pixels: UnsafePointer<UInt8>, source: UnsafeMutablePointer<UInt64>,
    target: UnsafeMutablePointer<UInt64>, firstImage: Int = 0, workspace: InferenceWorkspace
  ) {
    let k = kernels.pointee
    let stride = workspace.activationWords
    let planeStride = 8 * workspace.pixelWords
    let planes = workspace.planes + firstImage * planeStride
    let thresholds = plan.paramA.assumingMemoryBound(to: Int32.self)
    let flip = plan.paramB.assumingMemoryBound(to: UInt64.self)
    switch plan.kind {
    case .pixelDense:
      k.bitplane_threshold(
        planes, planeStride, count, plan.weights, plan.rowWords, plan.outputs,
        plan.rowWords, thresholds, flip, target, stride)
    case .binaryDense:
      k.xor_popcount_threshold(
        source, stride, count, plan.weights, plan.rowWords, plan.outputs, plan.rowWords,
        Int32(plan.dotLength), thresholds, flip, target, stride)
    case .pixelOutput:
      k.bitplane_gemm(
        planes, planeStride, count, plan.weights, plan.rowWords, plan.outputs,
        plan.rowWords, workspace.dots, plan.outputs)
      applyAffine(plan, count: count, isPopcount: false, firstRow: firstImage, workspace: workspace)
    case .binaryOutput:
      k.xor_popcount_gemm(
        source, stride, count, plan.weights, plan.rowWords, plan.outputs, plan.rowWords,
        workspace.dots, plan.outputs)
      applyAffine(plan, count: count, isPopcount: true, firstRow: firstImage, workspace: workspace)
    case .pixelConv, .binaryConv:
      // One image at a time: gather receptive fields, then one block call with
      // rows = output pixels and columns = output channels.
      let g = plan.geometry
      let inH = plan.inputShape.height
      let inW = plan.inputShape.width
      let outH = plan.outputShape.height
      let outW = plan.outputShape.width
      let padTop = g.leadingPad(input: inH, kernel: g.kernelHeight)
      let padLeft = g.leadingPad(input: inW, kernel: g.kernelWidth)
      let outStride = plan.outputShape.wordsPerPixel
      for i in 0..<count {
        if plan.usesDirectPixelConvolution {
          k.pixel_conv_threshold(
            pixels + i * input.pixelCount, inH, inW, plan.inputShape.channels, g.kernelHeight, g.kernelWidth,
            g.stride, padTop, padLeft, outH, outW, plan.weights, plan.rowWords, plan.outputs, thresholds, flip,
            target + i * stride, outStride,
            UnsafeMutableRawPointer(workspace.patches).assumingMemoryBound(to: Int32.self))
        } else if plan.kind == .pixelConv {
          let rowStride = 8 * plan.rowWords
          bnn_im2col_bitplanes(
            pixels + i * input.pixelCount, inH, inW, plan.inputShape.channels, g.kernelHeight, g.kernelWidth,
            g.stride, padTop, padLeft, outH, outW, workspace.patches, plan.rowWords, rowStride)
          k.bitplane_threshold(
            workspace.patches, rowStride, outH * outW, plan.weights, plan.rowWords, plan.outputs,
            plan.rowWords, thresholds, flip, target + i * stride, outStride)
        } else {
          bnn_im2col_bits(
            source + i * stride, inH, inW, plan.inputShape.wordsPerPixel, g.kernelHeight, g.kernelWidth,
            g.stride, padTop, padLeft, outH, outW, workspace.patches, plan.rowWords)
          k.xor_popcount_threshold(
            workspace.patches, plan.rowWords, outH * outW, plan.weights, plan.rowWords, plan.outputs,
            plan.rowWords, Int32(plan.dotLength), thresholds, flip, target + i * stride, outStride)
        }
      }
    case .maxPool:
      // The OR mask is stored where threshold layers keep their flip bits.
      for i in 0..<count {
        bnn_pool2x2_bits(
          source + i * stride, plan.inputShape.height, plan.inputShape.width, plan.inputShape.wordsPerPixel,
          flip, target + i * stride)
      }
    }
  }

  /// `score_j = scale_j * z_j + bias_j` with `z = K - 2p` (popcount input) or `z = dot`.
  /// Scores of `count` rows, written to score rows `firstRow ..< firstRow + count`.
  private func applyAffine(
    _ plan: LayerPlan, count: Int, isPopcount: Bool, firstRow: Int, workspace: InferenceWorkspace
  ) {
    let scale = plan.paramA.assumingMemoryBound(to: Float.self)
    let bias = plan.paramB.assumingMemoryBound(to: Float.self)
    let k = Int32(plan.dotLength)
    for i in 0..<count {
      for j in 0..<plan.outputs {
        let raw = workspace.dots[i * plan.outputs + j]
        let z = isPopcount ? k - 2 * raw : raw
        let product = scale[j] * Float(z)
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
