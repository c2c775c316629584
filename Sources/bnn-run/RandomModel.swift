import BinaryNet
import CLISupport

extension BenchCommand {
  /// A random model of an architecture (28x28x1 input for convolutional specs and for
  /// 784-input MLPs), for benchmarking without a trained file. Timing does not depend
  /// on the weight values.
  static func randomModel(_ architecture: Architecture, kernel: KernelPath?) throws(CLIError) -> Model {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
    }
    func batchNorm(_ n: Int, spread: Float) -> BatchNormParameters {
      BatchNormParameters(
        gamma: (0..<n).map { _ in next() }, beta: (0..<n).map { _ in next() },
        mean: [Float](repeating: 0, count: n), variance: [Float](repeating: spread * spread, count: n), epsilon: 1e-5)
    }
    let flat = architecture.inputSize
    let imageShape =
      flat.map {
        $0 == 784 ? TensorShape(height: 28, width: 28, channels: 1) : TensorShape(height: 1, width: $0, channels: 1)
      }
      ?? TensorShape(height: 28, width: 28, channels: 1)
    let input = InputDescription(width: imageShape.width, height: imageShape.height, channels: 1)
    let shapes = try architecture.shapes(input: imageShape)
    var layers: [TrainedLayer] = []
    var shape = imageShape
    for (index, layer) in architecture.layers.enumerated() {
      switch layer {
      case .convolution(let c, let g, let pool):
        let k = g.kernelHeight * g.kernelWidth * shape.channels
        layers.append(
          .convolution(
            TrainedConvLayer(
              inputShape: shape, outputChannels: c, geometry: g, weights: (0..<(c * k)).map { _ in next() },
              poolAfter: pool, batchNorm: batchNorm(c, spread: Float(k).squareRoot()))))
      case .dense(let n):
        let k = shape.elementCount
        layers.append(
          .dense(
            TrainedDenseLayer(
              inputCount: k, outputCount: n, weights: (0..<(k * n)).map { _ in next() },
              batchNorm: batchNorm(n, spread: Float(k).squareRoot()))))
      }
      shape = shapes[index]
    }
    do {
      let definition = try Folding.network(
        layers, input: input, labels: (0..<architecture.classCount).map { String($0) })
      return try Model(definition: definition, kernelPath: kernel)
    } catch {
      throw .runtime(error.description)
    }
  }
}
