/// Everything that determines a training run's result (with the data). Stored in the
/// checkpoint so that `--resume` continues the same run.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
  public var architecture: MLPArchitecture
  public var epochs: Int
  public var batchSize: Int
  /// Learning rate at the first step and (for decaying schedules) at the last.
  public var learningRate: Float
  public var finalLearningRate: Float
  public var schedule: LearningRateSchedule
  /// Multiply the binary weights' learning rate by `1/sqrt(1.5/(fanIn+fanOut))` (the BNN
  /// paper's Glorot scale); BatchNorm parameters always use the plain rate.
  public var glorotLearningRateScale: Bool
  public var seed: UInt64
  /// Shift each training image by a random offset in `-augmentShift...augmentShift` pixels
  /// along each axis (0 = no augmentation); validation and test images are never shifted.
  public var augmentShift: Int
  /// Images held out from the end of the training set for validation.
  public var validationCount: Int
  /// Training images used to re-estimate BatchNorm statistics before folding.
  public var reestimationCount: Int
  public var batchNormEpsilon: Float
  public var batchNormMomentum: Float

  public init(
    architecture: MLPArchitecture, epochs: Int = Self.defaultEpochs,
    batchSize: Int = Self.defaultBatchSize, learningRate: Float = Self.defaultLearningRate,
    finalLearningRate: Float = Self.defaultFinalLearningRate,
    schedule: LearningRateSchedule = Self.defaultSchedule,
    glorotLearningRateScale: Bool = Self.defaultGlorotScale, seed: UInt64 = 1,
    augmentShift: Int = Self.defaultAugmentShift,
    validationCount: Int = Self.defaultValidationCount,
    reestimationCount: Int = Self.defaultReestimationCount,
    batchNormEpsilon: Float = 1e-4, batchNormMomentum: Float = 0.1
  ) {
    self.architecture = architecture
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.finalLearningRate = finalLearningRate
    self.schedule = schedule
    self.glorotLearningRateScale = glorotLearningRateScale
    self.seed = seed
    self.augmentShift = augmentShift
    self.validationCount = validationCount
    self.reestimationCount = reestimationCount
    self.batchNormEpsilon = batchNormEpsilon
    self.batchNormMomentum = batchNormMomentum
  }

  public static let defaultEpochs = 20
  public static let defaultBatchSize = 100
  public static let defaultLearningRate: Float = 0.003
  public static let defaultFinalLearningRate: Float = 0.00003
  public static let defaultSchedule = LearningRateSchedule.exponential
  public static let defaultGlorotScale = true
  public static let defaultAugmentShift = 1
  public static let defaultValidationCount = 5000
  public static let defaultReestimationCount = 10000
}
