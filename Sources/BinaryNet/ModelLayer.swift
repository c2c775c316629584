/// Folded BatchNorm+sign of `count` outputs: output bit `j` (1 = -1) is
/// `(z_j < values[j]) XOR flip_j` for the integer pre-activation `z_j`.
///
/// A 'same' convolution whose padding the engine does not reproduce (an imported model
/// that padded ±1 activations with 0, or a normalised input with a value that is no
/// pixel) has `border` thresholds: one per border class (`ConvolutionBorder`) and
/// output, `border[class * count + j]`; output pixels of class `c` use
/// `border[c * count + j]` instead of `values[j]`. The interior class holds `values`.
/// Empty for every other layer.
public struct Thresholds: Equatable, Sendable {
  /// One integer threshold on `z` per output.
  public var values: [Int32]
  /// Packed flip bits, `ceil(count / 64)` words, padding bits zero.
  public var flip: [UInt64]
  /// Per-border-class thresholds of a convolution, `[class][output]`, or empty.
  public var border: [Int32]

  public init(values: [Int32], flip: [UInt64], border: [Int32] = []) {
    self.values = values
    self.flip = flip
    self.border = border
  }

  public var count: Int { values.count }
}

/// One layer of a runnable model, with exactly the parameters its kind needs.
///
/// The pre-activation of output channel `j` (at each output pixel) is an exact integer:
/// `z_j = K - 2 * popcount(a XOR w_j)` over the receptive field for packed {-1,+1} inputs,
/// `z_j = sum_i x_i * w_ji` over the raw 8-bit pixels for the first layer of a model.
/// Whether a layer reads pixels is its position (the first layer does), so a pixel layer
/// in the middle of a network cannot be expressed.
///
/// Weights are `outputs` rows of `rowWords` words (see `rowWords(readsPixels:)`), padding
/// bits zero; bit 1 = -1.
public enum ModelLayer: Equatable, Sendable {
  /// Dense layer over the flattened input, then folded BatchNorm+sign.
  case dense(input: TensorShape, weights: [UInt64], thresholds: Thresholds)
  /// 2-D convolution (`window`; binary inputs pad with +1, pixels with 0), then folded
  /// BatchNorm+sign, per output pixel.
  case convolution(input: TensorShape, window: Geometry, weights: [UInt64], thresholds: Thresholds)
  /// 2x2 max pooling, stride 2, of packed bits: AND per channel (max of {-1,+1} with
  /// bit 1 = -1), OR where `orMask` has a 1 (the minimum, for a decreasing BatchNorm).
  case maxPool(input: TensorShape, orMask: [UInt64])
  /// The sign of the normalised input, as the first layer of a model whose first weight
  /// layer quantizes its real-valued input: pixel `x` of channel `c` becomes bit
  /// `(x < thresholds.values[c]) XOR flip_c` (`thresholds.count` = input channels). The
  /// output has the input's shape, or is its `1 x 1 x HWC` flattening when `flat`.
  case inputSign(input: TensorShape, flat: Bool, thresholds: Thresholds)
  /// The last layer: `score_j = scale[j] * Float(z_j) + bias[j]` (multiply, then add).
  case output(input: TensorShape, weights: [UInt64], scale: [Float], bias: [Float])

  /// The shape this layer reads.
  public var inputShape: TensorShape {
    get {
      switch self {
      case .dense(let input, _, _), .convolution(let input, _, _, _), .maxPool(let input, _),
        .output(let input, _, _, _), .inputSign(let input, _, _):
        return input
      }
    }
    set {
      switch self {
      case .dense(_, let weights, let thresholds):
        self = .dense(input: newValue, weights: weights, thresholds: thresholds)
      case .convolution(_, let window, let weights, let thresholds):
        self = .convolution(input: newValue, window: window, weights: weights, thresholds: thresholds)
      case .maxPool(_, let orMask): self = .maxPool(input: newValue, orMask: orMask)
      case .inputSign(_, let flat, let thresholds):
        self = .inputSign(input: newValue, flat: flat, thresholds: thresholds)
      case .output(_, let weights, let scale, let bias):
        self = .output(input: newValue, weights: weights, scale: scale, bias: bias)
      }
    }
  }

  /// Output channels: neurons of a dense layer, channels of a convolution or pooling,
  /// classes of the output layer.
  public var outputChannels: Int {
    switch self {
    case .dense(_, _, let thresholds), .convolution(_, _, _, let thresholds): return thresholds.count
    case .maxPool(let input, _): return input.channels
    case .output(_, _, let scale, _): return scale.count
    case .inputSign(let input, let flat, _): return flat ? input.elementCount : input.channels
    }
  }

  /// The kernel window: the convolution's, 2x2 stride 2 for pooling, `.dense` otherwise.
  public var window: Geometry {
    switch self {
    case .convolution(_, let window, _, _): return window
    case .maxPool: return .pool2x2
    case .dense, .output, .inputSign: return .dense
    }
  }

  /// The shape this layer hands on, or nil when its window does not fit its input.
  public var outputShape: TensorShape? {
    switch self {
    case .dense, .output: return TensorShape(features: outputChannels)
    case .convolution, .maxPool: return window.outputShape(input: inputShape, channels: outputChannels)
    case .inputSign(let input, let flat, _): return flat ? TensorShape(features: input.elementCount) : input
    }
  }

  /// The binary weight rows (empty for pooling).
  public var weights: [UInt64] {
    switch self {
    case .dense(_, let weights, _), .convolution(_, _, let weights, _), .output(_, let weights, _, _):
      return weights
    case .maxPool, .inputSign: return []
    }
  }

  /// The file's kind code for this layer at its position.
  public func kind(readsPixels: Bool) -> LayerKind {
    switch self {
    case .dense: return readsPixels ? .pixelDense : .binaryDense
    case .convolution: return readsPixels ? .pixelConv : .binaryConv
    case .maxPool: return .maxPool
    case .output: return readsPixels ? .pixelOutput : .binaryOutput
    case .inputSign: return .pixelSign
    }
  }

  /// Whether this layer carries per-border-class thresholds (format v3).
  public var hasBorderThresholds: Bool {
    if case .convolution(_, _, _, let thresholds) = self { return !thresholds.border.isEmpty }
    return false
  }

  /// Length of each dot product in elements (the `K` of `K - 2p`); 0 for pooling.
  public var dotLength: Int { kind(readsPixels: false).dotLength(window: window, input: inputShape) }
}

extension LayerKind {
  /// `K`: the receptive field of a convolution (`kh * kw * C`), the whole input of a dense
  /// layer, 0 for pooling.
  func dotLength(window: Geometry, input: TensorShape) -> Int {
    if self == .maxPool || self == .pixelSign { return 0 }
    if isConvolution { return window.kernelHeight * window.kernelWidth * input.channels }
    return input.elementCount
  }

  /// Words per weight row: pixel inputs are packed as one flat row; binary inputs keep
  /// their channel-packed layout (each pixel padded to whole words); 0 for pooling.
  func rowWords(window: Geometry, input: TensorShape) -> Int {
    switch self {
    case .maxPool, .pixelSign: return 0
    case .pixelDense, .pixelOutput, .pixelConv:
      return BitPacking.words(forBits: dotLength(window: window, input: input))
    case .binaryConv: return window.kernelHeight * window.kernelWidth * input.wordsPerPixel
    case .binaryDense, .binaryOutput: return input.packedWords
    }
  }
}

/// A whole model as plain values: input, class labels, layers.
public struct ModelDefinition: Equatable, Sendable {
  public var input: InputDescription
  public var labels: [String]
  public var layers: [ModelLayer]

  public init(input: InputDescription, labels: [String], layers: [ModelLayer]) {
    self.input = input
    self.labels = labels
    self.layers = layers
  }

  /// The file kind of layer `index` (the first layer reads pixels).
  public func kind(ofLayer index: Int) -> LayerKind { layers[index].kind(readsPixels: index == 0) }

  /// The file format version this model needs: 1 for dense-only models, 2 with
  /// convolution or pooling, 3 with border thresholds or an input sign (so older readers
  /// refuse those with a clear message).
  public var formatVersion: UInt32 {
    var version: UInt32 = 1
    for index in layers.indices {
      version = max(version, kind(ofLayer: index).formatVersion)
      if layers[index].hasBorderThresholds { version = max(version, 3) }
    }
    return version
  }
}
