import BinaryNet
import BinaryNetData
import BinaryNetFiles
import BinaryNetTraining
import CLISupport
import Foundation

/// The end of a run: take the kept epoch's model (`--keep`), re-estimate BatchNorm
/// statistics with its binary weights, fold, write the model atomically, re-load it from
/// disk, evaluate the test set with the engine, compare with the trainer's own float
/// evaluation, draw the training curve.
struct Finisher {
  let trainer: Trainer
  let dataset: DataSet
  let paths: OutputPaths
  let reporter: ProgressReporter
  /// Seconds the data set took to load (reported beside the training time).
  let loadSeconds: Double
  var threads: Int { trainer.threads }

  /// Validation accuracy before and after BatchNorm re-estimation.
  struct Validation {
    var running: Double
    var reestimated: Double
    var sampleCount: Int
  }

  /// The test set through the re-loaded engine model and through the trainer.
  struct TestResult {
    var engineCorrect: Int
    var count: Int
    var floatAccuracy: Double
    var disagreements: Int
    var engineAccuracy: Double { Double(engineCorrect) / Double(max(1, count)) }
  }

  func run() throws(CLIError) {
    let started = monotonicSeconds()
    restoreKeptEpoch()
    let validation = reestimateBatchNorm()
    let reloaded = try writeAndReload()
    let test = try evaluate(reloaded)
    let title =
      "bnn-train \(NetworkArchitecture.name(ofSpec: trainer.configuration.architecture.spec)) on \(dataset.name)"
    let svg = TrainingCurveSVG.render(history: trainer.history, title: title, testAccuracy: test.engineAccuracy)
    do {
      try AtomicFileWriter.write(Array(svg.utf8), to: paths.svg)
    } catch {
      throw .runtime(error.description)
    }
    let fileBytes =
      (try? FileManager.default.attributesOfItem(atPath: paths.model)[.size] as? Int) ?? reloaded.fileBytes
    report(validation, test, fileBytes: fileBytes, finishingSeconds: monotonicSeconds() - started)
  }

  /// Puts the kept epoch's model in place and says which epoch it is.
  func restoreKeptEpoch() {
    trainer.restoreKeptEpoch()
    let kept = trainer.keptEpoch
    let accuracy = trainer.keptRecord.map { " (val acc \(percent($0.validationAccuracy)))" } ?? ""
    switch trainer.configuration.keep {
    case .best where trainer.best != nil:
      reporter.say("keeping epoch \(kept) of \(trainer.epoch), the best on the validation images\(accuracy)")
    default:
      let why = trainer.configuration.keep == .best ? "no validation images" : "--keep last"
      reporter.say("keeping the last epoch, \(kept)\(trainer.data.validationCount > 0 ? accuracy : "") (\(why))")
    }
  }

  /// Re-estimates BatchNorm statistics on a sample of the training images (validation
  /// accuracy with the running averages, then with the re-estimated statistics).
  func reestimateBatchNorm() -> Validation {
    let configuration = trainer.configuration
    let data = trainer.data
    let running = trainer.validate()
    let sampleCount = min(configuration.reestimationCount, data.trainingCount)
    var sampler = Xoshiro256(seed: configuration.seed ^ 0xB47C_4E0B_5EED_0001)
    let sample = sampler.permutation(data.trainingCount).prefix(sampleCount).map { data.trainingIndices[$0] }
    data.pixels.withUnsafeBufferPointer { pixels in
      trainer.model.reestimateBatchNormStatistics(pixels: pixels.baseAddress!, indices: sample, gemm: trainer.gemm)
    }
    let reestimated = trainer.validate()
    if data.validationCount > 0 {
      reporter.say(
        "BatchNorm statistics re-estimated on \(sampleCount) training images: val acc "
          + "\(percent(running.accuracy)) (running averages) -> \(percent(reestimated.accuracy))")
    } else {
      reporter.say("BatchNorm statistics re-estimated on \(sampleCount) training images")
    }
    return Validation(running: running.accuracy, reestimated: reestimated.accuracy, sampleCount: sampleCount)
  }

  /// Folds the network, writes the model file and loads it back from disk.
  func writeAndReload() throws(CLIError) -> Model {
    do {
      let engineModel = try trainer.model.fold(labels: dataset.classNames)
      try engineModel.write(toFile: paths.model)
    } catch {
      throw .runtime("cannot write the model: \(error.description)")
    }
    do {
      return try Model(contentsOfFile: paths.model)
    } catch {
      throw .runtime("the model just written does not load back: \(error.description)")
    }
  }

  /// The test set: the engine (what bnn-run computes) and the trainer's float pass.
  func evaluate(_ reloaded: Model) throws(CLIError) -> TestResult {
    let test = dataset.test
    let enginePredictions: [Int32]
    do {
      enginePredictions = try reloaded.predictLabelsInParallel(
        test.pixels, count: test.count, threads: max(1, min(threads, test.count / 256)), batch: 64)
    } catch {
      throw .runtime("evaluating the model: \(error.description)")
    }
    let engineCorrect = zip(enginePredictions, test.labels).filter { $0 == Int32($1) }.count
    let float = test.pixels.withUnsafeBufferPointer { pixels in
      test.labels.withUnsafeBufferPointer { labels in
        trainer.model.evaluate(
          pixels: pixels.baseAddress!, labels: labels.baseAddress!, indices: Array(0..<test.count), gemm: trainer.gemm)
      }
    }
    let disagreements = zip(enginePredictions, float.predictions).filter { Int($0) != $1 }.count
    return TestResult(
      engineCorrect: engineCorrect, count: test.count, floatAccuracy: float.accuracy, disagreements: disagreements)
  }

  /// The closing lines, and the JSON summary under `--json`.
  func report(_ validation: Validation, _ test: TestResult, fileBytes: Int, finishingSeconds: Double) {
    let configuration = trainer.configuration
    let trainSeconds = trainer.history.reduce(0) { $0 + $1.seconds }
    let perEpoch = trainSeconds / Double(max(1, trainer.history.count))
    reporter.say(
      "model written to \(paths.model) (\(fileBytes) bytes), re-loaded from disk: engine test accuracy "
        + "\(percent(test.engineAccuracy)) (\(test.engineCorrect)/\(test.count))")
    reporter.say(
      "trainer float evaluation: test accuracy \(percent(test.floatAccuracy)); predictions differ from the engine on "
        + "\(test.disagreements) of \(test.count) images")
    reporter.say(
      "data loading \(fixed(loadSeconds, 1)) s, training \(fixed(trainSeconds, 1)) s (\(fixed(perEpoch, 1)) s/epoch), "
        + "finishing \(fixed(finishingSeconds, 1)) s; curve: \(paths.svg); checkpoint: \(paths.checkpoint)")
    guard reporter.json else { return }
    let last = trainer.keptRecord
    let hasValidation = trainer.data.validationCount > 0
    Console.out(
      JSON.object([
        ("event", .string("summary")), ("model", .string(paths.model)), ("model_bytes", .int(fileBytes)),
        ("dataset", .string(dataset.name)), ("data", .string(dataset.path)),
        ("data_kind", .string(dataset.kind.rawValue)), ("image_shape", .string(dataset.train.shape.description)),
        ("classes", .int(dataset.classCount)), ("keep", .string(configuration.keep.rawValue)),
        ("kept_epoch", .int(trainer.keptEpoch)), ("flip", .bool(configuration.augmentFlip)),
        ("arch", .string(configuration.architecture.spec)), ("epochs", .int(configuration.epochs)),
        ("batch", .int(configuration.batchSize)), ("lr", .number(shortestDouble(configuration.learningRate))),
        ("lr_end", .number(shortestDouble(configuration.finalLearningRate))),
        ("schedule", .string(configuration.schedule.rawValue)), ("seed", .string(String(configuration.seed))),
        ("threads", .int(threads)), ("sgemm", .string(trainer.sgemmPath.name)),
        ("gradients", .string(configuration.gradients.rawValue)),
        ("train_loss", .number(last?.trainLoss ?? 0)), ("train_accuracy", .number(last?.trainAccuracy ?? 0)),
        ("val_accuracy_running_stats", hasValidation ? .number(validation.running) : .null),
        ("val_accuracy", hasValidation ? .number(validation.reestimated) : .null),
        ("test_accuracy", .number(test.engineAccuracy)), ("test_correct", .int(test.engineCorrect)),
        ("test_count", .int(test.count)), ("trainer_test_accuracy", .number(test.floatAccuracy)),
        ("engine_trainer_disagreements", .int(test.disagreements)),
        ("load_seconds", .number(loadSeconds)), ("train_seconds", .number(trainSeconds)),
        ("seconds_per_epoch", .number(perEpoch)),
        ("checkpoint", .string(paths.checkpoint)), ("svg", .string(paths.svg)),
      ]).text)
  }
}
