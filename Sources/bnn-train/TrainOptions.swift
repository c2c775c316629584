import BinaryNet
import BinaryNetData
import BinaryNetTraining
import CFloatKernels
import CLISupport
import Foundation

/// The command line of a training run, validated (usage errors exit with status 2).
struct TrainOptions {
  /// `--dataset` or, with `--data`, the file or folder name without extension; nil when
  /// absent (resume decides).
  var datasetName: String?
  /// `--data`: a data set of any kind (image folder, .npz, .npy folder, IDX folder).
  var dataPath: String?
  var imageSize: ImageSize?
  var resizeMethod: ResizeMethod?
  /// The canonical spec of `--arch`.
  var architecture: String?
  var epochs: Int?
  var batchSize: Int?
  var learningRate: Float?
  var finalLearningRate: Float?
  var schedule: LearningRateSchedule?
  var seed: UInt64?
  var augmentShift: Int?
  /// `--flip`; nil when absent (a resumed run keeps its own).
  var augmentFlip: Bool?
  var keep: KeptEpoch?
  var validationCount: Int?
  var reestimationCount: Int?
  var gradients: GradientPrecision?
  var threads: Int
  var sgemmPath: SGEMMPath
  var outputPath: String?
  var resume: Bool
  var json: Bool

  static var knownDatasets: [String] { TrainCommandLine.knownDatasets }

  /// `mlp-1024`, the architecture when `--arch` is not given.
  static let defaultArchitecture = "mlp-1024"

  init(_ arguments: ParsedCommand<TrainCommandLine>) throws(CLIError) {
    dataPath = arguments[\.data]
    if let name = arguments[\.dataset] {
      guard Self.knownDatasets.contains(name) || dataPath != nil else {
        throw .usage("unknown dataset '\(name)' (known: mnist, fashion-mnist; or give your data with --data PATH)")
      }
      datasetName = name
    } else if let dataPath {
      datasetName = URL(fileURLWithPath: dataPath).standardizedFileURL.deletingPathExtension().lastPathComponent
    }
    imageSize = arguments[\.size]
    resizeMethod = arguments[\.resize]
    architecture = arguments[\.arch]
    epochs = arguments[\.epochs]
    batchSize = arguments[\.batch]
    learningRate = arguments[\.learningRate].map { Float($0) }
    finalLearningRate = arguments[\.finalLearningRate].map { Float($0) }
    schedule = arguments[\.schedule]
    seed = arguments[\.seed]
    augmentShift = arguments[\.augment]
    augmentFlip = arguments[\.flip] ? true : nil
    keep = arguments[\.keep]
    validationCount = arguments[\.validation]
    reestimationCount = arguments[\.reestimation]
    gradients = arguments[\.gradients]
    threads = arguments[\.threads]
    sgemmPath = arguments[\.sgemm].path
    outputPath = arguments[\.out]
    resume = arguments[\.resume]
    json = arguments[\.json]
    if let schedule, schedule == .exponential, finalLearningRate == 0 {
      throw .usage("--lr-end must be positive with the exponential schedule")
    }
    if keep == .best, validationCount == 0 {
      throw .usage("--keep best needs validation images; with --val 0 use --keep last")
    }
  }

  /// How the data set is read: `--size`, `--resize` (default area), the run's seed.
  func dataSetOptions(seed: UInt64) -> DataSetOptions {
    DataSetOptions(
      size: imageSize.map { (height: $0.height, width: $0.width) }, resizeMethod: resizeMethod ?? .area,
      splitSeed: seed)
  }

  /// The configuration of a new run on `trainingImages` images: given options over the
  /// defaults (which depend on whether the network is convolutional; the validation count
  /// is at most a tenth of the images by default).
  func configuration(architecture: NetworkArchitecture, trainingImages: Int) -> TrainingConfiguration {
    let c = TrainingConfiguration.self
    return TrainingConfiguration(
      architecture: architecture, epochs: epochs, batchSize: batchSize ?? c.defaultBatchSize,
      learningRate: learningRate, finalLearningRate: finalLearningRate,
      schedule: schedule ?? c.defaultSchedule, seed: seed ?? 1, augmentShift: augmentShift,
      augmentFlip: augmentFlip ?? false,
      validationCount: validationCount ?? min(c.defaultValidationCount, trainingImages / 10), keep: keep,
      reestimationCount: reestimationCount ?? c.defaultReestimationCount,
      gradients: gradients ?? c.defaultGradients)
  }

  /// Usage error for every given option that differs from a resumed checkpoint's value
  /// (`--epochs` may differ: it extends the run).
  func checkAgrees(with configuration: TrainingConfiguration, checkpointPath: String)
    throws(CLIError)
  {
    var conflicts: [String] = []
    func check<T: Equatable>(_ name: String, _ given: T?, _ stored: T, _ show: (T) -> String) {
      if let given, given != stored {
        conflicts.append("--\(name) \(show(given)) (checkpoint: \(show(stored)))")
      }
    }
    let d = TrainCommandLine()
    check(d.arch.info.name, architecture, configuration.architecture.spec) { NetworkArchitecture.name(ofSpec: $0) }
    check(d.batch.info.name, batchSize, configuration.batchSize) { String($0) }
    check(d.learningRate.info.name, learningRate, configuration.learningRate) { "\($0)" }
    check(d.finalLearningRate.info.name, finalLearningRate, configuration.finalLearningRate) { "\($0)" }
    check(d.schedule.info.name, schedule, configuration.schedule) { $0.rawValue }
    check(d.seed.info.name, seed, configuration.seed) { String($0) }
    check(d.augment.info.name, augmentShift, configuration.augmentShift) { String($0) }
    check(d.flip.info.name, augmentFlip, configuration.augmentFlip) { $0 ? "given" : "off" }
    check(d.keep.info.name, keep, configuration.keep) { $0.rawValue }
    check(d.validation.info.name, validationCount, configuration.validationCount) { String($0) }
    check(d.reestimation.info.name, reestimationCount, configuration.reestimationCount) { String($0) }
    check(d.gradients.info.name, gradients, configuration.gradients) { $0.rawValue }
    if !conflicts.isEmpty {
      throw .usage(
        "--resume keeps the configuration of \(checkpointPath); conflicting: "
          + conflicts.joined(separator: ", "))
    }
  }
}
