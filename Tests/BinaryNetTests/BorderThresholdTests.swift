import BinaryNet
import CPopcount
import Testing

/// Padding the engine does not reproduce, folded into per-border-class thresholds (format
/// v3), and the sign of the model input as a first layer. Each network is checked against
/// the independent float reference (`ConvolutionReferenceNetwork`, which pads with the
/// model's own values) on every kernel path. Scale 1/4 and quarter-valued offsets, pad
/// values and biases keep every float sum exact, so every prediction must agree.
@Suite("Border thresholds and the input sign (format v3)")
struct BorderThresholdTests {
  func quarters(_ n: Int, rng: inout SplitMix64) -> [Float] {
    (0..<n).map { _ in Float(Int.random(in: -8...8, using: &rng)) / 4 }
  }

  func weights(_ n: Int, rng: inout SplitMix64) -> [Float] {
    (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
  }

  /// One shape of network: the first convolution's window and pad value, the second's.
  struct Case: CustomStringConvertible, Sendable {
    var size: Int
    var channels: Int
    var first: Geometry
    var firstPad: Float?
    var firstChannels: Int
    var second: Geometry
    var secondPad: Float?
    var pool: Bool
    var inputSign: Bool = false
    var description: String {
      "\(size)x\(size)x\(channels) k\(first.kernelHeight)x\(first.kernelWidth)/s\(first.stride) pad \(String(describing: firstPad)), "
        + "k\(second.kernelHeight)/s\(second.stride) pad \(String(describing: secondPad))\(inputSign ? ", input sign" : "")"
    }
  }

  static let cases: [Case] = [
    // Keras' zero padding on x/4 - 32 and zero padding of ±1 activations, 3x3 with pooling.
    Case(
      size: 10, channels: 1, first: Geometry(kernelHeight: 3, kernelWidth: 3), firstPad: 0, firstChannels: 6,
      second: Geometry(kernelHeight: 3, kernelWidth: 3), secondPad: 0, pool: true),
    // 5x5 stride 2 on colour (K = 75, direct pixel path), an even 4x4 kernel, 70 channels (2 words).
    Case(
      size: 11, channels: 3, first: Geometry(kernelHeight: 5, kernelWidth: 5, stride: 2), firstPad: 0.5,
      firstChannels: 70, second: Geometry(kernelHeight: 4, kernelWidth: 4), secondPad: 0, pool: false),
    // K = 7x7x6 = 294 > 256: the bit-plane pixel path; a 2x3 kernel whose pad is 1 (the engine's).
    Case(
      size: 9, channels: 6, first: Geometry(kernelHeight: 7, kernelWidth: 7, stride: 3), firstPad: -2.25,
      firstChannels: 5, second: Geometry(kernelHeight: 2, kernelWidth: 3), secondPad: 1, pool: false),
    // A 3x3 input under a 5x5 kernel: windows overhang both sides; pad value -1 on ±1 inputs.
    Case(
      size: 3, channels: 2, first: Geometry(kernelHeight: 5, kernelWidth: 5), firstPad: 0, firstChannels: 4,
      second: Geometry(kernelHeight: 5, kernelWidth: 5, stride: 2), secondPad: -1, pool: false),
    // The sign of the input, then 'same' convolutions padded with 0.
    Case(
      size: 8, channels: 1, first: Geometry(kernelHeight: 3, kernelWidth: 3), firstPad: 0, firstChannels: 7,
      second: Geometry(kernelHeight: 3, kernelWidth: 3, stride: 2), secondPad: 0, pool: true, inputSign: true),
  ]

  func network(_ c: Case, rng: inout SplitMix64) -> ([TrainedLayer], InputDescription) {
    let input = InputDescription(width: c.size, height: c.size, channels: c.channels, scale: 0.25, offset: -32)
    let shape0 = TensorShape(height: c.size, width: c.size, channels: c.channels)
    let k1 = c.first.kernelHeight * c.first.kernelWidth * c.channels
    let conv1 = TrainedConvLayer(
      inputShape: shape0, outputChannels: c.firstChannels, geometry: c.first,
      weights: weights(k1 * c.firstChannels, rng: &rng), poolAfter: c.pool, bias: quarters(c.firstChannels, rng: &rng),
      inputPadValue: c.firstPad,
      batchNorm: randomBatchNorm(
        c.firstChannels, spread: c.inputSign ? Float(k1).squareRoot() : 8 * Float(k1), rng: &rng))
    let shape1 = conv1.outputShape!
    let k2 = c.second.kernelHeight * c.second.kernelWidth * shape1.channels
    let conv2 = TrainedConvLayer(
      inputShape: shape1, outputChannels: 9, geometry: c.second, weights: weights(k2 * 9, rng: &rng),
      poolAfter: false, bias: quarters(9, rng: &rng), inputPadValue: c.secondPad,
      batchNorm: randomBatchNorm(9, spread: Float(k2).squareRoot(), rng: &rng))
    let k3 = conv2.outputShape!.elementCount
    let output = TrainedDenseLayer(
      inputCount: k3, outputCount: 5, weights: weights(k3 * 5, rng: &rng), bias: quarters(5, rng: &rng),
      batchNorm: randomBatchNorm(5, spread: 3, rng: &rng))
    let head: [TrainedLayer] = c.inputSign ? [.inputSign] : []
    return (head + [.convolution(conv1), .convolution(conv2), .dense(output)], input)
  }

  @Test(arguments: cases)
  func everyKernelPathMatchesTheFloatReference(_ c: Case) throws {
    var rng = SplitMix64(seed: 4000 + UInt64(c.size * 31 + c.channels))
    let (layers, input) = network(c, rng: &rng)
    let definition = try Folding.network(layers, input: input, labels: labels(5))
    #expect(definition.formatVersion == 3)
    let bordered = definition.layers.filter { $0.hasBorderThresholds }.count
    let expectedBorders = (c.firstPad == nil ? 0 : 1) + (c.secondPad == 1 ? 0 : 1)
    #expect(bordered == expectedBorders)
    let reference = ConvolutionReferenceNetwork(layers: layers, input: input)
    let count = 120
    let images = randomImages(count: count, pixels: input.pixelCount, rng: &rng)
    var expected: [Int] = []
    for i in 0..<count {
      expected.append(reference.predict(images[(i * input.pixelCount)..<((i + 1) * input.pixelCount)]))
    }
    #expect(Set(expected).count > 1, "degenerate random network")
    for path in KernelPath.available {
      let model = try Model(definition: definition, kernelPath: path)
      let predictions = try model.predictLabels(images, count: count, batchSize: 7)
      let differences = (0..<count).filter { predictions[$0] != expected[$0] }
      #expect(differences.isEmpty, "\(path.name): images \(differences.prefix(10))")
    }
    // Without the border thresholds the engine would pad its own way and disagree.
    var unbordered = definition
    for i in unbordered.layers.indices {
      if case .convolution(let input, let window, let weights, var thresholds) = unbordered.layers[i] {
        thresholds.border = []
        unbordered.layers[i] = .convolution(input: input, window: window, weights: weights, thresholds: thresholds)
      }
    }
    if expectedBorders > 0 {
      let plain = try Model(definition: unbordered).predictLabels(images, count: count)
      #expect(plain != expected, "the border thresholds change nothing: the test cannot fail")
    }
  }

  /// Every border class of a channel has the BatchNorm's direction as its flip bit (the
  /// pooling mask relies on it), and the interior class holds the layer's thresholds.
  @Test func borderClassesShareTheFlipAndTheInteriorIsTheLayersThresholds() throws {
    var rng = SplitMix64(seed: 77)
    let (layers, input) = network(Self.cases[0], rng: &rng)
    let definition = try Folding.network(layers, input: input, labels: labels(5))
    guard case .convolution(let shape, let window, _, let t) = definition.layers[0],
      case .convolution(_, _, _, let t2) = definition.layers[2], case .maxPool(_, let mask) = definition.layers[1],
      case .convolution(let conv1) = layers[0]
    else {
      Issue.record("unexpected layers")
      return
    }
    let border = ConvolutionBorder(input: shape, window: window)
    #expect(border.classCount == 9 && border.interiorClass == 4)
    #expect(t.border.count == 9 * 6 && !t2.border.isEmpty)
    #expect(Array(t.border[(4 * 6)..<(5 * 6)]) == t.values)
    for j in 0..<6 {
      let flip = t.flip[0] >> UInt64(j) & 1 == 1
      #expect(flip == (conv1.batchNorm.gamma[j] < 0))
    }
    #expect(mask == t.flip)
  }

  @Test func axisBorderClasses() {
    // 'same' 3x3 stride 1 over 10: row 0 overhangs the top, row 9 the bottom.
    let a = AxisBorder(input: 10, kernel: 3, window: Geometry(kernelHeight: 3, kernelWidth: 3))
    #expect(a == AxisBorder(leading: 1, trailing: 1))
    #expect((0..<10).map { a.classIndex(ofOutput: $0, outputs: 10) } == [0, 1, 1, 1, 1, 1, 1, 1, 1, 2])
    // 7x7 stride 3 over 9: 3 outputs, pad 2 before: output 0 starts at -2, 1 at 1 (inside), 2 at 4 (ends at 11).
    let b = AxisBorder(input: 9, kernel: 7, window: Geometry(kernelHeight: 7, kernelWidth: 7, stride: 3))
    #expect(b == AxisBorder(leading: 1, trailing: 1))
    // 'valid' has no border; a 5-kernel over 3 overhangs everywhere.
    #expect(
      AxisBorder(input: 10, kernel: 3, window: Geometry(kernelHeight: 3, kernelWidth: 3, padding: .valid)).classCount
        == 1)
    let c = AxisBorder(input: 3, kernel: 5, window: Geometry(kernelHeight: 5, kernelWidth: 5))
    #expect(c == AxisBorder(leading: 2, trailing: 1))
    #expect(c.representative(ofClass: 2, outputs: 3) == nil)
  }

  @Test func inputSignBeforeADenseLayerIsFlat() throws {
    var rng = SplitMix64(seed: 12)
    let input = InputDescription(width: 9, height: 7, channels: 2, scale: 1 / 127.5, offset: -1)
    let k = input.pixelCount
    let hidden = TrainedDenseLayer(
      inputCount: k, outputCount: 70, weights: weights(k * 70, rng: &rng),
      batchNorm: randomBatchNorm(70, spread: Float(k).squareRoot(), rng: &rng))
    let output = TrainedDenseLayer(
      inputCount: 70, outputCount: 4, weights: weights(280, rng: &rng),
      batchNorm: randomBatchNorm(4, spread: 8, rng: &rng))
    let layers: [TrainedLayer] = [.inputSign, .dense(hidden), .dense(output)]
    let definition = try Folding.network(layers, input: input, labels: labels(4))
    guard case .inputSign(_, let flat, let t) = definition.layers[0] else {
      Issue.record("no input sign layer")
      return
    }
    // x/127.5 - 1 >= 0 from pixel 128 on: bit 1 (-1) below it.
    #expect(flat && t.values == [128, 128] && t.flip == [0])
    #expect(definition.kind(ofLayer: 0) == .pixelSign && definition.kind(ofLayer: 1) == .binaryDense)
    let reference = ConvolutionReferenceNetwork(layers: layers, input: input)
    let images = randomImages(count: 60, pixels: k, rng: &rng)
    for path in KernelPath.available {
      let model = try Model(definition: definition, kernelPath: path)
      let predictions = try model.predictLabels(images, count: 60, batchSize: 16)
      for i in 0..<60 {
        #expect(predictions[i] == reference.predict(images[(i * k)..<((i + 1) * k)]), "\(path.name) image \(i)")
      }
    }
  }

  @Test func bnnPixelSignPacksChannelsOrFlat() {
    // 2 pixels x 3 channels, thresholds 10, 20, 30; channel 1 flipped.
    let pixels: [UInt8] = [9, 20, 31, 10, 19, 29]
    let thresholds: [Int32] = [10, 20, 30]
    let flip: [UInt64] = [0b010]
    var perPixel = [UInt64](repeating: 99, count: 2)
    var flat = [UInt64](repeating: 99, count: 1)
    bnn_pixel_sign(pixels, 2, 3, thresholds, flip, 0, &perPixel)
    bnn_pixel_sign(pixels, 2, 3, thresholds, flip, 1, &flat)
    // Pixel 0: 9<10 -> 1, 20<20 no -> 0 ^1 = 1, 31<30 no -> 0. Pixel 1: 0, 1^1 = 0, 1.
    #expect(perPixel == [0b011, 0b100])
    #expect(flat == [0b100_011])
  }

  @Test func version3FilesRoundTripAndBadBorderPayloadsAreRefused() throws {
    var rng = SplitMix64(seed: 5)
    let (layers, input) = network(Self.cases[0], rng: &rng)
    let definition = try Folding.network(layers, input: input, labels: labels(5))
    let bytes = try definition.serialized()
    let model = try Model(bytes: bytes)
    #expect(model.formatVersion == 3 && model.serialized == bytes)
    #expect(bytes[8] == 3)

    // The interior class must equal the layer's thresholds.
    var bad = definition
    guard case .convolution(let shape, let window, let w, var t) = bad.layers[0] else { return }
    t.border[4 * 6] += 1
    bad.layers[0] = .convolution(input: shape, window: window, weights: w, thresholds: t)
    #expect(throws: ModelError.self) { try bad.serialized() }
    // One class too few.
    t.border = Array(t.border.dropLast(6))
    bad.layers[0] = .convolution(input: shape, window: window, weights: w, thresholds: t)
    #expect(throws: ModelError.self) { try bad.serialized() }

    // In the file: the flag on a version 2 file, on a layer that is no convolution, and
    // a border payload one class short.
    let table = Int(bytes[60]) | Int(bytes[61]) << 8
    func refused(_ edit: (inout [UInt8]) -> Void) -> Bool {
      var copy = bytes
      edit(&copy)
      let crc = copy.withUnsafeBytes { bnn_crc32(0, $0.baseAddress!, copy.count - 4) }
      for i in 0..<4 { copy[copy.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
      do {
        _ = try Model(bytes: copy)
        return false
      } catch { return true }
    }
    #expect(refused { $0[8] = 2 })
    #expect(refused { $0[table + 128 + 4] = 1 })  // layer 1 is the pooling layer
    #expect(refused { $0[table + 112] -= 24 })  // border payload bytes of layer 0
    #expect(refused { $0[table + 4] = 3 })  // an unknown flag bit
    #expect(!refused { _ in })
  }
}
