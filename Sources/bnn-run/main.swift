import BinaryNet
import CLISupport

/// bnn-run: load a BinaryNet model and classify, evaluate, benchmark or describe it.
/// Exit status: 0 success, 1 runtime error, 2 usage error.
let tool = Tool(
  name: "bnn-run",
  abstract: "bnn-run: run BinaryNet binarized neural network models (.bnn files).",
  commands: [
    EvalCommand.self, ClassifyCommand.self, InfoCommand.self, BenchCommand.self, ExportCCommand.self,
    ExportImagesCommand.self, ImportCommand.self,
  ],
  versionDetails: {
    [("model_format", "v" + String(ModelFormat.version)), ("kernels", KernelPath.best.name)]
  },
  epilogue: """
    IDX files may be gzip'd (.gz); image files are PNG, JPEG, PGM or PPM. Exit status: 0 success, 1 runtime error, 2 usage error.
    No command writes over a file it reads: an output path that is one of the inputs (or
    another output) is a usage error.

    Examples:
      bnn-run info mnist-mlp-1024.bnn
      bnn-run eval mnist-mlp-1024.bnn \\
        --images datasets/mnist/t10k-images-idx3-ubyte.gz \\
        --labels datasets/mnist/t10k-labels-idx1-ubyte.gz
      bnn-run classify mnist-mlp-1024.bnn digit.png --top 3
      bnn-run eval mnist-mlp-1024.bnn --data my-digits/ --resize area
      bnn-run export-images --dataset mnist --out mnist-png --limit 100
      bnn-run import mnist-larq.npz --out mnist-larq.bnn
      bnn-run bench mnist-mlp-1024.bnn --threads 2 --batch 64
    """)
tool.main()
