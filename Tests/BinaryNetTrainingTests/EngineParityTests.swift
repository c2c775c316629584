import BinaryNet
import BinaryNetFiles
import Foundation
import MNISTLoader
import Testing

@testable import BinaryNetTraining

/// The folded engine model must predict exactly what the trainer's float evaluation
/// predicts, on every image (DESIGN.md: parity, not merely close accuracy).
@Suite struct EngineParityTests {
  static func trained(
    _ configuration: TrainingConfiguration, data: TrainingData, seed: UInt64
  ) -> Trainer {
    var configuration = configuration
    configuration.seed = seed
    let trainer = Trainer(configuration: configuration, data: data, threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    return trainer
  }

  /// Re-estimates the BatchNorm statistics, folds, writes and re-loads the model, then
  /// compares the engine's labels with the trainer's float forward on the training images
  /// plus all-0, all-255 and random-noise images. Returns the number that differ.
  static func disagreements(_ trainer: Trainer, noiseImages: Int = 2000) throws -> Int {
    let model = trainer.model
    let gemm = GEMM(threads: 2)
    let data = trainer.data
    data.pixels.withUnsafeBufferPointer {
      model.reestimateBatchNormStatistics(
        pixels: $0.baseAddress!, indices: Array(0..<min(300, data.trainingCount)), gemm: gemm)
    }
    let size = data.imageSize
    var rng = Xoshiro256(seed: 77)
    var pixels = [UInt8](repeating: 0, count: size) + [UInt8](repeating: 255, count: size)
    for _ in 0..<noiseImages * size { pixels.append(UInt8(rng.nextIndex(below: 256))) }
    pixels += data.pixels
    let count = pixels.count / size
    let labels = [UInt8](repeating: 0, count: count)
    let float = pixels.withUnsafeBufferPointer { p in
      labels.withUnsafeBufferPointer { l in
        model.evaluate(
          pixels: p.baseAddress!, labels: l.baseAddress!, indices: Array(0..<count), gemm: gemm)
      }
    }
    let engine = try model.fold(labels: (0..<model.classCount).map { "class \($0)" })
    let path = NSTemporaryDirectory() + "bnn-parity-\(UUID().uuidString).bnn"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try engine.write(toFile: path)
    let reloaded = try Model(contentsOfFile: path)
    let predicted = try reloaded.predictLabels(pixels, count: count)
    return zip(predicted, float.predictions).filter { $0 != $1 }.count
  }

  @Test(arguments: [[16, 32, 24, 4], [16, 70, 4], [16, 4]])
  func foldedMLPPredictsLikeTheTrainer(widths: [Int]) throws {
    var configuration = SyntheticData.configuration(epochs: 3)
    configuration.architecture = .mlp(
      input: TensorShape(height: 4, width: 4, channels: 1), widths: Array(widths.dropFirst()))
    let trainer = Self.trained(
      configuration, data: SyntheticData.make(count: 900, validationCount: 100, seed: 5), seed: 5)
    let differing = try Self.disagreements(trainer)
    #expect(differing == 0, "\(differing) predictions differ")
  }

  /// Convolutions with 'same' padding (pixels padded with 0, activations with +1),
  /// 'valid' padding, stride 2, pooling of even and odd sizes (a dropped last row and
  /// column), a convolution straight into the output layer.
  static let convolutionNets: [[NetworkArchitecture.Layer]] = [
    SyntheticData.convolutionArchitecture.layers,
    [
      .convolution(channels: 5, kernel: 3, stride: 1, padding: .valid, pool: true),
      .convolution(channels: 7, kernel: 3, stride: 1, padding: .same, pool: false),
      .dense(outputs: 10), .dense(outputs: 4),
    ],
    [
      .convolution(channels: 4, kernel: 2, stride: 1, padding: .valid, pool: true),
      .dense(outputs: 4),
    ],
    [
      .convolution(channels: 3, kernel: 5, stride: 2, padding: .same, pool: false),
      .convolution(channels: 70, kernel: 1, stride: 1, padding: .same, pool: true),
      .dense(outputs: 4),
    ],
  ]

  @Test(arguments: 0..<4)
  func foldedConvolutionalNetPredictsLikeTheTrainer(net: Int) throws {
    let architecture = NetworkArchitecture(
      input: TensorShape(height: 8, width: 8, channels: 1), layers: Self.convolutionNets[net])
    let trainer = Self.trained(
      SyntheticData.configuration(epochs: 2, architecture: architecture),
      data: SyntheticData.shapes(count: 500, validationCount: 100), seed: 6)
    let differing = try Self.disagreements(trainer, noiseImages: 500)
    #expect(differing == 0, "\(differing) predictions differ")
  }

  /// A small convolutional net trained briefly on 1000 real MNIST digits agrees with the
  /// engine on all of them, on the first 1000 test digits and on noise.
  @Test func convolutionalNetOnMNISTDigitsPredictsLikeTheEngine() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "datasets/mnist"
      ).path
    let dataset = try Dataset.load(directory: folder, name: "mnist")
    let count = 1000
    let size = dataset.train.images.imageSize
    let pixels =
      Array(dataset.train.images.pixels.prefix(count * size))
      + Array(dataset.test.images.pixels.prefix(count * size))
    let labels =
      Array(dataset.train.labels.prefix(count)) + Array(dataset.test.labels.prefix(count))
    // The test digits are the "validation" part: never trained on.
    let data = TrainingData(
      pixels: pixels, labels: labels, width: 28, height: 28, validationCount: count)
    let architecture = NetworkArchitecture(
      input: TensorShape(height: 28, width: 28, channels: 1),
      layers: [
        .convolution(channels: 8, kernel: 3, stride: 1, padding: .same, pool: true),
        .convolution(channels: 16, kernel: 3, stride: 1, padding: .same, pool: true),
        .dense(outputs: 10),
      ])
    var configuration = SyntheticData.configuration(epochs: 2, architecture: architecture)
    configuration.validationCount = count
    configuration.batchSize = 20
    configuration.learningRate = 0.003
    configuration.finalLearningRate = 0.0003
    let trainer = Self.trained(configuration, data: data, seed: 1)
    #expect(trainer.history.last!.validationAccuracy > 0.6)
    let differing = try Self.disagreements(trainer, noiseImages: 100)
    #expect(differing == 0, "\(differing) predictions differ")
  }

  @Test func foldedLayersCarryTheTrainerParameters() {
    var configuration = SyntheticData.configuration(epochs: 1)
    configuration.architecture = .mlp(
      input: TensorShape(height: 4, width: 4, channels: 1), widths: [32, 4])
    let trainer = Self.trained(
      configuration, data: SyntheticData.make(count: 900, validationCount: 100, seed: 6), seed: 6)
    let layers = trainer.model.trainedLayers()
    #expect(layers.count == 2)
    guard case .dense(let first) = layers[0], case .dense(let second) = layers[1] else {
      Issue.record("an MLP folds into dense layers")
      return
    }
    #expect(first.weights == trainer.model.layers[0].latent.values)
    #expect(second.batchNorm.mean == trainer.model.layers[1].batchNorm.runningMean)
    #expect(second.batchNorm.epsilon == trainer.model.layers[1].batchNorm.epsilon)
    let input = BinaryNetwork.inputDescription(TensorShape(height: 4, width: 4, channels: 1))
    #expect(input.scale == 1 / 255 && input.offset == 0 && input.pixelCount == 16)

    let convolutional = Self.trained(
      SyntheticData.convolutionConfiguration(epochs: 1),
      data: SyntheticData.shapes(count: 300, validationCount: 100), seed: 6)
    let convLayers = convolutional.model.trainedLayers()
    guard case .convolution(let conv) = convLayers[0],
      case .convolution(let strided) = convLayers[1]
    else {
      Issue.record("convolutions fold into convolution layers")
      return
    }
    #expect(conv.poolAfter && !strided.poolAfter)
    #expect(conv.inputShape == TensorShape(height: 8, width: 8, channels: 1))
    #expect(strided.inputShape == TensorShape(height: 4, width: 4, channels: 16))
    #expect(
      strided.geometry == Geometry(kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .same))
    #expect(strided.weights == convolutional.model.layers[1].latent.values)
    #expect(strided.outputShape == TensorShape(height: 2, width: 2, channels: 16))
  }
}
