/// The kind of a layer, as stored in the model file.
///
/// "Pixel" layers read the 8-bit input image on its 8 bit-planes; "binary" layers read
/// packed {-1,+1} activations. Dense and convolution layers end in BatchNorm+sign folded
/// into integer thresholds and write packed bits; "output" layers end in a float affine
/// score per class; max pooling works on the packed bits.
public enum LayerKind: UInt32, Sendable, CaseIterable {
  /// 8-bit pixels x binary weights on bit-planes -> thresholds -> packed bits.
  case pixelDense = 1
  /// Packed bits x binary weights (XOR-popcount) -> thresholds -> packed bits.
  case binaryDense = 2
  /// Packed bits x binary weights -> `score_j = scale_j * z_j + bias_j`.
  case binaryOutput = 3
  /// 8-bit pixels x binary weights -> `score_j = scale_j * z_j + bias_j` (one-layer models).
  case pixelOutput = 4
  /// 2-D convolution of the 8-bit image on bit-planes -> thresholds -> packed NHWC bits.
  case pixelConv = 5
  /// 2-D convolution of packed NHWC bits -> thresholds -> packed NHWC bits.
  case binaryConv = 6
  /// 2x2 max pooling (stride 2) of packed bits: AND per channel, OR where the pooled
  /// BatchNorm is decreasing (its `orMask` bit is 1).
  case maxPool = 7

  /// Reads raw 8-bit pixels (bit-plane kernels) rather than packed bits.
  public var readsPixels: Bool { self == .pixelDense || self == .pixelOutput || self == .pixelConv }
  /// Produces float class scores (the last layer) rather than packed bits.
  public var producesScores: Bool { self == .binaryOutput || self == .pixelOutput }
  /// Ends in folded BatchNorm+sign thresholds.
  public var hasThresholds: Bool {
    self == .pixelDense || self == .binaryDense || self == .pixelConv || self == .binaryConv
  }
  /// A spatial convolution.
  public var isConvolution: Bool { self == .pixelConv || self == .binaryConv }
  /// The first file format version that has this kind.
  public var formatVersion: UInt32 { rawValue <= 4 ? 1 : 2 }

  public var name: String {
    switch self {
    case .pixelDense: return "pixel-dense"
    case .binaryDense: return "binary-dense"
    case .binaryOutput: return "binary-output"
    case .pixelOutput: return "pixel-output"
    case .pixelConv: return "pixel-conv"
    case .binaryConv: return "binary-conv"
    case .maxPool: return "max-pool"
    }
  }
}

/// One layer with its parameters, as plain arrays: what a model file stores.
///
/// Pre-activation of output channel `j` (at each output pixel) is an exact integer `z_j`:
/// - binary input: `z_j = K - 2 * popcount(a XOR w_j)` over the receptive field;
/// - pixel input: `z_j = sum_i x_i * w_ji` over the raw 8-bit pixels `x_i`.
///
/// Threshold layers output bit `(z_j < thresholds[j]) XOR flip_j` (bit 1 = -1).
/// Output layers score `scale[j] * Float(z_j) + bias[j]` (multiply, then add; no FMA).
public struct LayerDefinition: Equatable, Sendable {
  public var kind: LayerKind
  public var inputShape: TensorShape
  public var outputShape: TensorShape
  /// Convolution / pooling window; `.dense` for dense layers.
  public var geometry: Geometry
  /// `outputShape.channels` rows of `rowWords` words, padding bits zero.
  public var weights: [UInt64]
  /// Threshold layers: one integer threshold on `z` per output channel.
  public var thresholds: [Int32]
  /// Threshold layers: packed flip bits, `ceil(channels / 64)` words. Max pooling: the
  /// OR mask (1 = take the minimum for that channel).
  public var flip: [UInt64]
  /// Output layers: per-class scale.
  public var scale: [Float]
  /// Output layers: per-class bias.
  public var bias: [Float]

  /// Number of output channels (neurons of a dense layer, classes of an output layer).
  public var outputCount: Int { outputShape.channels }

  /// Length of each dot product in elements (the `K` of `K - 2p`); 0 for pooling.
  public var dotLength: Int { LayerDefinition.dotLength(kind, inputShape, geometry) }

  /// Words per weight row; 0 for pooling.
  public var rowWords: Int { LayerDefinition.rowWords(kind, inputShape, geometry) }

  static func dotLength(_ kind: LayerKind, _ input: TensorShape, _ g: Geometry) -> Int {
    if kind == .maxPool { return 0 }
    if kind.isConvolution { return g.kernelHeight * g.kernelWidth * input.channels }
    return input.elementCount
  }

  /// Binary inputs keep their channel-packed layout (each pixel padded to whole words);
  /// pixel inputs are packed as one flat row.
  static func rowWords(_ kind: LayerKind, _ input: TensorShape, _ g: Geometry) -> Int {
    switch kind {
    case .maxPool: return 0
    case .pixelDense, .pixelOutput, .pixelConv: return BitPacking.words(forBits: dotLength(kind, input, g))
    case .binaryConv: return g.kernelHeight * g.kernelWidth * input.wordsPerPixel
    case .binaryDense, .binaryOutput: return input.packedWords
    }
  }

  /// A dense hidden layer with folded BatchNorm+sign.
  public static func thresholdLayer(
    kind: LayerKind, inputShape: TensorShape, outputs: Int,
    weights: [UInt64], thresholds: [Int32], flip: [UInt64]
  ) -> LayerDefinition {
    LayerDefinition(
      kind: kind, inputShape: inputShape, outputShape: TensorShape(features: outputs), geometry: .dense,
      weights: weights, thresholds: thresholds, flip: flip, scale: [], bias: [])
  }

  /// The last layer: float affine scores per class.
  public static func outputLayer(
    kind: LayerKind, inputShape: TensorShape, classes: Int,
    weights: [UInt64], scale: [Float], bias: [Float]
  ) -> LayerDefinition {
    LayerDefinition(
      kind: kind, inputShape: inputShape, outputShape: TensorShape(features: classes), geometry: .dense,
      weights: weights, thresholds: [], flip: [], scale: scale, bias: bias)
  }

  /// A convolution with folded BatchNorm+sign (`outputShape` follows from the geometry).
  public static func convolution(
    kind: LayerKind, inputShape: TensorShape, outputChannels: Int, geometry: Geometry,
    weights: [UInt64], thresholds: [Int32], flip: [UInt64]
  ) -> LayerDefinition {
    let out =
      geometry.outputShape(input: inputShape, channels: outputChannels)
      ?? TensorShape(height: 0, width: 0, channels: outputChannels)
    return LayerDefinition(
      kind: kind, inputShape: inputShape, outputShape: out, geometry: geometry,
      weights: weights, thresholds: thresholds, flip: flip, scale: [], bias: [])
  }

  /// 2x2 max pooling of packed bits; `orMask` bit c = 1 takes the minimum for channel c.
  public static func maxPool(inputShape: TensorShape, orMask: [UInt64]) -> LayerDefinition {
    let out =
      Geometry.pool2x2.outputShape(input: inputShape, channels: inputShape.channels)
      ?? TensorShape(height: 0, width: 0, channels: inputShape.channels)
    return LayerDefinition(
      kind: .maxPool, inputShape: inputShape, outputShape: out, geometry: .pool2x2,
      weights: [], thresholds: [], flip: orMask, scale: [], bias: [])
  }

  public init(
    kind: LayerKind, inputShape: TensorShape, outputShape: TensorShape, geometry: Geometry = .dense,
    weights: [UInt64], thresholds: [Int32], flip: [UInt64], scale: [Float], bias: [Float]
  ) {
    self.kind = kind
    self.inputShape = inputShape
    self.outputShape = outputShape
    self.geometry = geometry
    self.weights = weights
    self.thresholds = thresholds
    self.flip = flip
    self.scale = scale
    self.bias = bias
  }
}

/// A whole model as plain values: input, class labels, layers.
public struct ModelDefinition: Equatable, Sendable {
  public var input: InputDescription
  public var labels: [String]
  public var layers: [LayerDefinition]

  public init(input: InputDescription, labels: [String], layers: [LayerDefinition]) {
    self.input = input
    self.labels = labels
    self.layers = layers
  }

  /// The file format version this model needs: 1 for dense-only models, 2 with
  /// convolution or pooling (so older readers refuse those with a clear message).
  public var formatVersion: UInt32 { layers.map { $0.kind.formatVersion }.max() ?? 1 }
}
