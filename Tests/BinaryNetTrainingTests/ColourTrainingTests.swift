import BinaryNet
import Testing

@testable import BinaryNetTraining

/// Colour (3-channel) images through the trainer and the folded engine.
@Suite struct ColourTrainingTests {
  /// A dense first layer, a 'same' convolution first, a stride-2 convolution first.
  static let architectures: [[NetworkArchitecture.Layer]] = [
    [.dense(outputs: 48), .dense(outputs: 4)],
    [
      .convolution(channels: 8, kernel: 3, stride: 1, padding: .same, pool: true),
      .dense(outputs: 24), .dense(outputs: 4),
    ],
    [
      .convolution(channels: 8, kernel: 3, stride: 2, padding: .same, pool: false),
      .convolution(channels: 12, kernel: 3, stride: 1, padding: .valid, pool: false),
      .dense(outputs: 4),
    ],
  ]

  static func configuration(net: Int, epochs: Int, flip: Bool = true) -> TrainingConfiguration {
    var configuration = SyntheticData.configuration(
      epochs: epochs,
      architecture: NetworkArchitecture(input: SyntheticData.colourShape, layers: architectures[net]))
    configuration.validationMethod = .stratified
    configuration.augmentFlip = flip
    return configuration
  }

  static func data(_ configuration: TrainingConfiguration, count: Int = 500) -> TrainingData {
    let (pixels, labels) = SyntheticData.colour(count: count)
    return TrainingData(
      pixels: pixels, labels: labels, shape: SyntheticData.colourShape, configuration: configuration)
  }

  /// The engine's labels equal the trainer's float forward on the colour training images
  /// and on colour noise (folding reads the input's channels; 0 differences).
  @Test(arguments: 0..<3)
  func foldedColourNetPredictsLikeTheTrainer(net: Int) throws {
    let configuration = Self.configuration(net: net, epochs: 2)
    let trainer = Trainer(configuration: configuration, data: Self.data(configuration), threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    let input = try trainer.model.fold(labels: ["r", "g", "b", "y"]).input
    #expect(input.channels == 3 && input.pixelCount == 192)
    let differing = try EngineParityTests.disagreements(trainer, noiseImages: 500)
    #expect(differing == 0, "\(differing) predictions differ")
  }

  /// The colour patches are learnable (chance is 25%): the channels reach the network in
  /// HWC order.
  @Test func colourNetLearnsTheColours() {
    let configuration = Self.configuration(net: 1, epochs: 4)
    let trainer = Trainer(configuration: configuration, data: Self.data(configuration, count: 800), threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    #expect(trainer.history.last!.validationAccuracy > 0.7, "\(trainer.history.map(\.validationAccuracy))")
  }

  /// With flips on, a run is the same on 1 and 3 threads, and differs from a run without.
  @Test func flipAugmentationIsReproducibleAcrossThreadCounts() {
    func run(threads: Int, flip: Bool) -> [[Float]] {
      let configuration = Self.configuration(net: 1, epochs: 2, flip: flip)
      let trainer = Trainer(configuration: configuration, data: Self.data(configuration), threads: threads)
      while !trainer.isFinished { trainer.trainEpoch() }
      return trainer.checkpoint().tensors
    }
    let one = run(threads: 1, flip: true)
    #expect(one == run(threads: 3, flip: true))
    #expect(one != run(threads: 1, flip: false))
  }
}
