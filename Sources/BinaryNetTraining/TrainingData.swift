import MNISTLoader

/// The training images split into a training part (the first images) and a held-out
/// validation part (the last `validationCount` images).
public struct TrainingData: Sendable {
  public let pixels: [UInt8]
  public let labels: [UInt8]
  public let imageSize: Int
  public let trainingCount: Int
  public let validationCount: Int

  public init(pixels: [UInt8], labels: [UInt8], imageSize: Int, validationCount: Int) {
    precondition(pixels.count == labels.count * imageSize)
    precondition(validationCount >= 0 && validationCount < labels.count)
    self.pixels = pixels
    self.labels = labels
    self.imageSize = imageSize
    trainingCount = labels.count - validationCount
    self.validationCount = validationCount
  }

  public init(_ images: LabeledImages, validationCount: Int) {
    self.init(
      pixels: images.images.pixels, labels: images.labels, imageSize: images.images.imageSize,
      validationCount: validationCount)
  }

  public var trainingIndices: Range<Int> { 0..<trainingCount }
  public var validationIndices: Range<Int> { trainingCount..<labels.count }
}
