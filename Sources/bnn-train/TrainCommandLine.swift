import BinaryNet
import BinaryNetTraining
import CLISupport

/// bnn-train's command line, declared once: the options (with their types, defaults,
/// accepted values and help) and the help text's sections. `TrainOptions` reads them back.
struct TrainCommandLine: Command {
  static let name = "bnn-train"
  static let abstract = "train a binarized network and write a BinaryNet model"
  static let discussion = """
    bnn-train \(Version.string): train a binarized network (BNN: an MLP or a convolutional
    net) on labelled images, grey or colour, and write a BinaryNet model file for bnn-run.
    """
  static let alternativeUsages = [
    "bnn-train --resume [--epochs N] [--out MODEL] [--threads N]", "bnn-train --bench-gemm [--threads N] [--json]",
  ]
  static let epilogue = """
    At the end bnn-train re-estimates BatchNorm statistics, folds the network into the
    BinaryNet format, writes MODEL, re-loads it from disk and reports the engine's accuracy
    on the test set (and its agreement with the trainer's own float evaluation).
    The model is that of the epoch --keep names (the best on the validation
    images, or the last); its class names are the data set's. A preset
    (mlp-1024, mlp-4096, conv) takes its input size and class count from the
    data: mlp-1024 on 32x32x3 images of 5 classes is 3072-1024-1024-1024-5.
    No output may be one of the data files (a usage error).

    Continuing: --resume continues the run saved in MODEL.ckpt with its stored
    configuration and data (same path, --size and --resize). With --epochs N
    it makes the run N epochs long, also after it finished: the learning-rate
    schedule is re-planned for N epochs (each further step gets the rate an
    N-epoch run has at that step; the epochs done keep their rates). N may not
    be less than the epochs already trained.

    Exit status:
      0 success, 1 runtime error (data, files, training), 2 usage error,
      130 interrupted (Ctrl-C), 143 terminated (SIGTERM): the last checkpoint stays
      valid, continue with --resume

    Examples:
      bnn-train                                     # mlp-1024 on MNIST
                                                    # -> mnist-mlp-1024.bnn
      bnn-train --dataset fashion-mnist --epochs 30 --out fashion.bnn
      bnn-train --arch conv --dataset fashion-mnist # -> fashion-mnist-conv.bnn
      bnn-train --arch c16k5-p-c32-p-128-10 --epochs 5
      bnn-train --arch 784-256-256-10 --epochs 5 --batch 200 --seed 7
      bnn-train --data /path/to/idx-folder --arch 784-512-10 --json > run.jsonl
      bnn-train --data photos/ --size 32x32 --arch conv --flip
                                                    # photos/train/<class>/*.png
      bnn-train --data cifar10.npz --arch conv --flip --val 5000
      bnn-train --resume --out mnist-mlp-1024.bnn   # after an interruption
      bnn-train --resume --epochs 40 --out mnist-mlp-1024.bnn
                                                    # 20 more epochs after 20
      bnn-run eval mnist-mlp-1024.bnn \\
        --images datasets/mnist/t10k-images-idx3-ubyte.gz \\
        --labels datasets/mnist/t10k-labels-idx1-ubyte.gz
    """

  static let knownDatasets = ["mnist", "fashion-mnist"]
  static let defaults = TrainingConfiguration.self

  /// The MLP default, and the convolutional one where it differs.
  static func byKind<T: Equatable>(_ value: (TrainingConfiguration.Defaults) -> T) -> String {
    let (mlp, conv) = (defaults.Defaults.mlp, defaults.Defaults.convolutional)
    return value(mlp) == value(conv) ? "\(value(mlp))" : "\(value(mlp)) for MLPs, \(value(conv)) for conv nets"
  }

  // Data
  let dataset = Option<String?>.text(
    "dataset", value: "NAME", section: "Data",
    help: """
      mnist or fashion-mnist (default: mnist). Found in $BNN_DATA_DIR/NAME,
      else ./datasets/NAME, else datasets/NAME beside the executable or
      any folder above it (the repository's bundled copies).
      """)
  let data = Option<String?>.path(
    "data", value: "PATH", role: .input, section: "Data",
    help: """
      your data set, its kind found from what is there:
        image folder  PATH/train/<class>/ holding PNG, JPEG,
                      PGM or PPM files, and PATH/test/<class>/
                      (else a seeded 20% of each class is the
                      test set); class names: the folder names
        .npz file     x_train, y_train, x_test, y_test (uint8
                      images N,H,W or N,H,W,C; labels 0..K-1)
        .npy folder   x_train.npy, y_train.npy, x_test.npy,
                      y_test.npy
        IDX folder    the four MNIST-layout files (.gz or
                      plain): train-images-idx3-ubyte,
                      train-labels-idx1-ubyte,
                      t10k-images-idx3-ubyte,
                      t10k-labels-idx1-ubyte
      Images are grey (1 channel) or colour (3); the network's input is
      their shape.
      """)
  let size = Option<ImageSize?>.imageSize(
    "size", section: "Data",
    help: "resize every image to HxW (height x width) when loading\n(default: all images must have one size)")
  let resize = Option<ResizeMethod?>.resizeMethod(
    "resize", section: "Data",
    help: "how --size resizes: area (mean of the covered area; for\nshrinking) or bilinear (default: area)")
  let validation = Option<Int?>.integer(
    "val", defaultText: "\(TrainCommandLine.defaults.defaultValidationCount), at most a tenth of the training set",
    range: 0...10_000_000, section: "Data",
    help: """
      training images held out for validation: a random choice made
      with --seed, stratified by class (each class gives its share);
      the same on --resume. 0: no validation (and --keep last)
      """)

  // Model
  let arch = Option<String?>(
    "arch", value: "ARCH", default: .some(nil), defaultText: nil, section: "Model",
    help: "a preset or a layer spec (default: mlp-1024). " + NetworkArchitecture.specHelp
  ) { text throws(CLIError) in try NetworkArchitecture.optionSpec(text) }

  // Training
  let epochs = Option<Int?>.integer(
    "epochs", defaultText: TrainCommandLine.byKind(\.epochs), range: 1...100_000, section: "Training",
    help: "epochs; with --resume: the new length of the run (see Continuing)")
  let batch = Option<Int?>.integer(
    "batch", defaultText: String(TrainCommandLine.defaults.defaultBatchSize), range: 1...1_000_000, section: "Training",
    help: "mini-batch size")
  let learningRate = Option<Double?>.number(
    "lr", defaultText: TrainCommandLine.byKind(\.learningRate), range: 1e-9...10, section: "Training",
    help: "Adam learning rate at the first step")
  let finalLearningRate = Option<Double?>.number(
    "lr-end", defaultText: TrainCommandLine.byKind(\.finalLearningRate), range: 0...10, section: "Training",
    help: "learning rate at the last step")
  let schedule = Option<LearningRateSchedule?>(
    "schedule", value: "S", default: .some(nil), defaultText: TrainCommandLine.defaults.defaultSchedule.rawValue,
    section: "Training", help: "exponential, cosine or constant decay per step"
  ) { text throws(CLIError) in
    guard let schedule = LearningRateSchedule(rawValue: text) else {
      throw .usage("unknown --schedule '\(text)' (exponential, cosine, constant)")
    }
    return schedule
  }
  let augment = Option<Int?>.integer(
    "augment", defaultText: TrainCommandLine.byKind(\.augmentShift), range: 0...8, section: "Training",
    help: "shift each training image by a random offset of up to N pixels\nin x and y (0 = off)")
  let flip = Flag(
    "flip", section: "Training",
    help: """
      mirror training images left-right at random (a coin toss per image
      and epoch, from --seed): for natural images; not for digits
      (default: off)
      """)
  let keep = Option<KeptEpoch?>(
    "keep", value: "EPOCH", default: .some(nil), defaultText: "best with validation images, last with --val 0",
    section: "Training",
    help: """
      the epoch whose model is written: best (the highest validation
      accuracy; on a tie the later epoch) or last
      """
  ) { text throws(CLIError) in
    guard let keep = KeptEpoch(rawValue: text) else { throw .usage("unknown --keep '\(text)' (best, last)") }
    return keep
  }
  let seed = Option<UInt64?>(
    "seed", value: "N", default: .some(nil), defaultText: "1", section: "Training",
    help: "seed of the initialisation and shuffling; a run is\nreproducible for a given seed, whatever the thread count"
  ) { text throws(CLIError) in
    guard let seed = UInt64(text) else { throw .usage("--seed must be a non-negative integer, got '\(text)'") }
    return seed
  }
  let reestimation = Option<Int?>.integer(
    "bn-samples", defaultText: String(TrainCommandLine.defaults.defaultReestimationCount), range: 1...10_000_000,
    section: "Training",
    help: "training images used to re-estimate BatchNorm statistics with the\nfinal weights before folding")
  let gradients = Option<GradientPrecision?>(
    "gradients", value: "P", default: .some(nil),
    defaultText: "auto, here \(TrainingConfiguration.defaultGradients.rawValue)", section: "Training",
    help: """
      arithmetic of the backward products: int8 (the gradient
      rounded to 8 bits per row, times the ±1 weights or activations
      in exact integers: the same accuracy, faster where the CPU has
      its kernels; see the README, "int8 gradients"), float32 (float
      SGEMMs), or auto: int8 on x86 with AVX2, else float32
      """
  ) { text throws(CLIError) in
    if text == "auto" { return nil }
    guard let precision = GradientPrecision(rawValue: text) else {
      throw .usage("unknown --gradients '\(text)' (auto, int8, float32)")
    }
    return precision
  }
  let threads = Option<Int>.integer(
    "threads", default: defaultThreadCount, defaultText: "all \(defaultThreadCount) cores", range: 1...1024,
    section: "Training", help: "worker threads")
  let sgemm = Option<SGEMMChoice>(
    "sgemm", value: "KERNEL", default: SGEMMChoice(path: .best), defaultText: "auto", section: "Training",
    help: "float SGEMM micro-kernel: auto, avx512, avx2 or portable;\navx512 and avx2 give identical results"
  ) { text throws(CLIError) in try SGEMMChoice(text) }

  // Output
  let out = Option<String?>.path(
    "out", value: "MODEL", role: .output, defaultText: "DATASET-ARCH.bnn, e.g. mnist-mlp-1024.bnn", section: "Output",
    help: """
      model file. Also written: MODEL.ckpt (checkpoint after every epoch) and
      MODEL.svg (training curve). Every file is written atomically.
      """)
  let resume = Flag(
    "resume", section: "Output",
    help: """
      continue the run saved in MODEL.ckpt (its configuration is kept;
      an interrupted run ends with the same model as an uninterrupted one);
      with --epochs N: extend it to N epochs (see Continuing)
      """)
  let json = Flag(
    "json", section: "Output",
    help: """
      machine-readable output on stdout: one JSON object per epoch and a
      final summary (human-readable lines go to stderr)
      """)
  let benchGEMM = Flag(
    "bench-gemm", section: "Output",
    help: "measure the float32 SGEMM (GFLOP/s) and the int8\ngradient product (G MAC/s), and exit")
  let version = Flag(
    "version", section: "Output",
    help: "version, SGEMM kernel and default gradient arithmetic (with\n--json: as JSON)")

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    if arguments[\.version] {
      Console.out(
        Version.text(
          tool: Self.name,
          details: [
            ("sgemm_kernel", GEMM.kernelName), ("default_gradients", TrainingConfiguration.defaultGradients.rawValue),
          ], json: arguments[\.json]))
      return
    }
    let options = try TrainOptions(arguments)
    if arguments[\.benchGEMM] {
      GEMMBenchmark.run(threads: options.threads, json: options.json)
      return
    }
    try TrainCommand(options: options).run()
  }
}

/// `--sgemm`: a float SGEMM micro-kernel this CPU has, or automatic choice.
struct SGEMMChoice: Sendable {
  var path: SGEMMPath

  init(path: SGEMMPath) { self.path = path }

  init(_ name: String) throws(CLIError) {
    guard name != "auto" else {
      path = .best
      return
    }
    guard let path = SGEMMPath(named: name) else {
      throw .usage("unknown --sgemm '\(name)' (auto, portable, avx2, avx512)")
    }
    guard path.isAvailable else {
      throw .runtime(
        "--sgemm \(name) is not available on this CPU (available: "
          + SGEMMPath.available.map(\.name).joined(separator: ", ") + ")")
    }
    self.path = path
  }
}
