import BinaryNet
import Testing

/// Folding of what imported models add to the trainer's layers: a bias per output,
/// 2x2 pooling after the BatchNorm (OR mask 0) as well as before it (mask = flips), and a
/// first convolution on an input with an offset (padded with the normalised pixel 0, or
/// with another value through border thresholds).
/// Scale 1/4 and quarter-valued offsets and biases keep every float sum exact, so the
/// float reference and the engine must agree on every image.
@Suite("Folding imported layers: bias, pool after BatchNorm, input offset")
struct ImportedLayerFoldingTests {
  func quarters(_ n: Int, rng: inout SplitMix64) -> [Float] {
    (0..<n).map { _ in Float(Int.random(in: -8...8, using: &rng)) / 4 }
  }

  func network(padding: Padding, offset: Float, poolAfterBatchNorm: Bool, rng: inout SplitMix64)
    -> ([TrainedLayer], InputDescription)
  {
    let input = InputDescription(width: 8, height: 8, channels: 1, scale: 0.25, offset: offset)
    let g1 = Geometry(kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
    let conv1 = TrainedConvLayer(
      inputShape: TensorShape(height: 8, width: 8, channels: 1), outputChannels: 6, geometry: g1,
      weights: (0..<54).map { _ in Float.random(in: -1...1, using: &rng) }, poolAfter: true,
      poolAfterBatchNorm: poolAfterBatchNorm, bias: quarters(6, rng: &rng), inputPadValue: offset,
      batchNorm: randomBatchNorm(6, spread: 40, rng: &rng))
    let shape1 = conv1.outputShape!
    let conv2 = TrainedConvLayer(
      inputShape: shape1, outputChannels: 8, geometry: Geometry(kernelHeight: 3, kernelWidth: 3),
      weights: (0..<(9 * 6 * 8)).map { _ in Float.random(in: -1...1, using: &rng) }, poolAfter: true,
      poolAfterBatchNorm: !poolAfterBatchNorm, bias: quarters(8, rng: &rng),
      batchNorm: randomBatchNorm(8, spread: 7, rng: &rng))
    let k = conv2.outputShape!.elementCount
    let hidden = TrainedDenseLayer(
      inputCount: k, outputCount: 12, weights: (0..<(k * 12)).map { _ in Float.random(in: -1...1, using: &rng) },
      bias: quarters(12, rng: &rng), batchNorm: randomBatchNorm(12, spread: 5, rng: &rng))
    let output = TrainedDenseLayer(
      inputCount: 12, outputCount: 4, weights: (0..<48).map { _ in Float.random(in: -1...1, using: &rng) },
      bias: quarters(4, rng: &rng), batchNorm: randomBatchNorm(4, spread: 3, rng: &rng))
    return ([.convolution(conv1), .convolution(conv2), .dense(hidden), .dense(output)], input)
  }

  @Test(arguments: [(Padding.same, Float(-32), false), (.same, 0, true), (.valid, 0.5, false), (.valid, -1, true)])
  func predictionsAndScoresMatchTheFloatReference(padding: Padding, offset: Float, poolAfterBatchNorm: Bool) throws {
    var rng = SplitMix64(seed: 900 + UInt64(offset.magnitude) + (poolAfterBatchNorm ? 1 : 0))
    let (layers, input) = network(padding: padding, offset: offset, poolAfterBatchNorm: poolAfterBatchNorm, rng: &rng)
    let definition = try Folding.network(layers, input: input, labels: labels(4))
    let model = try Model(definition: definition)
    let reference = ConvolutionReferenceNetwork(layers: layers, input: input)
    let count = 80
    let images = randomImages(count: count, pixels: input.pixelCount, rng: &rng)
    let predictions = try model.predictLabels(images, count: count)
    var seen = Set<Int>()
    var worst: Float = 0
    for i in 0..<count {
      let slice = images[(i * input.pixelCount)..<((i + 1) * input.pixelCount)]
      let expected = reference.scores(slice)
      let engine = try model.classify(Array(slice)).scores
      for j in 0..<4 { worst = max(worst, abs(engine[j] - expected[j]) / max(1, abs(expected[j]))) }
      seen.insert(reference.predict(slice))
      #expect(predictions[i] == reference.predict(slice), "image \(i)")
    }
    #expect(worst < 1e-5, "largest relative score difference \(worst)")
    #expect(seen.count > 1, "degenerate random network")
  }

  @Test func poolMasksFollowThePlaceOfThePool() throws {
    var rng = SplitMix64(seed: 31)
    for after in [false, true] {
      let (layers, input) = network(padding: .same, offset: 0, poolAfterBatchNorm: after, rng: &rng)
      let definition = try Folding.network(layers, input: input, labels: labels(4))
      // conv1, pool1, conv2, pool2, dense, output; randomBatchNorm makes every third gamma negative.
      guard case .convolution(_, _, _, let t1) = definition.layers[0],
        case .maxPool(_, let mask1) = definition.layers[1],
        case .convolution(_, _, _, let t2) = definition.layers[2], case .maxPool(_, let mask2) = definition.layers[3]
      else {
        Issue.record("unexpected layers")
        return
      }
      #expect(t1.flip != [0] && t2.flip != [0])
      #expect(mask1 == (after ? [0] : t1.flip))
      #expect(mask2 == (after ? t2.flip : [0]))
    }
  }

  @Test func firstConvolutionPaddedWithAnotherValueThanPixelZeroGetsBorderThresholds() throws {
    var rng = SplitMix64(seed: 5)
    var (layers, input) = network(padding: .same, offset: -1, poolAfterBatchNorm: false, rng: &rng)
    guard case .convolution(var conv) = layers[0] else { return }
    conv.inputPadValue = 0  // Keras' zero padding of x/127.5 - 1: a padded 0 is pixel 127.5
    layers[0] = .convolution(conv)
    let definition = try Folding.network(layers, input: input, labels: labels(4))
    #expect(definition.layers[0].hasBorderThresholds && definition.formatVersion == 3)
    let reference = ConvolutionReferenceNetwork(layers: layers, input: input)
    let images = randomImages(count: 60, pixels: input.pixelCount, rng: &rng)
    let predictions = try Model(definition: definition).predictLabels(images, count: 60)
    for i in 0..<60 {
      #expect(predictions[i] == reference.predict(images[(i * 64)..<((i + 1) * 64)]), "image \(i)")
    }
    input.offset = 0  // zero padding of x * scale: pixel 0, the engine's own padding
    let plain = try Folding.network(layers, input: input, labels: labels(4))
    #expect(!plain.layers[0].hasBorderThresholds && plain.formatVersion == 2)
  }
}
