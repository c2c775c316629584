@testable import BinaryNetTraining

/// A small learnable problem: 4x4 images, 4 classes; class k lights up quadrant k
/// (bright pixels with noise), everything else is dim noise.
enum SyntheticData {
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

  static func configuration(epochs: Int = 4) -> TrainingConfiguration {
    TrainingConfiguration(
      architecture: MLPArchitecture(widths: [16, 32, 24, 4]), epochs: epochs, batchSize: 20,
      learningRate: 0.01, finalLearningRate: 0.001, schedule: .exponential,
      glorotLearningRateScale: true, seed: 99, validationCount: 100, reestimationCount: 200)
  }
}
