/// BatchNorm parameters of one layer (per output neuron), as a trainer keeps them.
public struct BatchNormParameters: Equatable, Sendable {
  public var gamma: [Float]
  public var beta: [Float]
  /// Running mean of the pre-activation.
  public var mean: [Float]
  /// Running (biased or unbiased, as the trainer uses it) variance of the pre-activation.
  public var variance: [Float]
  public var epsilon: Float

  public init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float) {
    self.gamma = gamma
    self.beta = beta
    self.mean = mean
    self.variance = variance
    self.epsilon = epsilon
  }

  /// No BatchNorm: `y = z` exactly (gamma 1, beta 0, mean 0, variance 1, epsilon 0),
  /// for a layer whose output goes straight to the next sign or to the scores.
  public static func identity(count: Int) -> BatchNormParameters {
    let ones = [Float](repeating: 1, count: count)
    let zeros = [Float](repeating: 0, count: count)
    return BatchNormParameters(gamma: ones, beta: zeros, mean: zeros, variance: ones, epsilon: 0)
  }

  /// The reference BatchNorm that folding reproduces exactly, in `Float`:
  /// `y = gamma * ((z - mean) / sqrt(variance + epsilon)) + beta`.
  @inlinable
  public func apply(_ z: Float, neuron j: Int) -> Float {
    let s = (variance[j] + epsilon).squareRoot()
    return gamma[j] * ((z - mean[j]) / s) + beta[j]
  }
}

/// A trained dense layer: latent float weights, an optional bias and its BatchNorm.
public struct TrainedDenseLayer: Equatable, Sendable {
  public var inputCount: Int
  public var outputCount: Int
  /// Latent weights, row-major `[outputCount][inputCount]`; binarised as `w < 0 ? -1 : +1`.
  public var weights: [Float]
  /// A bias per output added to the dot product before the BatchNorm (nil: none):
  /// `pre_j = Float(z_j) + bias_j`, rounded to `Float` as a framework computes it.
  public var bias: [Float]?
  public var batchNorm: BatchNormParameters

  public init(
    inputCount: Int, outputCount: Int, weights: [Float], bias: [Float]? = nil, batchNorm: BatchNormParameters
  ) {
    self.inputCount = inputCount
    self.outputCount = outputCount
    self.weights = weights
    self.bias = bias
    self.batchNorm = batchNorm
  }
}

/// A trained 2-D convolution: latent float weights, an optional bias, an optional 2x2
/// max pooling (between the convolution and the BatchNorm, or after the BatchNorm), and
/// the BatchNorm (per output channel).
public struct TrainedConvLayer: Equatable, Sendable {
  /// Input height x width x channels (HWC).
  public var inputShape: TensorShape
  public var outputChannels: Int
  public var geometry: Geometry
  /// Latent weights `[outputChannels][kernelHeight][kernelWidth][inputChannels]`,
  /// binarised as `w < 0 ? -1 : +1`.
  public var weights: [Float]
  /// `conv -> maxpool 2x2 (stride 2) -> BatchNorm -> sign` when true.
  public var poolAfter: Bool
  /// With `poolAfter`: the pool comes after the BatchNorm instead
  /// (`conv -> BatchNorm -> maxpool -> sign`). Then `sign(max BN(z)) = max sign(BN(z))`
  /// for every gamma, so the pool is always the AND of the bits (OR mask 0).
  public var poolAfterBatchNorm: Bool
  /// A bias per output channel added before the pooling and the BatchNorm (nil: none).
  public var bias: [Float]?
  /// The value the model padded its input with under 'same', or nil for the engine's own
  /// padding: for the first layer a value of the normalised input `x * scale + offset`
  /// (the engine pads pixel 0, i.e. `offset`), for later layers a value of the ±1
  /// activations (the engine pads +1). Any other value is folded into per-border-class
  /// thresholds (`Thresholds.border`), exactly.
  public var inputPadValue: Float?
  public var batchNorm: BatchNormParameters

  public init(
    inputShape: TensorShape, outputChannels: Int, geometry: Geometry, weights: [Float], poolAfter: Bool,
    poolAfterBatchNorm: Bool = false, bias: [Float]? = nil, inputPadValue: Float? = nil,
    batchNorm: BatchNormParameters
  ) {
    self.inputShape = inputShape
    self.outputChannels = outputChannels
    self.geometry = geometry
    self.weights = weights
    self.poolAfter = poolAfter
    self.poolAfterBatchNorm = poolAfterBatchNorm
    self.bias = bias
    self.inputPadValue = inputPadValue
    self.batchNorm = batchNorm
  }

  /// The shape after the convolution (before pooling), nil if the window does not fit.
  public var convolutionOutputShape: TensorShape? {
    geometry.outputShape(input: inputShape, channels: outputChannels)
  }

  /// The shape this layer hands on (after pooling when `poolAfter`).
  public var outputShape: TensorShape? {
    guard let conv = convolutionOutputShape else { return nil }
    return poolAfter ? Geometry.pool2x2.outputShape(input: conv, channels: outputChannels) : conv
  }
}

/// One trained layer of a network.
public enum TrainedLayer: Equatable, Sendable {
  case dense(TrainedDenseLayer)
  case convolution(TrainedConvLayer)
  /// `sign(x * scale + offset)` of the model input (`sign(0) = +1`), as a first layer
  /// whose next weight layer then reads ±1 values like any hidden layer (a quantizer on
  /// the model input).
  case inputSign
}
