import BinaryNet

@testable import BinaryNetTraining

/// Small learnable problems for the trainer tests.
enum SyntheticData {
  /// 4x4 images, 4 classes; class k lights up quadrant k (bright pixels with noise),
  /// everything else is dim noise.
  static func make(count: Int, validationCount: Int, seed: UInt64 = 11) -> TrainingData {
    var rng = Xoshiro256(seed: seed)
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for _ in 0..<count {
      let label = rng.nextIndex(below: 4)
      labels.append(UInt8(label))
      for pixel in 0..<16 {
        let (row, col) = (pixel / 4, pixel % 4)
        let quadrant = (row / 2) * 2 + col / 2
        let base = quadrant == label ? 150 : 20
        pixels.append(UInt8(base + rng.nextIndex(below: 100)))
      }
    }
    return TrainingData(
      pixels: pixels, labels: labels, width: 4, height: 4, validationCount: validationCount)
  }

  /// 8x8 images, 4 classes of shapes at random positions on dim noise: a horizontal bar
  /// of 4 pixels, a vertical bar, a 2x2 square, a diagonal of 3 pixels. Position-invariant
  /// features: a job for convolutions.
  static func shapes(count: Int, validationCount: Int, seed: UInt64 = 12) -> TrainingData {
    var rng = Xoshiro256(seed: seed)
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    let strokes: [[(Int, Int)]] = [
      [(0, 0), (0, 1), (0, 2), (0, 3)], [(0, 0), (1, 0), (2, 0), (3, 0)],
      [(0, 0), (0, 1), (1, 0), (1, 1)], [(0, 0), (1, 1), (2, 2)],
    ]
    for _ in 0..<count {
      let label = rng.nextIndex(below: 4)
      labels.append(UInt8(label))
      var image = (0..<64).map { _ in UInt8(rng.nextIndex(below: 60)) }
      let height = strokes[label].map(\.0).max()! + 1
      let width = strokes[label].map(\.1).max()! + 1
      let top = rng.nextIndex(below: 8 - height + 1)
      let left = rng.nextIndex(below: 8 - width + 1)
      for (dy, dx) in strokes[label] {
        image[(top + dy) * 8 + left + dx] = UInt8(180 + rng.nextIndex(below: 76))
      }
      pixels += image
    }
    return TrainingData(
      pixels: pixels, labels: labels, width: 8, height: 8, validationCount: validationCount)
  }

  /// 8x8 RGB images, 4 classes: a 3x3 patch of one colour (red, green, blue, yellow) at a
  /// random place on colour noise, so that a class is told by the mix of channels.
  static func colour(count: Int, seed: UInt64 = 13) -> (pixels: [UInt8], labels: [UInt8]) {
    var rng = Xoshiro256(seed: seed)
    let colours: [[Int]] = [[230, 30, 30], [30, 230, 30], [30, 30, 230], [230, 230, 30]]
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for _ in 0..<count {
      let label = rng.nextIndex(below: 4)
      labels.append(UInt8(label))
      var image = (0..<192).map { _ in UInt8(rng.nextIndex(below: 120)) }
      let (top, left) = (rng.nextIndex(below: 6), rng.nextIndex(below: 6))
      for r in top..<(top + 3) {
        for c in left..<(left + 3) {
          for k in 0..<3 { image[(r * 8 + c) * 3 + k] = UInt8(colours[label][k] + rng.nextIndex(below: 25)) }
        }
      }
      pixels += image
    }
    return (pixels, labels)
  }

  static let colourShape = TensorShape(height: 8, width: 8, channels: 3)

  /// An MLP on the 4x4 images: `16-32-24-4`.
  static func configuration(epochs: Int = 4) -> TrainingConfiguration {
    configuration(
      epochs: epochs,
      architecture: .mlp(input: TensorShape(height: 4, width: 4, channels: 1), widths: [32, 24, 4]))
  }

  /// A convolutional net on the 8x8 shapes: a 'same' convolution (pixels padded with 0)
  /// with pooling, a strided convolution (activations padded with +1), two dense layers.
  static func convolutionConfiguration(epochs: Int = 3) -> TrainingConfiguration {
    configuration(epochs: epochs, architecture: convolutionArchitecture)
  }

  static let convolutionArchitecture = NetworkArchitecture(
    input: TensorShape(height: 8, width: 8, channels: 1),
    layers: [
      .convolution(channels: 16, kernel: 3, stride: 1, padding: .same, pool: true),
      .convolution(channels: 16, kernel: 3, stride: 2, padding: .same, pool: false),
      .dense(outputs: 32), .dense(outputs: 4),
    ])

  /// The data of `make` and `shapes` hold out their last images (`.last`): they are drawn
  /// independently, so the tail is as good a validation set as any.
  static func configuration(epochs: Int, architecture: NetworkArchitecture)
    -> TrainingConfiguration
  {
    TrainingConfiguration(
      architecture: architecture, epochs: epochs, batchSize: 20, learningRate: 0.01,
      finalLearningRate: 0.001, schedule: .exponential, glorotLearningRateScale: true, seed: 99,
      augmentShift: 1, validationCount: 100, validationMethod: .last, reestimationCount: 200)
  }
}
