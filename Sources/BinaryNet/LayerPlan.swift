import CPopcount

/// One layer, ready to run: its validated header and typed pointers to its parameters
/// inside the model's storage.
struct LayerPlan {
  /// What a layer computes after its dot products, with its parameters.
  enum Operation {
    /// Folded BatchNorm+sign: output bit `(z_j < thresholds[j]) XOR flip_j`; at the border
    /// of a convolution with border thresholds, `border[class * outputs + j]` instead.
    case threshold(
      weights: UnsafePointer<UInt64>, thresholds: UnsafePointer<Int32>, flip: UnsafePointer<UInt64>,
      border: UnsafePointer<Int32>?)
    /// Class scores `scale[j] * Float(z_j) + bias[j]`.
    case scores(weights: UnsafePointer<UInt64>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>)
    /// 2x2 max pooling of packed bits with an OR mask.
    case pool(orMask: UnsafePointer<UInt64>)
  }

  let header: LayerHeader
  let operation: Operation

  init(layout: LayerLayout, base: UnsafeRawPointer) {
    header = layout.header
    let offsets = layout.payloadOffsets
    let weights = (base + offsets.0).assumingMemoryBound(to: UInt64.self)
    switch header.kind {
    case .pixelDense, .binaryDense, .pixelConv, .binaryConv, .pixelSign:
      operation = .threshold(
        weights: weights, thresholds: (base + offsets.1).assumingMemoryBound(to: Int32.self),
        flip: (base + offsets.2).assumingMemoryBound(to: UInt64.self),
        border: layout.borderOffset.map { (base + $0).assumingMemoryBound(to: Int32.self) })
    case .pixelOutput, .binaryOutput:
      operation = .scores(
        weights: weights, scale: (base + offsets.1).assumingMemoryBound(to: Float.self),
        bias: (base + offsets.2).assumingMemoryBound(to: Float.self))
    case .maxPool:
      operation = .pool(orMask: (base + offsets.2).assumingMemoryBound(to: UInt64.self))
    }
  }

  var kind: LayerKind { header.kind }
  var inputShape: TensorShape { header.inputShape }
  var outputShape: TensorShape { header.outputShape }
  var window: Geometry { header.window }
  /// The border classes of a convolution (meaningful when it has border thresholds).
  var border: ConvolutionBorder { ConvolutionBorder(input: header.inputShape, window: header.window) }
  var dotLength: Int { header.dotLength }
  var rowWords: Int { header.rowWords }
  /// Output channels (neurons of a dense layer).
  var outputs: Int { header.outputShape.channels }

  /// Words of this layer's packed output (threshold and pooling layers).
  var outputWords: Int { kind.producesScores ? 0 : outputShape.packedWords }

  /// Layers with fewer MACs than this in one call run on one thread even when the
  /// workspace has a pool: below it, waking the workers costs more than they save.
  static let parallelMinimumMACs = 1 << 18

  /// MACs of one row (image) of this layer: output pixels x outputs x K (pixel layers
  /// count their 8 bit-planes).
  var macsPerRow: Int {
    let pixels = kind.isConvolution ? outputShape.height * outputShape.width : 1
    return pixels * outputs * dotLength * (kind.readsPixels ? 8 : 1)
  }

  /// Pixel convolutions with a receptive field of at most this many pixels run on the
  /// raw bytes (the `pixel_conv_threshold` kernel-table entry); larger ones on bit-planes. Both are exact.
  static let directPixelConvolutionMaxK = 256

  /// Whether this pixel convolution runs on raw bytes rather than bit-planes.
  var usesDirectPixelConvolution: Bool {
    kind == .pixelConv && dotLength <= LayerPlan.directPixelConvolutionMaxK
  }

  /// Words of scratch this layer needs per image: gathered receptive fields
  /// (convolutions) or the direct pixel kernel's tables; else 0.
  var patchWords: Int {
    guard kind.isConvolution else { return 0 }
    if usesDirectPixelConvolution { return (bnn_pixel_conv_scratch_size(dotLength, outputs) + 1) / 2 }
    let rows = outputShape.height * outputShape.width
    if kind == .binaryConv { return bnn_binary_conv_scratch_words(rows, rowWords, outputs) }
    return rows * 8 * rowWords
  }
}
