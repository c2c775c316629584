import BinaryNet
import Testing

@Suite("Convolution and pooling agree with a float reference")
struct ConvolutionTests {
  struct ConvSpec {
    var channels: Int
    var kernel: Int
    var stride: Int
    var padding: Padding
    var pool: Bool
  }

  /// (input h, w, c), convolutions, dense widths after flattening (last = classes).
  static let networks: [(h: Int, w: Int, c: Int, convs: [ConvSpec], dense: [Int])] = [
    (6, 6, 1, [ConvSpec(channels: 3, kernel: 3, stride: 1, padding: .same, pool: false)], [4]),
    (
      8, 7, 1,
      [
        ConvSpec(channels: 5, kernel: 3, stride: 1, padding: .same, pool: true),
        ConvSpec(channels: 70, kernel: 3, stride: 1, padding: .same, pool: true),
      ], [3]
    ),
    (
      9, 9, 2,
      [
        ConvSpec(channels: 64, kernel: 3, stride: 2, padding: .same, pool: false),
        ConvSpec(channels: 65, kernel: 3, stride: 1, padding: .valid, pool: false),
      ], [20, 5]
    ),
    (
      10, 11, 1,
      [
        ConvSpec(channels: 7, kernel: 5, stride: 2, padding: .valid, pool: false),
        ConvSpec(channels: 129, kernel: 1, stride: 1, padding: .same, pool: true),
      ], [6]
    ),
    (
      12, 12, 3,
      [
        ConvSpec(channels: 16, kernel: 3, stride: 1, padding: .same, pool: true),
        ConvSpec(channels: 33, kernel: 3, stride: 2, padding: .same, pool: false),
        ConvSpec(channels: 8, kernel: 2, stride: 1, padding: .same, pool: false),
      ], [17, 10]
    ),
    // A first-layer window of 9x9x4 = 324 > 256 pixels runs on bit-planes, not raw bytes.
    (10, 10, 4, [ConvSpec(channels: 37, kernel: 9, stride: 1, padding: .same, pool: true)], [5]),
  ]

  func randomNetwork(_ index: Int, rng: inout SplitMix64) -> ([TrainedLayer], InputDescription) {
    let spec = Self.networks[index]
    let input = InputDescription(width: spec.w, height: spec.h, channels: spec.c, scale: 1 / 255, offset: 0)
    var shape = TensorShape(height: spec.h, width: spec.w, channels: spec.c)
    var layers: [TrainedLayer] = []
    for (i, conv) in spec.convs.enumerated() {
      let g = Geometry(kernelHeight: conv.kernel, kernelWidth: conv.kernel, stride: conv.stride, padding: conv.padding)
      let k = conv.kernel * conv.kernel * shape.channels
      let spread = i == 0 ? Float(k).squareRoot() * 60 / 255 : Float(k).squareRoot()
      let layer = TrainedConvLayer(
        inputShape: shape, outputChannels: conv.channels, geometry: g,
        weights: (0..<(conv.channels * k)).map { _ in Float.random(in: -1...1, using: &rng) },
        poolAfter: conv.pool, batchNorm: randomBatchNorm(conv.channels, spread: spread, rng: &rng))
      layers.append(.convolution(layer))
      shape = layer.outputShape!
    }
    var inputs = shape.elementCount
    for width in spec.dense {
      layers.append(
        .dense(
          TrainedDenseLayer(
            inputCount: inputs, outputCount: width,
            weights: (0..<(inputs * width)).map { _ in Float.random(in: -1...1, using: &rng) },
            batchNorm: randomBatchNorm(width, spread: Float(inputs).squareRoot(), rng: &rng))))
      inputs = width
    }
    return (layers, input)
  }

  @Test(arguments: networks.indices)
  func predictionsMatchTheFloatReference(index: Int) throws {
    var rng = SplitMix64(seed: 500 + UInt64(index))
    let (layers, input) = randomNetwork(index, rng: &rng)
    let classes = Self.networks[index].dense.last!
    let definition = try Folding.network(layers, input: input, labels: labels(classes))
    #expect(definition.formatVersion == 2)
    let reference = ConvolutionReferenceNetwork(layers: layers, input: input)
    let count = 60
    let images = randomImages(count: count, pixels: input.pixelCount, rng: &rng)
    var seen = Set<Int>()
    for path in KernelPath.available {
      let model = try Model(definition: definition, kernelPath: path)
      let predictions = try model.predictLabels(images, count: count, batchSize: 4)
      for i in 0..<count {
        let slice = images[(i * input.pixelCount)..<((i + 1) * input.pixelCount)]
        let expected = reference.predict(slice)
        seen.insert(expected)
        #expect(predictions[i] == expected, "network \(index) image \(i) on \(path.name)")
      }
    }
    #expect(seen.count > 1, "degenerate random network")
  }

  @Test func convolutionModelsRoundTripThroughTheFile() throws {
    var rng = SplitMix64(seed: 77)
    let (layers, input) = randomNetwork(1, rng: &rng)
    let definition = try Folding.network(layers, input: input, labels: labels(3))
    let bytes = try definition.serialized()
    #expect(bytes[8] == 2)  // version 2: has convolution and pooling layers
    let model = try Model(bytes: bytes)
    #expect(model.serialized == bytes)
    #expect(model.layerSummaries.map(\.kind) == [.pixelConv, .maxPool, .binaryConv, .maxPool, .binaryOutput])
    // A dense-only model is still written as version 1, readable by older readers.
    let dense = try smallModelBytes()
    #expect(dense[8] == 1)
  }

  @Test func poolingUsesOrForDecreasingBatchNorm() throws {
    // One 2x2 image, one channel, conv 1x1 weight +1: z = pixel. Pool takes the max of z.
    let input = InputDescription(width: 2, height: 2, channels: 1, scale: 1, offset: 0)
    for gamma: Float in [1, -1] {
      let conv = TrainedConvLayer(
        inputShape: TensorShape(height: 2, width: 2, channels: 1), outputChannels: 1,
        geometry: Geometry(kernelHeight: 1, kernelWidth: 1), weights: [1], poolAfter: true,
        batchNorm: BatchNormParameters(gamma: [gamma], beta: [0], mean: [100], variance: [1], epsilon: 0))
      let output = TrainedDenseLayer(
        inputCount: 1, outputCount: 2, weights: [1, 1],
        batchNorm: BatchNormParameters(gamma: [1, 0], beta: [0, 0], mean: [0, 0], variance: [1, 1], epsilon: 0))
      let model = try foldNetwork([.convolution(conv), .dense(output)], input: input, labels: ["plus", "minus"])
      // max = 200 > 100: BN(max) >= 0 iff gamma > 0.
      let mixed: [UInt8] = [0, 200, 0, 0]
      #expect(try model.classify(mixed).label == (gamma > 0 ? 0 : 1))
      let low: [UInt8] = [0, 50, 0, 0]
      #expect(try model.classify(low).label == (gamma > 0 ? 1 : 0))
    }
  }

  @Test func badConvolutionsAreRefused() {
    let input = InputDescription(width: 4, height: 4, channels: 1, scale: 1 / 255, offset: 0)
    let shape = TensorShape(height: 4, width: 4, channels: 1)
    func conv(kernel: Int, padding: Padding, weights: Int? = nil, shape s: TensorShape = shape) -> TrainedLayer {
      .convolution(
        TrainedConvLayer(
          inputShape: s, outputChannels: 2,
          geometry: Geometry(kernelHeight: kernel, kernelWidth: kernel, padding: padding),
          weights: [Float](repeating: 1, count: weights ?? 2 * kernel * kernel), poolAfter: false,
          batchNorm: BatchNormParameters(gamma: [1, 1], beta: [0, 0], mean: [0, 0], variance: [1, 1], epsilon: 0)))
    }
    let head = TrainedLayer.dense(
      TrainedDenseLayer(
        inputCount: 32, outputCount: 2, weights: [Float](repeating: 1, count: 64),
        batchNorm: BatchNormParameters(gamma: [1, 1], beta: [0, 0], mean: [0, 0], variance: [1, 1], epsilon: 0)))
    #expect(throws: Never.self) {
      try Folding.network([conv(kernel: 3, padding: .same), head], input: input, labels: ["a", "b"])
    }
    // Kernel larger than a 'valid' input, wrong weight count, wrong input shape, conv last.
    #expect(throws: ModelError.self) {
      try Folding.network([conv(kernel: 5, padding: .valid), head], input: input, labels: ["a", "b"])
    }
    #expect(throws: ModelError.self) {
      try Folding.network([conv(kernel: 3, padding: .same, weights: 17), head], input: input, labels: ["a", "b"])
    }
    #expect(throws: ModelError.self) {
      try Folding.network(
        [conv(kernel: 3, padding: .same, shape: TensorShape(height: 5, width: 4, channels: 1)), head], input: input,
        labels: ["a", "b"])
    }
    #expect(throws: ModelError.self) {
      try Folding.network([conv(kernel: 3, padding: .same)], input: input, labels: ["a", "b"])
    }
    // An input sign anywhere but first, or with no weight layer after it.
    #expect(throws: ModelError.self) {
      try Folding.network([conv(kernel: 3, padding: .same), .inputSign, head], input: input, labels: ["a", "b"])
    }
    #expect(throws: ModelError.self) { try Folding.network([.inputSign], input: input, labels: ["a", "b"]) }
  }
}
