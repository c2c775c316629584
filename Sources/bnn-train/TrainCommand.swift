import BinaryNet
import BinaryNetData
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
    let dataPath = try locateData(name: datasetName, path: options.dataPath ?? annotations["data"], checkpoint)
    try checkOutputs(paths, dataPath: dataPath)
    let reading = try dataSetReading(annotations: annotations, checkpoint: checkpoint)
    let loadStarted = monotonicSeconds()
    let dataset = try loadDataSet(path: dataPath, options: reading.options)
    let loadSeconds = monotonicSeconds() - loadStarted
    let configuration = try configuration(for: dataset, checkpoint: checkpoint)
    let trainer = try makeTrainer(configuration, dataset: dataset, checkpoint: checkpoint, paths: paths)
    let plannedEpochs = trainer.configuration.epochs
    if checkpoint != nil, let epochs = options.epochs, epochs != plannedEpochs { trainer.extend(toEpochs: epochs) }
    let reporter = ProgressReporter(
      json: options.json, totalEpochs: trainer.configuration.epochs,
      hasValidation: trainer.configuration.validationCount > 0)
    announce(trainer, dataset: dataset, loadSeconds: loadSeconds, reporter: reporter, paths: paths)
    if trainer.configuration.epochs != plannedEpochs {
      reporter.say(Self.extensionLine(trainer, from: plannedEpochs))
    }
    if interruptSignal != 0 {
      Interruption.exit(
        "before training started; "
          + (checkpoint != nil ? "continue with: bnn-train --resume --out \(paths.model)" : "nothing saved"))
    }
    var runAnnotations = [
      "dataset": datasetName, "data": dataset.path, "images": dataset.train.shape.description,
      "resize": reading.options.resizeMethod.rawValue,
    ]
    if let size = reading.size { runAnnotations["size"] = size.description }
    try train(trainer, reporter: reporter, paths: paths, resumed: checkpoint != nil, annotations: runAnnotations)
    Interruption.exitOnSignal(
      note: "bnn-train: stopped while finishing (BatchNorm re-estimation, writing \(paths.model)); every epoch is "
        + "saved: finish with: bnn-train --resume --out \(paths.model)")
    try Finisher(trainer: trainer, dataset: dataset, paths: paths, reporter: reporter, loadSeconds: loadSeconds).run()
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
    let done = checkpoint.metadata.epoch
    if let epochs = options.epochs, epochs < done {
      throw .usage(
        "--epochs \(epochs) is fewer than the \(done) epochs \(paths.checkpoint) has already trained; "
          + "give --epochs \(done) or more to continue it")
    }
    return checkpoint
  }

  /// The line that says how a resumed run's new length changes the learning rate.
  static func extensionLine(_ trainer: Trainer, from planned: Int) -> String {
    let configuration = trainer.configuration
    let (done, epochs) = (trainer.epoch, configuration.epochs)
    let verb = epochs > planned ? "extending" : "shortening"
    var line = "  \(verb) the run from \(planned) to \(epochs) epochs: "
    if configuration.schedule == .constant {
      return line + "the learning rate stays \(scientific(configuration.learningRate))"
    }
    line += "the \(configuration.schedule.rawValue) schedule is re-planned for \(epochs) epochs, "
    guard done < epochs else { return line + "nothing left to train" }
    let last = trainer.learningRate(atStep: trainer.totalSteps - 1)
    line +=
      "lr \(scientific(trainer.nextLearningRate)) at epoch \(done + 1) down to \(scientific(last)) at epoch \(epochs)"
    return done > 0 ? line + " (epochs 1-\(done) keep the rates they had)" : line
  }

  /// The data set reading options: `--size` and `--resize`, on `--resume` those the
  /// checkpoint's run used (a different value is a usage error); the split seed is the
  /// run's seed.
  func dataSetReading(annotations: [String: String], checkpoint: Checkpoint?) throws(CLIError) -> (
    options: DataSetOptions, size: ImageSize?
  ) {
    guard let checkpoint else {
      return (options.dataSetOptions(seed: options.seed ?? 1), options.imageSize)
    }
    var storedSize: ImageSize? = nil
    if let text = annotations["size"] { storedSize = try ImageSize(parsing: text, optionName: "size") }
    let storedResize = annotations["resize"].flatMap(ResizeMethod.init(rawValue:)) ?? .area
    var conflicts: [String] = []
    if let given = options.imageSize, given != storedSize {
      conflicts.append("--size \(given) (checkpoint: \(storedSize?.description ?? "none"))")
    }
    if let given = options.resizeMethod, given != storedResize {
      conflicts.append("--resize \(given.rawValue) (checkpoint: \(storedResize.rawValue))")
    }
    if !conflicts.isEmpty {
      throw .usage(
        "--resume reads the data as the run did; conflicting: " + conflicts.joined(separator: ", "))
    }
    let reading = DataSetOptions(
      size: storedSize.map { (height: $0.height, width: $0.width) }, resizeMethod: storedResize,
      splitSeed: checkpoint.metadata.configuration.seed)
    return (reading, storedSize)
  }

  /// Usage error when an output is one of the data files (or the data folder); runtime
  /// error when an output cannot be written.
  func checkOutputs(_ paths: OutputPaths, dataPath: String) throws(CLIError) {
    let outputs = [
      PathUse(what: "--out", path: paths.model), PathUse(what: "the checkpoint", path: paths.checkpoint),
      PathUse(what: "the training curve", path: paths.svg),
    ]
    try PathUse.checkNoOverwrite(inputs: dataInputs(path: dataPath), outputs: outputs)
    for path in [paths.model, paths.checkpoint, paths.svg] {
      do {
        try AtomicFileWriter.checkWritable(path)
      } catch {
        throw .runtime(error.description)
      }
    }
  }

  /// The stored configuration when resuming, else the options over the defaults.
  func configuration(for dataset: DataSet, checkpoint: Checkpoint?) throws(CLIError) -> TrainingConfiguration {
    let configuration: TrainingConfiguration
    if let stored = checkpoint?.metadata.configuration {
      configuration = stored
    } else {
      var given = options.architecture ?? TrainOptions.defaultArchitecture
      if options.architecture == nil { given = try NetworkArchitecture.optionSpec(given) }
      let spec = try Self.fitPreset(given, to: dataset)
      let architecture = try NetworkArchitecture.option(spec, input: dataset.train.shape)
      configuration = options.configuration(architecture: architecture, trainingImages: dataset.train.count)
    }
    try validate(configuration, dataset: dataset)
    return configuration
  }

  /// A preset's spec with its input size and class count those of `dataset` (mlp-1024 on
  /// 32x32x3 images of 5 classes: `3072-1024-1024-1024-5`); any other spec as given.
  static func fitPreset(_ spec: String, to dataset: DataSet) throws(CLIError) -> String {
    guard NetworkArchitecture.name(ofSpec: spec) != spec else { return spec }
    var tokens = spec.split(separator: "-").map(String.init)
    if try NetworkArchitecture.optionInputSize(spec) != nil { tokens[0] = String(dataset.train.shape.elementCount) }
    tokens[tokens.count - 1] = String(dataset.classCount)
    return tokens.joined(separator: "-")
  }

  func makeTrainer(
    _ configuration: TrainingConfiguration, dataset: DataSet, checkpoint: Checkpoint?, paths: OutputPaths
  ) throws(CLIError) -> Trainer {
    let data = TrainingData(dataset.train, configuration: configuration)
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
    _ trainer: Trainer, dataset: DataSet, loadSeconds: Double, reporter: ProgressReporter, paths: OutputPaths
  ) {
    let configuration = trainer.configuration
    let data = trainer.data
    let arch = configuration.architecture
    reporter.say(
      "bnn-train: \(NetworkArchitecture.displayName(ofSpec: arch.spec)) on \(dataset.name) (\(dataset.path), "
        + "\(dataset.kind.rawValue)): \(dataset.train.shape) images, \(dataset.classCount) classes; "
        + "\(data.trainingCount) training, \(data.validationCount) validation, \(dataset.test.count) test"
        + (dataset.testIsSplit ? " (split off the training images)" : "")
        + "; \(arch.weightCount) binary weights")
    reporter.say("  data loaded in \(fixed(loadSeconds, 2)) s")
    for note in dataset.notes { reporter.say("  note: \(note)") }
    let augmentation =
      (configuration.augmentShift > 0 ? "shift \(configuration.augmentShift)" : "no shift")
      + (configuration.augmentFlip ? ", flip" : "")
    reporter.say(
      "  epochs \(configuration.epochs), batch \(configuration.batchSize), Adam lr \(configuration.learningRate)"
        + " -> \(configuration.finalLearningRate) (\(configuration.schedule.rawValue)), seed \(configuration.seed), "
        + "\(augmentation), keep \(configuration.keep.rawValue), "
        + "\(options.threads) thread\(options.threads == 1 ? "" : "s"), sgemm \(trainer.sgemmPath.name), "
        + "\(configuration.gradients.rawValue) gradients"
    )
    if configuration.gradients == .int8 && SGEMMPath.best == .portable {
      reporter.say(
        "  note: this CPU has no SIMD kernel for int8 gradients (portable C runs them); "
          + "--gradients float32 may be faster here")
    }
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
      options.dataPath == nil, given != stored
    {
      throw .usage(
        "--resume keeps the data set of the checkpoint (\(stored)); conflicting: --dataset \(given)"
      )
    }
    return options.datasetName ?? annotations["dataset"] ?? "mnist"
  }

  /// The data path (`--data`, or the named data set found on disk), after checking that
  /// a known data set's 10 classes fit an explicit architecture.
  func locateData(name: String, path: String?, _ checkpoint: Checkpoint?) throws(CLIError) -> String {
    let spec = options.architecture ?? checkpoint?.metadata.configuration.architecture.spec
    if path == nil, TrainOptions.knownDatasets.contains(name), let spec, NetworkArchitecture.name(ofSpec: spec) == spec,
      case let classCount = try NetworkArchitecture.optionClassCount(spec), classCount != 10
    {
      throw .usage(
        "\(name) has 10 classes, but the architecture \(spec) has \(classCount) outputs; end it with -10")
    }
    do {
      return try DatasetLocator().locate(name: name, explicitDirectory: path)
    } catch {
      throw .runtime(error.description)
    }
  }

  /// Checks that the configuration fits the data (usage errors).
  func validate(_ configuration: TrainingConfiguration, dataset: DataSet) throws(CLIError) {
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

/// A learning rate as `3.00e-04`.
func scientific(_ value: Float) -> String { String(format: "%.2e", Double(value)) }
