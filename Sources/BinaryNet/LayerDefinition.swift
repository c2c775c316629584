/// The kind of a layer, as stored in the model file.
///
/// "Pixel" layers read the 8-bit input image on its 8 bit-planes; "binary" layers read
/// packed {-1,+1} activations. "Dense" layers end in BatchNorm+sign folded into integer
/// thresholds and write packed bits; "output" layers end in a float affine score per class.
public enum LayerKind: UInt32, Sendable, CaseIterable {
  /// 8-bit pixels x binary weights on bit-planes -> thresholds -> packed bits.
  case pixelDense = 1
  /// Packed bits x binary weights (XOR-popcount) -> thresholds -> packed bits.
  case binaryDense = 2
  /// Packed bits x binary weights -> `score_j = scale_j * z_j + bias_j`.
  case binaryOutput = 3
  /// 8-bit pixels x binary weights -> `score_j = scale_j * z_j + bias_j` (one-layer models).
  case pixelOutput = 4

  /// Reads raw 8-bit pixels (bit-plane kernel) rather than packed bits.
  public var readsPixels: Bool { self == .pixelDense || self == .pixelOutput }
  /// Produces float class scores (the last layer) rather than packed bits.
  public var producesScores: Bool { self == .binaryOutput || self == .pixelOutput }

  public var name: String {
    switch self {
    case .pixelDense: return "pixel-dense"
    case .binaryDense: return "binary-dense"
    case .binaryOutput: return "binary-output"
    case .pixelOutput: return "pixel-output"
    }
  }
}

/// One layer with its parameters, as plain arrays: what a model file stores.
///
/// Pre-activation of output neuron `j` is an exact integer `z_j`:
/// - binary input: `z_j = K - 2 * popcount(a XOR w_j)`, `K = inputShape.elementCount`;
/// - pixel input: `z_j = sum_i x_i * w_ji` over the raw 8-bit pixels `x_i`.
///
/// Threshold layers output bit `(z_j < thresholds[j]) XOR flip_j` (bit 1 = -1).
/// Output layers score `scale[j] * Float(z_j) + bias[j]` (multiply, then add; no FMA).
public struct LayerDefinition: Equatable, Sendable {
  public var kind: LayerKind
  public var inputShape: TensorShape
  public var outputShape: TensorShape
  /// `outputCount` rows of `rowWords` words, padding bits zero.
  public var weights: [UInt64]
  /// Threshold layers: one integer threshold on `z` per output.
  public var thresholds: [Int32]
  /// Threshold layers: packed flip bits, `ceil(outputCount / 64)` words.
  public var flip: [UInt64]
  /// Output layers: per-class scale.
  public var scale: [Float]
  /// Output layers: per-class bias.
  public var bias: [Float]

  /// Number of output neurons (classes for output layers).
  public var outputCount: Int { outputShape.elementCount }

  /// Length of each dot product in elements (the `K` of `K - 2p`).
  public var dotLength: Int { inputShape.elementCount }

  /// Words per weight row. Binary inputs keep their channel-packed layout (each pixel
  /// padded to whole words); pixel inputs are packed as one flat row.
  public var rowWords: Int {
    kind.readsPixels ? BitPacking.words(forBits: inputShape.elementCount) : inputShape.packedWords
  }

  /// A hidden layer with folded BatchNorm+sign.
  public static func thresholdLayer(
    kind: LayerKind, inputShape: TensorShape, outputs: Int,
    weights: [UInt64], thresholds: [Int32], flip: [UInt64]
  ) -> LayerDefinition {
    LayerDefinition(
      kind: kind, inputShape: inputShape, outputShape: TensorShape(features: outputs),
      weights: weights, thresholds: thresholds, flip: flip, scale: [], bias: [])
  }

  /// The last layer: float affine scores per class.
  public static func outputLayer(
    kind: LayerKind, inputShape: TensorShape, classes: Int,
    weights: [UInt64], scale: [Float], bias: [Float]
  ) -> LayerDefinition {
    LayerDefinition(
      kind: kind, inputShape: inputShape, outputShape: TensorShape(features: classes),
      weights: weights, thresholds: [], flip: [], scale: scale, bias: bias)
  }

  public init(
    kind: LayerKind, inputShape: TensorShape, outputShape: TensorShape, weights: [UInt64],
    thresholds: [Int32], flip: [UInt64], scale: [Float], bias: [Float]
  ) {
    self.kind = kind
    self.inputShape = inputShape
    self.outputShape = outputShape
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
}
