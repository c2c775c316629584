import BinaryNet
import CLISupport

extension BenchCommand {
  /// A random model of an architecture given as `--arch` text, for benchmarking without a
  /// trained file (timing does not depend on the weight values). The input is `input`
  /// when given (an MLP spec's input size must be its element count); otherwise 28x28x1
  /// for convolutional specs and for 784-input MLPs, 1xNx1 for other MLPs.
  static func randomModel(_ text: String, kernel: KernelPath?, input: TensorShape? = nil) throws(CLIError) -> Model {
    let shape = input ?? TensorShape(height: 28, width: 28, channels: 1)
    let imageShape =
      try NetworkArchitecture.optionInputSize(text).map {
        $0 == shape.elementCount ? shape : TensorShape(height: 1, width: $0, channels: 1)
      } ?? shape
    if let input, imageShape != input {
      throw .usage("the architecture \(text) takes \(imageShape.elementCount) inputs, not \(input) images")
    }
    let architecture = try NetworkArchitecture.option(text, input: imageShape)
    guard let geometries = architecture.layerGeometries else {
      throw .usage("the architecture \(architecture.spec) does not fit \(imageShape) images")
    }
    var random = RandomParameters()
    let layers: [TrainedLayer] = geometries.map { g in
      let k = g.dotLength
      let weights = (0..<(g.outputChannels * k)).map { _ in random.next() }
      let batchNorm = random.batchNorm(g.outputChannels, spread: Float(k).squareRoot())
      if g.isDense {
        return .dense(
          TrainedDenseLayer(
            inputCount: k, outputCount: g.outputChannels, weights: weights, batchNorm: batchNorm))
      }
      return .convolution(
        TrainedConvLayer(
          inputShape: g.input, outputChannels: g.outputChannels, geometry: g.window, weights: weights,
          poolAfter: g.pool, batchNorm: batchNorm))
    }
    let input = InputDescription(
      width: imageShape.width, height: imageShape.height, channels: imageShape.channels)
    do {
      let definition = try Folding.network(
        layers, input: input, labels: (0..<architecture.classCount).map { String($0) })
      return try Model(definition: definition, kernelPath: kernel)
    } catch {
      throw .runtime(error.description)
    }
  }
}

/// Deterministic parameters in [-1, 1] (a linear congruential generator: benchmarks
/// need the same model every run, not good randomness).
private struct RandomParameters {
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15

  mutating func next() -> Float {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
  }

  /// BatchNorm with random gamma and beta, zero mean and variance `spread^2`.
  mutating func batchNorm(_ n: Int, spread: Float) -> BatchNormParameters {
    BatchNormParameters(
      gamma: (0..<n).map { _ in next() }, beta: (0..<n).map { _ in next() },
      mean: [Float](repeating: 0, count: n), variance: [Float](repeating: spread * spread, count: n), epsilon: 1e-5)
  }
}
