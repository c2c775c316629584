import BinaryNet
import BinaryNetFiles
import BinaryNetTraining
import CLISupport
import Foundation
import MNISTLoader

/// Set by the SIGINT handler; the training loop stops at the next step.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

/// A whole training run: data, checks, epochs with checkpoints, then `finish`.
struct TrainCommand {
  let options: TrainOptions

  func run() throws(CLIError) {
    let modelPath = options.outputPath ?? defaultOutputPath()
    let paths = OutputPaths(model: modelPath)

    // Resume: the checkpoint decides configuration and data set.
    var checkpoint: Checkpoint?
    if options.resume {
      guard FileManager.default.fileExists(atPath: paths.checkpoint) else {
        throw .runtime(
          "no checkpoint to resume at \(paths.checkpoint) (give the --out of the interrupted run)")
      }
      do {
        checkpoint = try Checkpoint.read(fromFile: paths.checkpoint)
      } catch {
        throw .runtime(error.description)
      }
      try options.checkAgrees(
        with: checkpoint!.metadata.configuration, checkpointPath: paths.checkpoint)
    }
    let annotations = checkpoint?.metadata.annotations ?? [:]
    let datasetName = try resolveDatasetName(checkpointAnnotations: annotations)
    let dataDirectory = options.dataDirectory ?? annotations["data"]

    // Everything that can fail cheaply fails before training starts.
    for path in [paths.model, paths.checkpoint, paths.svg] {
      do {
        try AtomicFileWriter.checkWritable(path)
      } catch {
        throw .runtime(error.description)
      }
    }
    let dataset = try loadDataset(
      name: datasetName, directory: dataDirectory, checkpoint: checkpoint)
    let images = dataset.train.images
    let imageShape = TensorShape(height: images.rows, width: images.cols, channels: 1)
    let configuration: TrainingConfiguration
    if let stored = checkpoint?.metadata.configuration {
      configuration = stored
    } else {
      let architecture = try NetworkArchitecture.option(
        options.architecture ?? TrainOptions.defaultArchitecture, input: imageShape)
      configuration = options.configuration(architecture: architecture)
    }
    try validate(configuration, dataset: dataset)

    let data = TrainingData(dataset.train, validationCount: configuration.validationCount)
    let trainer: Trainer
    if let checkpoint {
      do {
        trainer = try Trainer(
          checkpoint: checkpoint, path: paths.checkpoint, data: data, threads: options.threads)
      } catch {
        throw .runtime(error.description)
      }
    } else {
      trainer = Trainer(configuration: configuration, data: data, threads: options.threads)
    }
    trainer.sgemmPath = options.sgemmPath
    let runAnnotations = [
      "dataset": datasetName, "data": dataset.directory,
      "images": "\(dataset.train.images.rows)x\(dataset.train.images.cols)",
    ]

    let reporter = ProgressReporter(
      json: options.json, totalEpochs: configuration.epochs,
      hasValidation: configuration.validationCount > 0)
    let arch = configuration.architecture
    reporter.say(
      "bnn-train: \(NetworkArchitecture.displayName(ofSpec: arch.spec)) on \(datasetName) (\(dataset.directory)): "
        + "\(data.trainingCount) training, \(data.validationCount) validation, \(dataset.test.count) test images "
        + "of \(imageShape); \(arch.weightCount) binary weights")
    reporter.say(
      "  epochs \(configuration.epochs), batch \(configuration.batchSize), Adam lr \(configuration.learningRate)"
        + " -> \(configuration.finalLearningRate) (\(configuration.schedule.rawValue)), seed \(configuration.seed), "
        + "\(options.threads) thread\(options.threads == 1 ? "" : "s"), sgemm \(trainer.sgemmPath.name)"
    )
    if trainer.epoch > 0 {
      reporter.say("  resuming from \(paths.checkpoint) after epoch \(trainer.epoch)")
      for record in trainer.history { reporter.epochFinished(record) }
    } else if FileManager.default.fileExists(atPath: paths.checkpoint) {
      reporter.say(
        "  note: starting a new run; \(paths.checkpoint) will be replaced (use --resume to continue it)"
      )
    }

    signal(SIGINT) { _ in
      interruptRequested = 1
      signal(SIGINT, SIG_DFL)  // a second Ctrl-C ends the process at once
    }
    while !trainer.isFinished {
      reporter.epochStarted()
      let epoch = trainer.epoch + 1
      let record = trainer.trainEpoch { step, steps, loss in
        reporter.stepFinished(epoch: epoch, step: step, of: steps, meanLoss: loss)
        return interruptRequested == 0
      }
      guard let record else {
        reporter.clearBar()
        Console.err(
          "bnn-train: interrupted during epoch \(epoch); "
            + (trainer.epoch > 0 || checkpoint != nil
              ? "continue with: bnn-train --resume --out \(paths.model)"
              : "no epoch finished, nothing saved"))
        exit(130)
      }
      do {
        try trainer.checkpoint(annotations: runAnnotations).write(toFile: paths.checkpoint)
      } catch {
        reporter.clearBar()
        throw .runtime(error.description)
      }
      reporter.epochFinished(record)
    }
    signal(SIGINT, SIG_DFL)
    try Finisher(trainer: trainer, dataset: dataset, paths: paths, reporter: reporter).run()
  }

  /// `DATASET-ARCH.bnn` in the current directory.
  func defaultOutputPath() -> String {
    let dataset = options.datasetName ?? "mnist"
    let arch = NetworkArchitecture.name(ofSpec: options.architecture ?? TrainOptions.defaultArchitecture)
    return "\(dataset)-\(arch).bnn"
  }

  func resolveDatasetName(checkpointAnnotations annotations: [String: String]) throws(CLIError)
    -> String
  {
    if let stored = annotations["dataset"], let given = options.datasetName,
      options.dataDirectory == nil, given != stored
    {
      throw .usage(
        "--resume keeps the data set of the checkpoint (\(stored)); conflicting: --dataset \(given)"
      )
    }
    return options.datasetName ?? annotations["dataset"] ?? "mnist"
  }

  func loadDataset(name: String, directory: String?, checkpoint: Checkpoint?) throws(CLIError)
    -> Dataset
  {
    let spec = options.architecture ?? checkpoint?.metadata.configuration.architecture.spec
    let classCount =
      try options.architecture.map { spec throws(CLIError) in try NetworkArchitecture.optionClassCount(spec) }
      ?? checkpoint?.metadata.configuration.architecture.classCount ?? 10
    if directory == nil, TrainOptions.knownDatasets.contains(name), classCount != 10 {
      throw .usage(
        "\(name) has 10 classes, but the architecture \(spec ?? "") has \(classCount) outputs; end it with -10"
      )
    }
    do {
      let folder = try DatasetLocator().locate(name: name, explicitDirectory: directory)
      return try Dataset.load(directory: folder, name: name, classCount: classCount)
    } catch {
      if case .labelOutOfRange = error {
        throw .runtime(
          error.description + " (the architecture's \(classCount) outputs are its classes)")
      }
      throw .runtime(error.description)
    }
  }

  /// Checks that the configuration fits the data (usage errors).
  func validate(_ configuration: TrainingConfiguration, dataset: Dataset) throws(CLIError) {
    let arch = configuration.architecture
    guard arch.classCount == dataset.classCount else {
      throw .usage(
        "the architecture \(arch.spec) has \(arch.classCount) outputs, but the data set has \(dataset.classCount) classes"
      )
    }
    guard configuration.validationCount < dataset.train.count else {
      throw .usage(
        "--val \(configuration.validationCount) leaves no training images (the training set has \(dataset.train.count))"
      )
    }
    let trainingCount = dataset.train.count - configuration.validationCount
    guard configuration.batchSize <= trainingCount else {
      throw .usage(
        "--batch \(configuration.batchSize) is larger than the \(trainingCount) training images")
    }
  }
}

/// The files a run writes: the model, its checkpoint and its training curve.
struct OutputPaths {
  let model: String
  var checkpoint: String { model + ".ckpt" }
  var svg: String { model + ".svg" }
}
