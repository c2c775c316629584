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
  /// Mirror training images left-right at random (for natural images; not for digits).
  public var augmentFlip: Bool
  /// Images held out from the training set for validation.
  public var validationCount: Int
  /// How they are chosen: `.stratified` with `seed`; checkpoints written before the
  /// seeded split held out the last images (`.last`).
  public var validationMethod: ValidationMethod
  /// The epoch whose model is folded at the end: the best on the validation images, or
  /// the last.
  public var keep: KeptEpoch
  /// Training images used to re-estimate BatchNorm statistics before folding.
  public var reestimationCount: Int
  public var batchNormEpsilon: Float
  public var batchNormMomentum: Float
  /// The arithmetic of the backward products (int8 gradients by default, or float32).
  public var gradients: GradientPrecision

  /// A configuration with the defaults for the kind of `architecture` where not given.
  public init(
    architecture: NetworkArchitecture, epochs: Int? = nil,
    batchSize: Int = Self.defaultBatchSize, learningRate: Float? = nil,
    finalLearningRate: Float? = nil,
    schedule: LearningRateSchedule = Self.defaultSchedule,
    glorotLearningRateScale: Bool = Self.defaultGlorotScale, seed: UInt64 = 1,
    augmentShift: Int? = nil, augmentFlip: Bool = false,
    validationCount: Int = Self.defaultValidationCount,
    validationMethod: ValidationMethod = .stratified, keep: KeptEpoch? = nil,
    reestimationCount: Int = Self.defaultReestimationCount,
    batchNormEpsilon: Float = 1e-4, batchNormMomentum: Float = 0.1,
    gradients: GradientPrecision = Self.defaultGradients
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
    self.augmentFlip = augmentFlip
    self.validationCount = validationCount
    self.validationMethod = validationMethod
    self.keep = keep ?? KeptEpoch.default(validationCount: validationCount)
    self.reestimationCount = reestimationCount
    self.batchNormEpsilon = batchNormEpsilon
    self.batchNormMomentum = batchNormMomentum
    self.gradients = gradients
  }

  /// The validation split this configuration trains with.
  public var split: ValidationSplit {
    switch validationMethod {
    case .last: return .last(validationCount)
    case .stratified: return .stratified(count: validationCount, seed: seed)
    }
  }

  /// How the validation images are chosen from the training set.
  public enum ValidationMethod: String, Codable, Sendable {
    /// A seeded random choice, stratified by class (`ValidationSplit.stratified`).
    case stratified
    /// The last images.
    case last
  }

  public static let defaultBatchSize = 100
  public static let defaultSchedule = LearningRateSchedule.exponential
  public static let defaultGlorotScale = true
  public static let defaultValidationCount = 5000
  public static let defaultReestimationCount = 10000
  /// `GradientPrecision.preferred`: int8 gradients where the CPU has their SIMD kernels
  /// (the same accuracy as float32 over several seeds, a faster backward pass), else
  /// float32.
  public static var defaultGradients: GradientPrecision { .preferred }

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

extension TrainingConfiguration {
  private enum CodingKeys: String, CodingKey {
    case architecture, epochs, batchSize, learningRate, finalLearningRate, schedule
    case glorotLearningRateScale, seed, augmentShift, augmentFlip, validationCount
    case validationMethod, keep, reestimationCount, batchNormEpsilon, batchNormMomentum
    case gradients
  }

  /// Decodes a stored configuration; the keys added later have the values that give the
  /// behaviour of the runs written before them: no flips, the last images held out, the
  /// last epoch kept, float32 gradients.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    architecture = try c.decode(NetworkArchitecture.self, forKey: .architecture)
    epochs = try c.decode(Int.self, forKey: .epochs)
    batchSize = try c.decode(Int.self, forKey: .batchSize)
    learningRate = try c.decode(Float.self, forKey: .learningRate)
    finalLearningRate = try c.decode(Float.self, forKey: .finalLearningRate)
    schedule = try c.decode(LearningRateSchedule.self, forKey: .schedule)
    glorotLearningRateScale = try c.decode(Bool.self, forKey: .glorotLearningRateScale)
    seed = try c.decode(UInt64.self, forKey: .seed)
    augmentShift = try c.decode(Int.self, forKey: .augmentShift)
    augmentFlip = try c.decodeIfPresent(Bool.self, forKey: .augmentFlip) ?? false
    validationCount = try c.decode(Int.self, forKey: .validationCount)
    validationMethod = try c.decodeIfPresent(ValidationMethod.self, forKey: .validationMethod) ?? .last
    keep = try c.decodeIfPresent(KeptEpoch.self, forKey: .keep) ?? .last
    reestimationCount = try c.decode(Int.self, forKey: .reestimationCount)
    batchNormEpsilon = try c.decode(Float.self, forKey: .batchNormEpsilon)
    batchNormMomentum = try c.decode(Float.self, forKey: .batchNormMomentum)
    gradients = try c.decodeIfPresent(GradientPrecision.self, forKey: .gradients) ?? .float32
  }
}
