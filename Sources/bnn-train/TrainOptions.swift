import BinaryNet
import BinaryNetTraining
import CFloatKernels
import CLISupport
import Foundation

/// The command line of a training run, validated (usage errors exit with status 2).
struct TrainOptions {
  /// `--dataset` or, with `--data`, the folder's name; nil when absent (resume decides).
  var datasetName: String?
  var dataDirectory: String?
  /// The canonical spec of `--arch`.
  var architecture: String?
  var epochs: Int?
  var batchSize: Int?
  var learningRate: Float?
  var finalLearningRate: Float?
  var schedule: LearningRateSchedule?
  var seed: UInt64?
  var augmentShift: Int?
  var validationCount: Int?
  var reestimationCount: Int?
  var threads: Int
  var sgemmPath: SGEMMPath
  var outputPath: String?
  var resume: Bool
  var json: Bool

  static var knownDatasets: [String] { TrainCommandLine.knownDatasets }

  /// `mlp-1024`, the architecture when `--arch` is not given.
  static let defaultArchitecture = "mlp-1024"

  init(_ arguments: ParsedCommand<TrainCommandLine>) throws(CLIError) {
    dataDirectory = arguments[\.data]
    if let name = arguments[\.dataset] {
      guard Self.knownDatasets.contains(name) || dataDirectory != nil else {
        throw .usage("unknown dataset '\(name)' (known: mnist, fashion-mnist; or give a folder with --data DIR)")
      }
      datasetName = name
    } else if let dataDirectory {
      datasetName = URL(fileURLWithPath: dataDirectory).standardizedFileURL.lastPathComponent
    }
    architecture = arguments[\.arch]
    epochs = arguments[\.epochs]
    batchSize = arguments[\.batch]
    learningRate = arguments[\.learningRate].map { Float($0) }
    finalLearningRate = arguments[\.finalLearningRate].map { Float($0) }
    schedule = arguments[\.schedule]
    seed = arguments[\.seed]
    augmentShift = arguments[\.augment]
    validationCount = arguments[\.validation]
    reestimationCount = arguments[\.reestimation]
    threads = arguments[\.threads]
    sgemmPath = arguments[\.sgemm].path
    outputPath = arguments[\.out]
    resume = arguments[\.resume]
    json = arguments[\.json]
    if let schedule, schedule == .exponential, finalLearningRate == 0 {
      throw .usage("--lr-end must be positive with the exponential schedule")
    }
  }

  /// The configuration of a new run: given options over the defaults (which depend on
  /// whether the network is convolutional).
  func configuration(architecture: NetworkArchitecture) -> TrainingConfiguration {
    let c = TrainingConfiguration.self
    return TrainingConfiguration(
      architecture: architecture, epochs: epochs, batchSize: batchSize ?? c.defaultBatchSize,
      learningRate: learningRate, finalLearningRate: finalLearningRate,
      schedule: schedule ?? c.defaultSchedule, seed: seed ?? 1, augmentShift: augmentShift,
      validationCount: validationCount ?? c.defaultValidationCount,
      reestimationCount: reestimationCount ?? c.defaultReestimationCount)
  }

  /// Usage error for every given option that differs from a resumed checkpoint's value.
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
    check(d.epochs.info.name, epochs, configuration.epochs) { String($0) }
    check(d.batch.info.name, batchSize, configuration.batchSize) { String($0) }
    check(d.learningRate.info.name, learningRate, configuration.learningRate) { "\($0)" }
    check(d.finalLearningRate.info.name, finalLearningRate, configuration.finalLearningRate) { "\($0)" }
    check(d.schedule.info.name, schedule, configuration.schedule) { $0.rawValue }
    check(d.seed.info.name, seed, configuration.seed) { String($0) }
    check(d.augment.info.name, augmentShift, configuration.augmentShift) { String($0) }
    check(d.validation.info.name, validationCount, configuration.validationCount) { String($0) }
    check(d.reestimation.info.name, reestimationCount, configuration.reestimationCount) { String($0) }
    if !conflicts.isEmpty {
      throw .usage(
        "--resume keeps the configuration of \(checkpointPath); conflicting: "
          + conflicts.joined(separator: ", "))
    }
  }
}
