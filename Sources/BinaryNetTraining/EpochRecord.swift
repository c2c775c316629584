/// Figures of one finished epoch (the training curve, the progress lines, `--json`).
public struct EpochRecord: Codable, Equatable, Sendable {
  /// 1-based epoch number.
  public var epoch: Int
  /// Mean softmax cross-entropy over the epoch's batches (batch statistics).
  public var trainLoss: Double
  /// Fraction of training images classified right during the epoch (batch statistics).
  public var trainAccuracy: Double
  /// On the held-out images with the running BatchNorm statistics (0 without validation).
  public var validationLoss: Double
  public var validationAccuracy: Double
  /// Wall-clock seconds of the epoch's training steps plus validation.
  public var seconds: Double
  /// Learning rate of the epoch's last step.
  public var learningRate: Float

  public init(
    epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double,
    validationAccuracy: Double, seconds: Double, learningRate: Float
  ) {
    self.epoch = epoch
    self.trainLoss = trainLoss
    self.trainAccuracy = trainAccuracy
    self.validationLoss = validationLoss
    self.validationAccuracy = validationAccuracy
    self.seconds = seconds
    self.learningRate = learningRate
  }
}
