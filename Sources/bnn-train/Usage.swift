import BinaryNetTraining

/// `bnn-train --help`.
enum Usage {
  static var text: String {
    let c = TrainingConfiguration.self
    let (mlp, conv) = (c.Defaults.mlp, c.Defaults.convolutional)
    /// The MLP default, and the convolutional one where it differs.
    func byKind<T: Equatable>(_ value: (TrainingConfiguration.Defaults) -> T) -> String {
      value(mlp) == value(conv)
        ? "\(value(mlp))" : "\(value(mlp)) for MLPs, \(value(conv)) for conv nets"
    }
    return """
      bnn-train \(Version.string): train a binarized network (BNN: an MLP or a convolutional
      net) on MNIST-style data and write a BinaryNet model file for bnn-run.

      USAGE
        bnn-train [--dataset NAME | --data DIR] [--arch ARCH] [options]
        bnn-train --resume [--out MODEL] [--threads N]
        bnn-train --bench-gemm [--threads N] [--json]

      DATA
        --dataset NAME    mnist or fashion-mnist (default: mnist). Found in $BNN_DATA_DIR/NAME,
                          else ./datasets/NAME, else datasets/NAME beside the executable or
                          any folder above it (the repository's bundled copies).
        --data DIR        a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
                          t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each .gz or plain)
        --val N           images held out from the end of the training set for validation
                          (default: \(c.defaultValidationCount))

      MODEL
        --arch ARCH       a preset or a layer spec (default: mlp-1024). Presets:
                            mlp-1024  784-1024-1024-1024-10
                            mlp-4096  784-4096-4096-4096-10
                            conv      c32-c64-p-c128-p-256-10
                          A spec is layers joined by '-'; the input shape comes from the data
                          (28x28x1 for MNIST):
                            N         a dense layer of N outputs (the last one: the classes;
                                      an MLP starts with its input size, e.g. 784-256-256-10)
                            cN        a convolution with N output channels, 3x3, stride 1,
                                      'same' padding; options after N: kK kernel KxK, sS
                                      stride S, v 'valid' padding (e.g. c64k5s2v)
                            p         2x2 max pooling (stride 2) after the convolution before
                                      it, ahead of its BatchNorm
                          Convolutions come first, dense layers follow on the flattened
                          activations. Every layer has BatchNorm and sign (the last: BatchNorm
                          and softmax); 'same' padding pads pixels with 0 in the first layer
                          and activations with +1 in the others, as the engine does.

      TRAINING
        --epochs N        epochs (default: \(byKind(\.epochs)))
        --batch N         mini-batch size (default: \(c.defaultBatchSize))
        --lr X            Adam learning rate at the first step (default: \(byKind(\.learningRate)))
        --lr-end X        learning rate at the last step (default: \(byKind(\.finalLearningRate)))
        --schedule S      exponential, cosine or constant decay per step (default: \(c.defaultSchedule.rawValue))
        --augment N       shift each training image by a random offset of up to N pixels
                          in x and y (default: \(byKind(\.augmentShift)), 0 = off)
        --seed N          seed of the initialisation and shuffling (default: 1); a run is
                          reproducible for a given seed, whatever the thread count
        --bn-samples N    training images used to re-estimate BatchNorm statistics with the
                          final weights before folding (default: \(c.defaultReestimationCount))
        --threads N       worker threads (default: all \(defaultThreadCount) cores)
        --sgemm KERNEL    float SGEMM micro-kernel: auto (default), avx512, avx2 or portable;
                          avx512 and avx2 give identical results

      OUTPUT
        --out MODEL       model file (default: DATASET-ARCH.bnn, e.g. mnist-mlp-1024.bnn).
                          Also written: MODEL.ckpt (checkpoint after every epoch) and
                          MODEL.svg (training curve). Every file is written atomically.
        --resume          continue the run saved in MODEL.ckpt (its configuration is kept;
                          an interrupted run ends with the same model as an uninterrupted one)
        --json            machine-readable output on stdout: one JSON object per epoch and a
                          final summary (human-readable lines go to stderr)
        --bench-gemm      measure the float32 SGEMM (GFLOP/s) and exit
        --help, -h        this help
        --version         version and SGEMM kernel

      At the end bnn-train re-estimates BatchNorm statistics, folds the network into the
      BinaryNet format, writes MODEL, re-loads it from disk and reports the engine's accuracy
      on the test set (and its agreement with the trainer's own float evaluation).

      EXIT STATUS
        0 success, 1 runtime error (data, files, training), 2 usage error,
        130 interrupted (Ctrl-C): the last checkpoint stays valid, continue with --resume

      EXAMPLES
        bnn-train                                       # mlp-1024 on MNIST -> mnist-mlp-1024.bnn
        bnn-train --dataset fashion-mnist --epochs 30 --out fashion.bnn
        bnn-train --arch conv --dataset fashion-mnist   # -> fashion-mnist-conv.bnn
        bnn-train --arch c16k5-p-c32-p-128-10 --epochs 5
        bnn-train --arch 784-256-256-10 --epochs 5 --batch 200 --seed 7
        bnn-train --data /path/to/idx-folder --arch 784-512-10 --json > run.jsonl
        bnn-train --resume --out mnist-mlp-1024.bnn     # after an interruption
        bnn-run eval mnist-mlp-1024.bnn --images datasets/mnist/t10k-images-idx3-ubyte.gz \\
          --labels datasets/mnist/t10k-labels-idx1-ubyte.gz
      """
  }
}
