import BinaryNet
import BinaryNetFiles
import BinaryNetTraining
import CLISupport
import Foundation
import MNISTLoader

/// The end of a run: re-estimate BatchNorm statistics with the final binary weights, fold,
/// write the model atomically, re-load it from disk, evaluate the test set with the
/// engine, compare with the trainer's own float evaluation, draw the training curve.
struct Finisher {
  let trainer: Trainer
  let dataset: Dataset
  let paths: OutputPaths
  let reporter: ProgressReporter
  var threads: Int { trainer.threads }

  func run() throws(CLIError) {
    let configuration = trainer.configuration
    let model = trainer.model
    let gemm = trainer.gemm
    let data = trainer.data
    let started = monotonicSeconds()

    // Validation accuracy with the running averages, then with re-estimated statistics.
    let running = trainer.validate()
    let sampleCount = min(configuration.reestimationCount, data.trainingCount)
    var sampler = Xoshiro256(seed: configuration.seed ^ 0xB47C_4E0B_5EED_0001)
    let sample = Array(sampler.permutation(data.trainingCount).prefix(sampleCount))
    data.pixels.withUnsafeBufferPointer { pixels in
      model.reestimateBatchNormStatistics(pixels: pixels.baseAddress!, indices: sample, gemm: gemm)
    }
    let reestimated = trainer.validate()
    if data.validationCount > 0 {
      reporter.say(
        "BatchNorm statistics re-estimated on \(sampleCount) training images: val acc "
          + "\(percent(running.accuracy)) (running averages) -> \(percent(reestimated.accuracy))")
    } else {
      reporter.say("BatchNorm statistics re-estimated on \(sampleCount) training images")
    }

    // Fold, write, re-load.
    let engineModel: Model
    do {
      engineModel = try model.fold(labels: dataset.classNames)
      try engineModel.write(toFile: paths.model)
    } catch {
      throw .runtime("cannot write the model: \(error.description)")
    }
    let reloaded: Model
    do {
      reloaded = try Model(contentsOfFile: paths.model)
    } catch {
      throw .runtime("the model just written does not load back: \(error.description)")
    }

    // Test set: the engine (what bnn-run computes) and the trainer's float pass.
    let test = dataset.test
    let enginePredictions = try predict(reloaded, pixels: test.images.pixels, count: test.count)
    let engineCorrect = zip(enginePredictions, test.labels).filter { $0 == Int($1) }.count
    let engineAccuracy = Double(engineCorrect) / Double(max(1, test.count))
    let float = test.images.pixels.withUnsafeBufferPointer { pixels in
      test.labels.withUnsafeBufferPointer { labels in
        model.evaluate(
          pixels: pixels.baseAddress!, labels: labels.baseAddress!, indices: Array(0..<test.count),
          gemm: gemm)
      }
    }
    let disagreements = zip(enginePredictions, float.predictions).filter { $0 != $1 }.count

    // Training curve.
    let title = "bnn-train \(NetworkArchitecture.name(ofSpec: configuration.architecture.spec)) on \(dataset.name)"
    let svg = TrainingCurveSVG.render(
      history: trainer.history, title: title, testAccuracy: engineAccuracy)
    do {
      try AtomicFileWriter.write(Array(svg.utf8), to: paths.svg)
    } catch {
      throw .runtime(error.description)
    }

    let trainSeconds = trainer.history.reduce(0) { $0 + $1.seconds }
    let fileBytes =
      (try? FileManager.default.attributesOfItem(atPath: paths.model)[.size] as? Int)
      ?? engineModel.fileBytes
    reporter.say(
      "model written to \(paths.model) (\(fileBytes) bytes), re-loaded from disk: engine test accuracy "
        + "\(percent(engineAccuracy)) (\(engineCorrect)/\(test.count))")
    reporter.say(
      "trainer float evaluation: test accuracy \(percent(float.accuracy)); predictions differ from the engine on "
        + "\(disagreements) of \(test.count) images")
    reporter.say(
      "training \(fixed(trainSeconds, 1)) s (\(fixed(trainSeconds / Double(max(1, trainer.history.count)), 1)) s/epoch), "
        + "finishing \(fixed(monotonicSeconds() - started, 1)) s; curve: \(paths.svg); checkpoint: \(paths.checkpoint)"
    )
    if reporter.json {
      let last = trainer.history.last
      Console.out(
        JSON.object([
          ("event", .string("summary")), ("model", .string(paths.model)),
          ("model_bytes", .int(fileBytes)),
          ("dataset", .string(dataset.name)), ("data", .string(dataset.directory)),
          ("arch", .string(configuration.architecture.spec)),
          ("epochs", .int(configuration.epochs)),
          ("batch", .int(configuration.batchSize)),
          ("lr", .number(shortestDouble(configuration.learningRate))),
          ("lr_end", .number(shortestDouble(configuration.finalLearningRate))),
          ("schedule", .string(configuration.schedule.rawValue)),
          ("seed", .string(String(configuration.seed))),
          ("threads", .int(threads)), ("sgemm", .string(trainer.sgemmPath.name)),
          ("train_loss", .number(last?.trainLoss ?? 0)),
          ("train_accuracy", .number(last?.trainAccuracy ?? 0)),
          (
            "val_accuracy_running_stats",
            data.validationCount > 0 ? .number(running.accuracy) : .null
          ),
          ("val_accuracy", data.validationCount > 0 ? .number(reestimated.accuracy) : .null),
          ("test_accuracy", .number(engineAccuracy)), ("test_correct", .int(engineCorrect)),
          ("test_count", .int(test.count)), ("trainer_test_accuracy", .number(float.accuracy)),
          ("engine_trainer_disagreements", .int(disagreements)),
          ("train_seconds", .number(trainSeconds)),
          ("seconds_per_epoch", .number(trainSeconds / Double(max(1, trainer.history.count)))),
          ("checkpoint", .string(paths.checkpoint)), ("svg", .string(paths.svg)),
        ]).text)
    }
  }

  /// The engine's labels for `count` images, split between `threads` workers.
  func predict(_ model: Model, pixels: [UInt8], count: Int) throws(CLIError) -> [Int] {
    var labels = [Int32](repeating: -1, count: count)
    let size = model.input.pixelCount
    let workers = max(1, min(threads, count / 256))
    let failures = UncheckedSendable(FailureBox())
    pixels.withUnsafeBufferPointer { all in
      labels.withUnsafeMutableBufferPointer { out in
        let target = UncheckedSendable((all, out.baseAddress!))
        parallelFor(workers) { worker in
          let (all, base) = target.value
          let start = count * worker / workers
          let end = count * (worker + 1) / workers
          guard start < end else { return }
          let workspace = InferenceWorkspace(model: model, batchCapacity: 64)
          let slice = UnsafeBufferPointer(rebasing: all[(start * size)..<(end * size)])
          do throws(ModelError) {
            try model.predictLabels(
              slice, count: end - start,
              into: UnsafeMutableBufferPointer(start: base + start, count: end - start),
              workspace: workspace)
          } catch {
            failures.value.record(error.description)
          }
        }
      }
    }
    if let message = failures.value.first { throw .runtime("evaluating the model: \(message)") }
    return labels.map(Int.init)
  }
}

/// The first error message reported by any worker.
final class FailureBox: @unchecked Sendable {
  private let lock = NSLock()
  private var message: String?

  func record(_ text: String) {
    lock.lock()
    if message == nil { message = text }
    lock.unlock()
  }

  var first: String? {
    lock.lock()
    defer { lock.unlock() }
    return message
  }
}
