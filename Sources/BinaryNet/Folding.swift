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

  /// The reference BatchNorm that folding reproduces exactly, in `Float`:
  /// `y = gamma * ((z - mean) / sqrt(variance + epsilon)) + beta`.
  @inlinable
  public func apply(_ z: Float, neuron j: Int) -> Float {
    let s = (variance[j] + epsilon).squareRoot()
    return gamma[j] * ((z - mean[j]) / s) + beta[j]
  }
}

/// A trained dense layer: latent float weights and its BatchNorm.
public struct TrainedDenseLayer: Equatable, Sendable {
  public var inputCount: Int
  public var outputCount: Int
  /// Latent weights, row-major `[outputCount][inputCount]`; binarised as `w < 0 ? -1 : +1`.
  public var weights: [Float]
  public var batchNorm: BatchNormParameters

  public init(inputCount: Int, outputCount: Int, weights: [Float], batchNorm: BatchNormParameters) {
    self.inputCount = inputCount
    self.outputCount = outputCount
    self.weights = weights
    self.batchNorm = batchNorm
  }
}

/// A trained 2-D convolution: latent float weights, an optional 2x2 max pooling
/// between the convolution and the BatchNorm, and the BatchNorm (per output channel).
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
  public var batchNorm: BatchNormParameters

  public init(
    inputShape: TensorShape, outputChannels: Int, geometry: Geometry, weights: [Float], poolAfter: Bool,
    batchNorm: BatchNormParameters
  ) {
    self.inputShape = inputShape
    self.outputChannels = outputChannels
    self.geometry = geometry
    self.weights = weights
    self.poolAfter = poolAfter
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
}

/// Folding: trained float parameters -> the integer model the engine runs.
///
/// Hidden neuron `j` sees an integer pre-activation `z` (the ±1 dot product, or for the
/// first layer the dot product with raw 8-bit pixels) and the trainer computed
/// `pre = z` (hidden) or `pre = Float(z) * input.scale + input.offset * rowSum_j` (first
/// layer, `rowSum_j` = sum of the ±1 weights), then `sign(BN(pre))` with `sign(0) = +1`.
/// Because `BN(pre(z))` is monotone in `z` (rounding is monotone), the output is
/// `-1` exactly on one side of an integer threshold `t`. Folding finds `t` by binary
/// search on the `Float` formula itself, so the engine agrees with the float BatchNorm
/// for every integer `z`, boundary included — no rounding rule to get wrong.
public enum Folding {
  /// The integer threshold and flip bit of one neuron: output bit (1 = -1) is
  /// `(z < threshold) XOR flip` for every integer `z` in `range`.
  ///
  /// - Parameter output: `true` (+1) or `false` (-1) for a pre-activation `z`; must be
  ///   monotone over `range`.
  public static func threshold(
    range: ClosedRange<Int>, output: (Int) -> Bool
  ) -> (threshold: Int32, flip: Bool) {
    let lo = range.lowerBound
    let hi = range.upperBound
    let atLo = output(lo)
    let atHi = output(hi)
    if atLo == atHi {
      // Constant: `z < lo` is never true, so the bit is just `flip`.
      return (Int32(clamping: lo), !atLo)
    }
    // Smallest z in (lo, hi] where the output differs from output(lo).
    var a = lo  // output(a) == atLo
    var b = hi  // output(b) != atLo
    while b - a > 1 {
      let mid = a + (b - a) / 2
      if output(mid) == atLo { a = mid } else { b = mid }
    }
    // Increasing (-1 below b, +1 from b on): bit = z < b.
    // Decreasing (+1 below b, -1 from b on): bit = !(z < b).
    return (Int32(clamping: b), atLo)
  }

  /// Folds a stack of trained dense layers into a model definition. The last layer
  /// becomes per-class affine scores `scale_j * z_j + bias_j` equal to its BatchNorm.
  public static func denseNetwork(
    _ layers: [TrainedDenseLayer], input: InputDescription, labels: [String]
  ) throws(ModelError) -> ModelDefinition {
    try network(layers.map { .dense($0) }, input: input, labels: labels)
  }

  /// Folds a network of convolutions and dense layers (the last one dense) into a model
  /// definition. Dense layers after a convolution read its output flattened in HWC
  /// order. A convolution with `poolAfter` becomes a convolution and a max-pool layer
  /// whose OR mask is the convolution's flip bits: for a decreasing BatchNorm,
  /// `sign(BN(max z)) = min sign(BN(z))`, the OR of the bits.
  public static func network(
    _ layers: [TrainedLayer], input: InputDescription, labels: [String]
  ) throws(ModelError) -> ModelDefinition {
    guard !layers.isEmpty else { throw .invalidArgument("a network needs at least one layer") }
    var definitions: [LayerDefinition] = []
    var inputShape = TensorShape(height: input.height, width: input.width, channels: input.channels)
    for (index, trained) in layers.enumerated() {
      let name = "layer " + String(index)
      let first = index == 0
      let last = index == layers.count - 1
      switch trained {
      case .convolution(let layer):
        guard !last else { throw .inconsistent(name + ": the last layer must be dense (class scores)") }
        guard layer.inputShape == inputShape else {
          throw .inconsistent(
            name + ": input " + layer.inputShape.description + ", but the previous layer gives "
              + inputShape.description)
        }
        guard let convShape = layer.convolutionOutputShape, let outShape = layer.outputShape else {
          throw .inconsistent(name + ": the kernel does not fit the input")
        }
        if first && input.offset != 0 {
          throw .inconsistent(
            name + ": a first-layer convolution needs input offset 0 (zero padding must mean pixel 0)")
        }
        let g = layer.geometry
        let k = g.kernelHeight * g.kernelWidth * inputShape.channels
        guard layer.weights.count == layer.outputChannels * k else {
          throw .inconsistent(name + ": weight count does not match the kernel")
        }
        try checkBatchNorm(layer.batchNorm, count: layer.outputChannels, name: name)
        let weights: [UInt64]
        if first {
          weights = BitPacking.packSignRows(layer.weights, rows: layer.outputChannels, columns: k)
        } else {
          let patch = TensorShape(height: g.kernelHeight, width: g.kernelWidth, channels: inputShape.channels)
          weights = packChannelRows(layer.weights, rows: layer.outputChannels, shape: patch)
        }
        let (thresholds, flip) = foldThresholds(
          layer.batchNorm, count: layer.outputChannels, dotLength: k, pixels: first,
          pre: { z, _ in first ? Float(z) * input.scale : Float(z) })
        definitions.append(
          .convolution(
            kind: first ? .pixelConv : .binaryConv, inputShape: inputShape, outputChannels: layer.outputChannels,
            geometry: g, weights: weights, thresholds: thresholds, flip: flip))
        if layer.poolAfter {
          definitions.append(.maxPool(inputShape: convShape, orMask: flip))
        }
        inputShape = outShape

      case .dense(let layer):
        guard layer.inputCount == inputShape.elementCount else {
          throw .inconsistent(
            name + ": " + String(layer.inputCount) + " inputs, but the previous layer gives "
              + String(inputShape.elementCount))
        }
        try checkParameters(layer, name: name)
        let outputs = layer.outputCount
        // Binarise the weights in the layout the engine reads.
        let weights: [UInt64]
        if first {
          weights = BitPacking.packSignRows(layer.weights, rows: outputs, columns: layer.inputCount)
        } else {
          weights = packChannelRows(layer.weights, rows: outputs, shape: inputShape)
        }
        let k = layer.inputCount
        var rowSums = [Int](repeating: 0, count: outputs)
        if first {
          for j in 0..<outputs {
            var sum = 0
            for i in 0..<k { sum += layer.weights[j * k + i] < 0 ? -1 : 1 }
            rowSums[j] = sum
          }
        }
        let bn = layer.batchNorm
        if last {
          var scale = [Float](repeating: 0, count: outputs)
          var bias = [Float](repeating: 0, count: outputs)
          for j in 0..<outputs {
            // y = gamma * ((pre - mean) / s) + beta with pre = zScale * z + zOffset.
            let s = Double(bn.variance[j] + bn.epsilon).squareRoot()
            let g = Double(bn.gamma[j]) / s
            let zScale = first ? Double(input.scale) : 1
            let zOffset = first ? Double(input.offset) * Double(rowSums[j]) : 0
            scale[j] = Float(g * zScale)
            bias[j] = Float(Double(bn.beta[j]) + g * (zOffset - Double(bn.mean[j])))
            guard scale[j].isFinite, bias[j].isFinite else {
              throw .inconsistent(name + ": output scale or bias overflows Float")
            }
          }
          definitions.append(
            .outputLayer(
              kind: first ? .pixelOutput : .binaryOutput, inputShape: inputShape, classes: outputs,
              weights: weights, scale: scale, bias: bias))
        } else {
          let (thresholds, flip) = foldThresholds(
            bn, count: outputs, dotLength: k, pixels: first,
            pre: { z, j in first ? Float(z) * input.scale + input.offset * Float(rowSums[j]) : Float(z) })
          definitions.append(
            .thresholdLayer(
              kind: first ? .pixelDense : .binaryDense, inputShape: inputShape, outputs: outputs,
              weights: weights, thresholds: thresholds, flip: flip))
        }
        inputShape = TensorShape(features: outputs)
      }
    }
    let definition = ModelDefinition(input: input, labels: labels, layers: definitions)
    try definition.validate()
    return definition
  }

  /// Thresholds and flip bits of `count` neurons whose float pre-activation is
  /// `pre(z, j)` for the integer `z` (range `[-K, K]`, times 255 for pixel inputs).
  static func foldThresholds(
    _ bn: BatchNormParameters, count: Int, dotLength k: Int, pixels: Bool, pre: (Int, Int) -> Float
  ) -> (thresholds: [Int32], flip: [UInt64]) {
    let range = pixels ? (-255 * k)...(255 * k) : (-k)...k
    var thresholds = [Int32](repeating: 0, count: count)
    var flip = [UInt64](repeating: 0, count: BitPacking.words(forBits: count))
    for j in 0..<count {
      let (t, f) = threshold(range: range) { z in bn.apply(pre(z, j), neuron: j) >= 0 }
      thresholds[j] = t
      if f { flip[j >> 6] |= 1 << UInt64(j & 63) }
    }
    return (thresholds, flip)
  }

  /// Packs `rows` weight rows over a channel-packed input of `shape` (HWC order, each
  /// pixel padded to whole words). For a flat vector this is plain row packing.
  static func packChannelRows(_ values: [Float], rows: Int, shape: TensorShape) -> [UInt64] {
    let wpp = shape.wordsPerPixel
    let rowWords = shape.packedWords
    let pixels = shape.height * shape.width
    let c = shape.channels
    var packed = [UInt64](repeating: 0, count: rows * rowWords)
    for r in 0..<rows {
      for p in 0..<pixels {
        for ch in 0..<c where values[r * shape.elementCount + p * c + ch] < 0 {
          packed[r * rowWords + p * wpp + (ch >> 6)] |= 1 << UInt64(ch & 63)
        }
      }
    }
    return packed
  }

  static func checkParameters(_ layer: TrainedDenseLayer, name: String) throws(ModelError) {
    let n = layer.outputCount
    guard layer.inputCount >= 1, n >= 1 else { throw .inconsistent(name + ": empty layer") }
    guard layer.weights.count == n * layer.inputCount else {
      throw .inconsistent(name + ": weight count does not match inputs x outputs")
    }
    try checkBatchNorm(layer.batchNorm, count: n, name: name)
  }

  static func checkBatchNorm(_ bn: BatchNormParameters, count n: Int, name: String) throws(ModelError) {
    guard n >= 1 else { throw .inconsistent(name + ": empty layer") }
    guard bn.gamma.count == n, bn.beta.count == n, bn.mean.count == n, bn.variance.count == n else {
      throw .inconsistent(name + ": BatchNorm parameter counts do not match the outputs")
    }
    guard bn.epsilon.isFinite, bn.epsilon >= 0 else { throw .inconsistent(name + ": bad BatchNorm epsilon") }
    for j in 0..<n {
      guard bn.gamma[j].isFinite, bn.beta[j].isFinite, bn.mean[j].isFinite, bn.variance[j].isFinite,
        bn.variance[j] + bn.epsilon > 0
      else {
        throw .inconsistent(name + ": BatchNorm parameters of neuron " + String(j) + " are not finite or positive")
      }
    }
  }
}

/// Folds trained dense layers and loads the result as a runnable `Model`.
public func foldDenseNetwork(
  _ layers: [TrainedDenseLayer], input: InputDescription, labels: [String]
) throws(ModelError) -> Model {
  try Model(definition: try Folding.denseNetwork(layers, input: input, labels: labels))
}

/// Folds a trained network of convolutions and dense layers and loads it as a `Model`.
public func foldNetwork(
  _ layers: [TrainedLayer], input: InputDescription, labels: [String]
) throws(ModelError) -> Model {
  try Model(definition: try Folding.network(layers, input: input, labels: labels))
}
