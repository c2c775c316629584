import BinaryNet

/// Labelled images (`height x width x channels`, HWC, 8-bit) split into a training part
/// and a held-out validation part, each a list of image indices in ascending order.
public struct TrainingData: Sendable {
  public let pixels: [UInt8]
  public let labels: [UInt8]
  /// The images' shape; `channels` is 1 (grey) or 3 (RGB).
  public let shape: TensorShape
  /// Bytes per image: `height * width * channels`.
  public let imageSize: Int
  public let trainingIndices: [Int]
  public let validationIndices: [Int]

  /// The images with the validation part chosen by `split` (see `ValidationSplit`).
  public init(pixels: [UInt8], labels: [UInt8], shape: TensorShape, split: ValidationSplit) {
    precondition(shape.channels == 1 || shape.channels == 3, "images have 1 or 3 channels")
    precondition(pixels.count == labels.count * shape.elementCount)
    precondition(split.validationCount >= 0 && split.validationCount < labels.count)
    self.pixels = pixels
    self.labels = labels
    self.shape = shape
    imageSize = shape.elementCount
    (trainingIndices, validationIndices) = split.indices(labels: labels)
  }

  /// Grey images with the last `validationCount` held out (a fixed split, for callers
  /// whose validation images are given separately).
  public init(pixels: [UInt8], labels: [UInt8], width: Int, height: Int, validationCount: Int) {
    self.init(
      pixels: pixels, labels: labels, shape: TensorShape(height: height, width: width, channels: 1),
      split: .last(validationCount))
  }

  /// The images split as `configuration` says (its validation count, method and seed):
  /// the data a `Trainer` with that configuration, fresh or resumed, expects.
  public init(pixels: [UInt8], labels: [UInt8], shape: TensorShape, configuration: TrainingConfiguration) {
    self.init(pixels: pixels, labels: labels, shape: shape, split: configuration.split)
  }

  public var width: Int { shape.width }
  public var height: Int { shape.height }
  public var channels: Int { shape.channels }
  public var trainingCount: Int { trainingIndices.count }
  public var validationCount: Int { validationIndices.count }
}
