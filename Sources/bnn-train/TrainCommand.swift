import BinaryNet
import BinaryNetFiles
import BinaryNetTraining
import CLISupport
import Foundation
import MNISTLoader

/// A whole training run: data, checks, epochs with checkpoints, then `Finisher`.
struct TrainCommand {
  let options: TrainOptions

  func run() throws(CLIError) {
    Interruption.recordSignals()
    let paths = OutputPaths(model: options.outputPath ?? defaultOutputPath())
    // Resume: the checkpoint decides configuration and data set.
    let checkpoint = try resumedCheckpoint(paths)
    let annotations = checkpoint?.metadata.annotations ?? [:]
    let datasetName = try resolveDatasetName(checkpointAnnotations: annotations)
    // Everything that can fail cheaply fails before training starts.
    let folder = try locateData(name: datasetName, directory: options.dataDirectory ?? annotations["data"], checkpoint)
    try checkOutputs(paths, dataFolder: folder)
    let dataset = try loadDataset(name: datasetName, folder: folder, checkpoint: checkpoint)
    let configuration = try configuration(for: dataset, checkpoint: checkpoint)
    let trainer = try makeTrainer(configuration, dataset: dataset, checkpoint: checkpoint, paths: paths)
    let reporter = ProgressReporter(
      json: options.json, totalEpochs: configuration.epochs, hasValidation: configuration.validationCount > 0)
    announce(trainer, dataset: dataset, datasetName: datasetName, reporter: reporter, paths: paths)
    if interruptSignal != 0 {
      Interruption.exit(
        "before training started; "
          + (checkpoint != nil ? "continue with: bnn-train --resume --out \(paths.model)" : "nothing saved"))
    }
    try train(
      trainer, reporter: reporter, paths: paths, resumed: checkpoint != nil,
      annotations: [
        "dataset": datasetName, "data": dataset.directory,
        "images": "\(dataset.train.images.rows)x\(dataset.train.images.cols)",
      ])
    Interruption.exitOnSignal(
      note: "bnn-train: stopped while finishing (BatchNorm re-estimation, writing \(paths.model)); every epoch is "
        + "saved: finish with: bnn-train --resume --out \(paths.model)")
    try Finisher(trainer: trainer, dataset: dataset, paths: paths, reporter: reporter).run()
  }

  /// The checkpoint to continue under `--resume`, nil for a new run.
  func resumedCheckpoint(_ paths: OutputPaths) throws(CLIError) -> Checkpoint? {
    guard options.resume else { return nil }
    guard FileManager.default.fileExists(atPath: paths.checkpoint) else {
      throw .runtime("no checkpoint to resume at \(paths.checkpoint) (give the --out of the interrupted run)")
    }
    let checkpoint: Checkpoint
    do {
      checkpoint = try Checkpoint.read(fromFile: paths.checkpoint)
    } catch {
      throw .runtime(error.description)
    }
    try options.checkAgrees(with: checkpoint.metadata.configuration, checkpointPath: paths.checkpoint)
    return checkpoint
  }

  /// Usage error when an output is one of the data files (or the data folder); runtime
  /// error when an output cannot be written.
  func checkOutputs(_ paths: OutputPaths, dataFolder: String) throws(CLIError) {
    let stems = Dataset.fileStems
    let inputs =
      [stems.trainImages, stems.trainLabels, stems.testImages, stems.testLabels].map {
        PathUse(what: "the data file", path: Dataset.resolveFile($0, in: dataFolder))
      } + [PathUse(what: "the data folder", path: dataFolder)]
    let outputs = [
      PathUse(what: "--out", path: paths.model), PathUse(what: "the checkpoint", path: paths.checkpoint),
      PathUse(what: "the training curve", path: paths.svg),
    ]
    try PathUse.checkNoOverwrite(inputs: inputs, outputs: outputs)
    for path in [paths.model, paths.checkpoint, paths.svg] {
      do {
        try AtomicFileWriter.checkWritable(path)
      } catch {
        throw .runtime(error.description)
      }
    }
  }

  /// The stored configuration when resuming, else the options over the defaults.
  func configuration(for dataset: Dataset, checkpoint: Checkpoint?) throws(CLIError) -> TrainingConfiguration {
    let images = dataset.train.images
    let configuration: TrainingConfiguration
    if let stored = checkpoint?.metadata.configuration {
      configuration = stored
    } else {
      let architecture = try NetworkArchitecture.option(
        options.architecture ?? TrainOptions.defaultArchitecture,
        input: TensorShape(height: images.rows, width: images.cols, channels: 1))
      configuration = options.configuration(architecture: architecture)
    }
    try validate(configuration, dataset: dataset)
    return configuration
  }

  func makeTrainer(
    _ configuration: TrainingConfiguration, dataset: Dataset, checkpoint: Checkpoint?, paths: OutputPaths
  ) throws(CLIError) -> Trainer {
    let data = TrainingData(dataset.train, validationCount: configuration.validationCount)
    let trainer: Trainer
    if let checkpoint {
      do {
        trainer = try Trainer(checkpoint: checkpoint, path: paths.checkpoint, data: data, threads: options.threads)
      } catch {
        throw .runtime(error.description)
      }
    } else {
      trainer = Trainer(configuration: configuration, data: data, threads: options.threads)
    }
    trainer.sgemmPath = options.sgemmPath
    return trainer
  }

  /// The first lines: what is trained on what, with which settings.
  func announce(
    _ trainer: Trainer, dataset: Dataset, datasetName: String, reporter: ProgressReporter, paths: OutputPaths
  ) {
    let configuration = trainer.configuration
    let data = trainer.data
    let arch = configuration.architecture
    let images = dataset.train.images
    reporter.say(
      "bnn-train: \(NetworkArchitecture.displayName(ofSpec: arch.spec)) on \(datasetName) (\(dataset.directory)): "
        + "\(data.trainingCount) training, \(data.validationCount) validation, \(dataset.test.count) test images "
        + "of \(TensorShape(height: images.rows, width: images.cols, channels: 1)); \(arch.weightCount) binary weights")
    reporter.say(
      "  epochs \(configuration.epochs), batch \(configuration.batchSize), Adam lr \(configuration.learningRate)"
        + " -> \(configuration.finalLearningRate) (\(configuration.schedule.rawValue)), seed \(configuration.seed), "
        + "\(options.threads) thread\(options.threads == 1 ? "" : "s"), sgemm \(trainer.sgemmPath.name)"
    )
    if trainer.epoch > 0 {
      reporter.say("  resuming from \(paths.checkpoint) after epoch \(trainer.epoch)")
      for record in trainer.history { reporter.epochFinished(record) }
    } else if FileManager.default.fileExists(atPath: paths.checkpoint) {
      reporter.say("  note: starting a new run; \(paths.checkpoint) will be replaced (use --resume to continue it)")
    }
  }

  /// The remaining epochs, a checkpoint after each; a signal stops at the next step.
  func train(
    _ trainer: Trainer, reporter: ProgressReporter, paths: OutputPaths, resumed: Bool, annotations: [String: String]
  ) throws(CLIError) {
    while !trainer.isFinished {
      reporter.epochStarted()
      let epoch = trainer.epoch + 1
      let record = trainer.trainEpoch { step, steps, loss in
        reporter.stepFinished(epoch: epoch, step: step, of: steps, meanLoss: loss)
        return interruptSignal == 0
      }
      guard let record else {
        reporter.clearBar()
        Interruption.exit(
          "during epoch \(epoch); "
            + (trainer.epoch > 0 || resumed
              ? "continue with: bnn-train --resume --out \(paths.model)" : "no epoch finished, nothing saved"))
      }
      do {
        try trainer.checkpoint(annotations: annotations).write(toFile: paths.checkpoint)
      } catch {
        reporter.clearBar()
        throw .runtime(error.description)
      }
      reporter.epochFinished(record)
    }
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

  /// The data folder (`--data`, or the named data set found on disk), after checking that
  /// a known data set's 10 classes fit the architecture.
  func locateData(name: String, directory: String?, _ checkpoint: Checkpoint?) throws(CLIError) -> String {
    let spec = options.architecture ?? checkpoint?.metadata.configuration.architecture.spec
    let classCount = try classCount(checkpoint)
    if directory == nil, TrainOptions.knownDatasets.contains(name), classCount != 10 {
      throw .usage(
        "\(name) has 10 classes, but the architecture \(spec ?? "") has \(classCount) outputs; end it with -10")
    }
    do {
      return try DatasetLocator().locate(name: name, explicitDirectory: directory)
    } catch {
      throw .runtime(error.description)
    }
  }

  /// The classes of `--arch`, else of the resumed checkpoint's architecture, else 10.
  func classCount(_ checkpoint: Checkpoint?) throws(CLIError) -> Int {
    if let spec = options.architecture { return try NetworkArchitecture.optionClassCount(spec) }
    return checkpoint?.metadata.configuration.architecture.classCount ?? 10
  }

  func loadDataset(name: String, folder: String, checkpoint: Checkpoint?) throws(CLIError) -> Dataset {
    let classCount = try classCount(checkpoint)
    do {
      return try Dataset.load(directory: folder, name: name, classCount: classCount)
    } catch {
      if case .labelOutOfRange = error {
        throw .runtime(error.description + " (the architecture's \(classCount) outputs are its classes)")
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
