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

  /// The integer threshold of one neuron whose output bit is `(z < threshold) XOR flip`
  /// with a given `flip`: `false` for an output that is -1 below the threshold and +1
  /// from it on (increasing), `true` for the reverse. A constant output gets the end of
  /// `range` (or one past it) that gives the constant. Border classes use it so that
  /// every class of a channel shares the channel's flip bit.
  public static func threshold(range: ClosedRange<Int>, flip: Bool, output: (Int) -> Bool) -> Int32 {
    let target = !flip  // the output from the threshold on
    if output(range.lowerBound) == target { return Int32(clamping: range.lowerBound) }
    if output(range.upperBound) != target { return Int32(clamping: range.upperBound + 1) }
    var a = range.lowerBound  // output(a) != target
    var b = range.upperBound  // output(b) == target
    while b - a > 1 {
      let mid = a + (b - a) / 2
      if output(mid) == target { b = mid } else { a = mid }
    }
    return Int32(clamping: b)
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
  /// `sign(BN(max z)) = min sign(BN(z))`, the OR of the bits. With `poolAfterBatchNorm`
  /// the mask is 0: `sign(max BN(z)) = max sign(BN(z))` whatever the gamma.
  public static func network(
    _ layers: [TrainedLayer], input: InputDescription, labels: [String]
  ) throws(ModelError) -> ModelDefinition {
    guard !layers.isEmpty else { throw .invalidArgument("a network needs at least one layer") }
    var definitions: [ModelLayer] = []
    var inputShape = TensorShape(height: input.height, width: input.width, channels: input.channels)
    for (index, trained) in layers.enumerated() {
      let position = LayerPosition(
        name: "layer " + String(index), first: definitions.isEmpty, last: index == layers.count - 1,
        input: inputShape)
      switch trained {
      case .inputSign:
        guard index == 0, layers.count >= 2 else {
          throw .inconsistent(position.name + ": an input sign must be the first layer, before a weight layer")
        }
        var flat = false
        if case .dense = layers[1] { flat = true }
        definitions.append(inputSign(input, flat: flat))
      case .convolution(let layer):
        definitions += try convolution(layer, at: position, input: input)
      case .dense(let layer):
        definitions.append(try dense(layer, at: position, input: input))
      }
      inputShape = definitions[definitions.count - 1].outputShape ?? inputShape
    }
    let definition = ModelDefinition(input: input, labels: labels, layers: definitions)
    try definition.validate()
    return definition
  }

  /// Where a trained layer sits: its name for messages, whether it is the first (reads
  /// pixels) or the last (class scores), and the shape the previous layer hands on.
  struct LayerPosition {
    var name: String
    var first: Bool
    var last: Bool
    var input: TensorShape
  }

  /// The sign of the normalised input: bit 1 (-1) where `Float(x) * scale + offset < 0`,
  /// one threshold on the pixel value per channel.
  static func inputSign(_ input: InputDescription, flat: Bool) -> ModelLayer {
    let (t, f) = threshold(range: 0...255) { x in Float(x) * input.scale + input.offset >= 0 }
    var flip = [UInt64](repeating: 0, count: BitPacking.words(forBits: input.channels))
    if f { for c in 0..<input.channels { flip[c >> 6] |= 1 << UInt64(c & 63) } }
    let shape = TensorShape(height: input.height, width: input.width, channels: input.channels)
    let thresholds = Thresholds(values: [Int32](repeating: t, count: input.channels), flip: flip)
    return .inputSign(input: shape, flat: flat, thresholds: thresholds)
  }

  /// A convolution with its folded BatchNorm+sign, and its pooling layer if any.
  static func convolution(
    _ layer: TrainedConvLayer, at position: LayerPosition, input: InputDescription
  ) throws(ModelError) -> [ModelLayer] {
    let name = position.name
    let inputShape = position.input
    guard !position.last else { throw .inconsistent(name + ": the last layer must be dense (class scores)") }
    guard layer.inputShape == inputShape else {
      throw .inconsistent(
        name + ": input " + layer.inputShape.description + ", but the previous layer gives "
          + inputShape.description)
    }
    guard let convShape = layer.convolutionOutputShape, layer.outputShape != nil else {
      throw .inconsistent(name + ": the kernel does not fit the input")
    }
    let first = position.first
    let g = layer.geometry
    let k = g.kernelHeight * g.kernelWidth * inputShape.channels
    guard layer.weights.count == layer.outputChannels * k else {
      throw .inconsistent(name + ": weight count does not match the kernel")
    }
    try checkBatchNorm(layer.batchNorm, count: layer.outputChannels, name: name)
    try checkBias(layer.bias, count: layer.outputChannels, name: name)
    let weights: [UInt64]
    if first {
      weights = BitPacking.packSignRows(layer.weights, rows: layer.outputChannels, columns: k)
    } else {
      let patch = TensorShape(height: g.kernelHeight, width: g.kernelWidth, channels: inputShape.channels)
      weights = packChannelRows(layer.weights, rows: layer.outputChannels, shape: patch)
    }
    // First layer: pre = z * scale + offset * S_j (S_j = sum of the ±1 weights; every
    // tap that is not padding saw x * scale + offset, and padding saw offset, pixel 0).
    let rowSums = first && input.offset != 0 ? signRowSums(layer.weights, rows: layer.outputChannels, columns: k) : nil
    let bias = layer.bias
    // The engine pads pixel 0 (normalised: `offset`) or +1; a model that padded
    // `padValue` saw `(padValue - enginePad) * S_pad` more at a border position, where
    // S_pad is the sum of the ±1 weights on the padded taps.
    let enginePad: Float = first ? input.offset : 1
    let padValue = layer.inputPadValue ?? enginePad
    let border = ConvolutionBorder(input: inputShape, window: g)
    let corrections =
      border.isEmpty || padValue == enginePad
      ? nil : paddedWeightSums(layer.weights, rows: layer.outputChannels, input: inputShape, window: g, border: border)
    let pre: (Int, Int, Int) -> Float = { z, j, padSum in
      // Binary layers: the model's own integer dot product first, then the bias.
      var pre = first ? Float(z) * input.scale : Float(z) + (padValue - 1) * Float(padSum)
      if let rowSums { pre += input.offset * Float(rowSums[j]) }
      if first && padSum != 0 { pre += (padValue - enginePad) * Float(padSum) }
      if let bias { pre += bias[j] }
      return pre
    }
    let thresholds: Thresholds
    if let corrections {
      thresholds = foldBorderThresholds(
        layer.batchNorm, count: layer.outputChannels, dotLength: k, pixels: first, border: border,
        corrections: corrections, pre: pre)
    } else {
      thresholds = foldThresholds(
        layer.batchNorm, count: layer.outputChannels, dotLength: k, pixels: first, pre: { z, j in pre(z, j, 0) })
    }
    var folded: [ModelLayer] = [.convolution(input: inputShape, window: g, weights: weights, thresholds: thresholds)]
    if layer.poolAfter {
      // Pool before the BatchNorm: max for an increasing BN, min (OR) for a decreasing
      // one, so the mask is the flip bits. Pool after it: always the max (mask 0).
      let mask = layer.poolAfterBatchNorm ? [UInt64](repeating: 0, count: thresholds.flip.count) : thresholds.flip
      folded.append(.maxPool(input: convShape, orMask: mask))
    }
    return folded
  }

  /// A dense layer: folded BatchNorm+sign, or the class scores when it is the last.
  static func dense(
    _ layer: TrainedDenseLayer, at position: LayerPosition, input: InputDescription
  ) throws(ModelError) -> ModelLayer {
    let name = position.name
    let inputShape = position.input
    let first = position.first
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
    let rowSums =
      first
      ? signRowSums(layer.weights, rows: outputs, columns: layer.inputCount) : [Int](repeating: 0, count: outputs)
    if position.last {
      let (scale, bias) = try outputAffine(
        layer.batchNorm, rowSums: rowSums, bias: layer.bias, first: first, input: input, name: name)
      return .output(input: inputShape, weights: weights, scale: scale, bias: bias)
    }
    let bias = layer.bias
    let thresholds = foldThresholds(
      layer.batchNorm, count: outputs, dotLength: layer.inputCount, pixels: first,
      pre: { z, j in
        var pre = first ? Float(z) * input.scale + input.offset * Float(rowSums[j]) : Float(z)
        if let bias { pre += bias[j] }
        return pre
      })
    return .dense(input: inputShape, weights: weights, thresholds: thresholds)
  }

  /// Sum of each row's ±1 weights (for the first layer's input offset).
  static func signRowSums(_ weights: [Float], rows: Int, columns k: Int) -> [Int] {
    var rowSums = [Int](repeating: 0, count: rows)
    for j in 0..<rows {
      var sum = 0
      for i in 0..<k { sum += weights[j * k + i] < 0 ? -1 : 1 }
      rowSums[j] = sum
    }
    return rowSums
  }

  /// The output layer's `scale_j * z_j + bias_j` equal to its BatchNorm, computed in
  /// Double: `y = gamma * ((pre - mean) / s) + beta` with `pre = zScale * z + zOffset`
  /// (`zOffset` includes the layer's own bias).
  static func outputAffine(
    _ bn: BatchNormParameters, rowSums: [Int], bias layerBias: [Float]?, first: Bool, input: InputDescription,
    name: String
  ) throws(ModelError) -> (scale: [Float], bias: [Float]) {
    let outputs = rowSums.count
    var scale = [Float](repeating: 0, count: outputs)
    var bias = [Float](repeating: 0, count: outputs)
    for j in 0..<outputs {
      let s = Double(bn.variance[j] + bn.epsilon).squareRoot()
      let g = Double(bn.gamma[j]) / s
      let zScale = first ? Double(input.scale) : 1
      let zOffset = (first ? Double(input.offset) * Double(rowSums[j]) : 0) + Double(layerBias?[j] ?? 0)
      scale[j] = Float(g * zScale)
      bias[j] = Float(Double(bn.beta[j]) + g * (zOffset - Double(bn.mean[j])))
      guard scale[j].isFinite, bias[j].isFinite else {
        throw .inconsistent(name + ": output scale or bias overflows Float")
      }
    }
    return (scale, bias)
  }

  /// Thresholds and flip bits of `count` neurons whose float pre-activation is
  /// `pre(z, j)` for the integer `z` (range `[-K, K]`, times 255 for pixel inputs).
  static func foldThresholds(
    _ bn: BatchNormParameters, count: Int, dotLength k: Int, pixels: Bool, pre: (Int, Int) -> Float
  ) -> Thresholds {
    let range = pixels ? (-255 * k)...(255 * k) : (-k)...k
    var thresholds = [Int32](repeating: 0, count: count)
    var flip = [UInt64](repeating: 0, count: BitPacking.words(forBits: count))
    for j in 0..<count {
      let (t, f) = threshold(range: range) { z in bn.apply(pre(z, j), neuron: j) >= 0 }
      thresholds[j] = t
      if f { flip[j >> 6] |= 1 << UInt64(j & 63) }
    }
    return Thresholds(values: thresholds, flip: flip)
  }

  /// Thresholds of a convolution with border classes: per class `c` and output `j`, the
  /// threshold on `pre(z, j, corrections[c * count + j])`. Every class of a channel
  /// shares the flip bit of the BatchNorm's direction (`gamma < 0`), so pooling's OR mask
  /// (the flip bits) holds at every position; `values` are the interior's.
  static func foldBorderThresholds(
    _ bn: BatchNormParameters, count: Int, dotLength k: Int, pixels: Bool, border: ConvolutionBorder,
    corrections: [Int], pre: (Int, Int, Int) -> Float
  ) -> Thresholds {
    let range = pixels ? (-255 * k)...(255 * k) : (-k)...k
    var flip = [UInt64](repeating: 0, count: BitPacking.words(forBits: count))
    var table = [Int32](repeating: 0, count: border.classCount * count)
    for j in 0..<count {
      func output(_ z: Int, _ c: Int) -> Bool { bn.apply(pre(z, j, corrections[c * count + j]), neuron: j) >= 0 }
      // gamma == 0: a constant output, the same in every class; the plain fold's flip.
      let decreasing =
        bn.gamma[j] == 0 ? threshold(range: range) { output($0, border.interiorClass) }.flip : bn.gamma[j] < 0
      if decreasing { flip[j >> 6] |= 1 << UInt64(j & 63) }
      for c in 0..<border.classCount {
        table[c * count + j] = threshold(range: range, flip: decreasing) { output($0, c) }
      }
    }
    let interior = Array(table[(border.interiorClass * count)..<((border.interiorClass + 1) * count)])
    return Thresholds(values: interior, flip: flip, border: table)
  }

  /// `S_pad`: per border class `c` and output `j` (`[c * rows + j]`), the sum of row `j`'s
  /// ±1 weights (`[rows][kH][kW][C]`, `w < 0` is -1) over the kernel taps that fall on
  /// padding at the positions of class `c` (0 for the interior).
  static func paddedWeightSums(
    _ weights: [Float], rows: Int, input: TensorShape, window g: Geometry, border: ConvolutionBorder
  ) -> [Int] {
    let c = input.channels
    let k = g.kernelHeight * g.kernelWidth * c
    var sums = [Int](repeating: 0, count: border.classCount * rows)
    for cls in 0..<border.classCount {
      for ky in 0..<g.kernelHeight {
        for kx in 0..<g.kernelWidth
        where border.tapIsPadding(ky: ky, kx: kx, ofClass: cls, input: input, window: g) {
          for j in 0..<rows {
            let tap = j * k + (ky * g.kernelWidth + kx) * c
            for ch in 0..<c { sums[cls * rows + j] += weights[tap + ch] < 0 ? -1 : 1 }
          }
        }
      }
    }
    return sums
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
    try checkBias(layer.bias, count: n, name: name)
  }

  static func checkBias(_ bias: [Float]?, count n: Int, name: String) throws(ModelError) {
    guard let bias else { return }
    guard bias.count == n else { throw .inconsistent(name + ": bias count does not match the outputs") }
    guard bias.allSatisfy({ $0.isFinite }) else { throw .inconsistent(name + ": bias is not finite") }
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
