import BinaryNet

/// Everything that determines a training run's result (with the data). Stored in the
/// checkpoint so that `--resume` continues the same run.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
  public var architecture: NetworkArchitecture
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

  /// A configuration with the defaults for the kind of `architecture` where not given.
  public init(
    architecture: NetworkArchitecture, epochs: Int? = nil,
    batchSize: Int = Self.defaultBatchSize, learningRate: Float? = nil,
    finalLearningRate: Float? = nil,
    schedule: LearningRateSchedule = Self.defaultSchedule,
    glorotLearningRateScale: Bool = Self.defaultGlorotScale, seed: UInt64 = 1,
    augmentShift: Int? = nil,
    validationCount: Int = Self.defaultValidationCount,
    reestimationCount: Int = Self.defaultReestimationCount,
    batchNormEpsilon: Float = 1e-4, batchNormMomentum: Float = 0.1
  ) {
    let defaults = Defaults(for: architecture)
    self.architecture = architecture
    self.epochs = epochs ?? defaults.epochs
    self.batchSize = batchSize
    self.learningRate = learningRate ?? defaults.learningRate
    self.finalLearningRate = finalLearningRate ?? defaults.finalLearningRate
    self.schedule = schedule
    self.glorotLearningRateScale = glorotLearningRateScale
    self.seed = seed
    self.augmentShift = augmentShift ?? defaults.augmentShift
    self.validationCount = validationCount
    self.reestimationCount = reestimationCount
    self.batchNormEpsilon = batchNormEpsilon
    self.batchNormMomentum = batchNormMomentum
  }

  public static let defaultBatchSize = 100
  public static let defaultSchedule = LearningRateSchedule.exponential
  public static let defaultGlorotScale = true
  public static let defaultValidationCount = 5000
  public static let defaultReestimationCount = 10000

  /// The defaults that differ between MLPs and convolutional networks (measured: see
  /// README, "Convolutional networks").
  public struct Defaults: Equatable, Sendable {
    public var epochs: Int
    public var learningRate: Float
    public var finalLearningRate: Float
    public var augmentShift: Int

    public static let mlp = Defaults(
      epochs: 20, learningRate: 0.003, finalLearningRate: 0.00003, augmentShift: 1)
    /// Ten more epochs than MLPs: `conv` reaches 99.45% on MNIST and 92.26% on
    /// Fashion-MNIST in 30 epochs.
    public static let convolutional = Defaults(
      epochs: 30, learningRate: 0.003, finalLearningRate: 0.00003, augmentShift: 1)

    public init(epochs: Int, learningRate: Float, finalLearningRate: Float, augmentShift: Int) {
      self.epochs = epochs
      self.learningRate = learningRate
      self.finalLearningRate = finalLearningRate
      self.augmentShift = augmentShift
    }

    public init(for architecture: NetworkArchitecture) {
      self = architecture.isConvolutional ? .convolutional : .mlp
    }
  }
}
