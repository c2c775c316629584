import BinaryNet
import BinaryNetTraining
import CFloatKernels
import CLISupport
import Foundation

/// Number of cores to use by default.
var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

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

  static let knownDatasets = ["mnist", "fashion-mnist"]

  /// The architecture when `--arch` is not given.
  static let defaultArchitecture = "mlp-1024"
  static let valued: Set<String> = [
    "dataset", "data", "arch", "epochs", "batch", "lr", "lr-end", "schedule", "seed", "augment",
    "val",
    "bn-samples", "threads", "out", "sgemm",
  ]
  static let flags: Set<String> = ["resume", "json", "help", "version", "bench-gemm"]

  init(_ parsed: ParsedArguments) throws(CLIError) {
    if let extra = parsed.positionals.first {
      throw .usage("unexpected argument '\(extra)' (bnn-train takes options only)")
    }
    dataDirectory = parsed.string("data")
    if let name = parsed.string("dataset") {
      guard Self.knownDatasets.contains(name) || dataDirectory != nil else {
        throw .usage(
          "unknown dataset '\(name)' (known: mnist, fashion-mnist; or give a folder with --data DIR)"
        )
      }
      datasetName = name
    } else if let dataDirectory {
      datasetName = URL(fileURLWithPath: dataDirectory).standardizedFileURL.lastPathComponent
    }
    if let text = parsed.string("arch") { architecture = try NetworkArchitecture.optionSpec(text) }
    epochs = try Self.optionalInt(parsed, "epochs", 1...100_000)
    batchSize = try Self.optionalInt(parsed, "batch", 1...1_000_000)
    learningRate = try Self.optionalFloat(parsed, "lr", 1e-9...10)
    finalLearningRate = try Self.optionalFloat(parsed, "lr-end", 0...10)
    if let text = parsed.string("schedule") {
      guard let schedule = LearningRateSchedule(rawValue: text) else {
        throw .usage("unknown --schedule '\(text)' (exponential, cosine, constant)")
      }
      self.schedule = schedule
    }
    if let text = parsed.string("seed") {
      guard let seed = UInt64(text) else {
        throw .usage("--seed must be a non-negative integer, got '\(text)'")
      }
      self.seed = seed
    }
    augmentShift = try Self.optionalInt(parsed, "augment", 0...8)
    validationCount = try Self.optionalInt(parsed, "val", 0...10_000_000)
    reestimationCount = try Self.optionalInt(parsed, "bn-samples", 1...10_000_000)
    threads = try parsed.int("threads", default: defaultThreadCount, in: 1...1024)
    sgemmPath = .best
    if let name = parsed.string("sgemm"), name != "auto" {
      guard let path = SGEMMPath(named: name) else {
        throw .usage("unknown --sgemm '\(name)' (auto, portable, avx2, avx512)")
      }
      guard path.isAvailable else {
        throw .runtime(
          "--sgemm \(name) is not available on this CPU (available: "
            + SGEMMPath.available.map(\.name).joined(separator: ", ") + ")")
      }
      sgemmPath = path
    }
    if let out = parsed.string("out") {
      guard !out.isEmpty else { throw .usage("--out needs a file name") }
      outputPath = out
    }
    resume = parsed.flag("resume")
    json = parsed.flag("json")
    if let schedule, schedule == .exponential, finalLearningRate == 0 {
      throw .usage("--lr-end must be positive with the exponential schedule")
    }
  }

  static func optionalInt(_ parsed: ParsedArguments, _ name: String, _ range: ClosedRange<Int>)
    throws(CLIError) -> Int?
  {
    guard parsed.string(name) != nil else { return nil }
    return try parsed.int(name, default: 0, in: range)
  }

  static func optionalFloat(_ parsed: ParsedArguments, _ name: String, _ range: ClosedRange<Double>)
    throws(CLIError) -> Float?
  {
    guard parsed.string(name) != nil else { return nil }
    return Float(try parsed.double(name, default: 0, in: range))
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
    check("arch", architecture, configuration.architecture.spec) { NetworkArchitecture.name(ofSpec: $0) }
    check("epochs", epochs, configuration.epochs) { String($0) }
    check("batch", batchSize, configuration.batchSize) { String($0) }
    check("lr", learningRate, configuration.learningRate) { "\($0)" }
    check("lr-end", finalLearningRate, configuration.finalLearningRate) { "\($0)" }
    check("schedule", schedule, configuration.schedule) { $0.rawValue }
    check("seed", seed, configuration.seed) { String($0) }
    check("augment", augmentShift, configuration.augmentShift) { String($0) }
    check("val", validationCount, configuration.validationCount) { String($0) }
    check("bn-samples", reestimationCount, configuration.reestimationCount) { String($0) }
    if !conflicts.isEmpty {
      throw .usage(
        "--resume keeps the configuration of \(checkpointPath); conflicting: "
          + conflicts.joined(separator: ", "))
    }
  }
}
