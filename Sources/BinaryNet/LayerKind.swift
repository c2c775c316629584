/// The kind of a layer as the model file stores it (the `kind` field of a layer entry).
///
/// A `ModelLayer` case and its position give the kind: the first layer of a model reads
/// the 8-bit image on its 8 bit-planes ("pixel" kinds), every later layer reads packed
/// {-1,+1} activations ("binary" kinds).
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
  /// The sign of the normalised 8-bit input, per channel: pixels -> packed bits (v3).
  case pixelSign = 8

  /// Reads raw 8-bit pixels (bit-plane kernels) rather than packed bits.
  public var readsPixels: Bool {
    self == .pixelDense || self == .pixelOutput || self == .pixelConv || self == .pixelSign
  }
  /// Produces float class scores (the last layer) rather than packed bits.
  public var producesScores: Bool { self == .binaryOutput || self == .pixelOutput }
  /// A spatial convolution.
  public var isConvolution: Bool { self == .pixelConv || self == .binaryConv }
  /// The first file format version that has this kind.
  public var formatVersion: UInt32 { rawValue <= 4 ? 1 : rawValue <= 7 ? 2 : 3 }

  public var name: String {
    switch self {
    case .pixelDense: return "pixel-dense"
    case .binaryDense: return "binary-dense"
    case .binaryOutput: return "binary-output"
    case .pixelOutput: return "pixel-output"
    case .pixelConv: return "pixel-conv"
    case .binaryConv: return "binary-conv"
    case .maxPool: return "max-pool"
    case .pixelSign: return "pixel-sign"
    }
  }
}
