import BinaryNet

/// The training images split into a training part (the first images) and a held-out
/// validation part (the last `validationCount` images).
public struct TrainingData: Sendable {
  public let pixels: [UInt8]
  public let labels: [UInt8]
  public let imageSize: Int
  /// Image geometry (for shift augmentation); `imageSize == width * height`.
  public let width: Int
  public let height: Int
  public let trainingCount: Int
  public let validationCount: Int

  public init(
    pixels: [UInt8], labels: [UInt8], width: Int, height: Int, validationCount: Int
  ) {
    let imageSize = width * height
    precondition(pixels.count == labels.count * imageSize)
    precondition(validationCount >= 0 && validationCount < labels.count)
    self.pixels = pixels
    self.labels = labels
    self.imageSize = imageSize
    self.width = width
    self.height = height
    trainingCount = labels.count - validationCount
    self.validationCount = validationCount
  }

  /// The images' shape (one channel).
  public var shape: TensorShape { TensorShape(height: height, width: width, channels: 1) }

  public var trainingIndices: Range<Int> { 0..<trainingCount }
  public var validationIndices: Range<Int> { trainingCount..<labels.count }
}
