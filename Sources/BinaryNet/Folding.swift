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
    guard !layers.isEmpty else { throw .invalidArgument("a network needs at least one layer") }
    var definitions: [LayerDefinition] = []
    var inputShape = TensorShape(height: input.height, width: input.width, channels: input.channels)
    for (index, layer) in layers.enumerated() {
      let name = "layer " + String(index)
      let first = index == 0
      let last = index == layers.count - 1
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
      // Range of the integer pre-activation z.
      let zRange = first ? (-255 * k)...(255 * k) : (-k)...k
      var rowSums = [Int](repeating: 0, count: outputs)
      if first {
        for j in 0..<outputs {
          var sum = 0
          for i in 0..<k { sum += layer.weights[j * k + i] < 0 ? -1 : 1 }
          rowSums[j] = sum
        }
      }
      let bn = layer.batchNorm
      func pre(_ z: Int, _ j: Int) -> Float {
        first ? Float(z) * input.scale + input.offset * Float(rowSums[j]) : Float(z)
      }
      let kind: LayerKind
      if last {
        kind = first ? .pixelOutput : .binaryOutput
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
            kind: kind, inputShape: inputShape, classes: outputs, weights: weights, scale: scale, bias: bias))
      } else {
        kind = first ? .pixelDense : .binaryDense
        var thresholds = [Int32](repeating: 0, count: outputs)
        var flip = [UInt64](repeating: 0, count: BitPacking.words(forBits: outputs))
        for j in 0..<outputs {
          let (t, f) = threshold(range: zRange) { z in bn.apply(pre(z, j), neuron: j) >= 0 }
          thresholds[j] = t
          if f { flip[j >> 6] |= 1 << UInt64(j & 63) }
        }
        definitions.append(
          .thresholdLayer(
            kind: kind, inputShape: inputShape, outputs: outputs, weights: weights,
            thresholds: thresholds, flip: flip))
      }
      inputShape = TensorShape(features: outputs)
    }
    let definition = ModelDefinition(input: input, labels: labels, layers: definitions)
    try definition.validate()
    return definition
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
    let bn = layer.batchNorm
    guard layer.inputCount >= 1, n >= 1 else { throw .inconsistent(name + ": empty layer") }
    guard layer.weights.count == n * layer.inputCount else {
      throw .inconsistent(name + ": weight count does not match inputs x outputs")
    }
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
