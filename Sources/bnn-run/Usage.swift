/// Help texts of bnn-run.
enum Usage {
  static let main = """
    bnn-run: run BinaryNet binarized neural network models (.bnn files).

    Usage: bnn-run <command> [options]

    Commands:
      eval MODEL --images IDX --labels IDX   accuracy, confusion matrix and images/s on a labelled set
      classify MODEL FILE...                 classify PGM images (P2/P5) or every image of an IDX file
      info MODEL                             layers, shapes, parameters, file size, MACs per inference
      bench MODEL                            batch-1 latency (p50/p99), throughput, binary GOPS
      export-c MODEL --out FILE.c            the model (and test images) as C arrays for firmware

    Options common to every command:
      --json        machine-readable output (one JSON object on stdout)
      -h, --help    this text; 'bnn-run help COMMAND' for a command's options
      --version     version, model format and kernel path

    IDX files may be gzip'd (.gz). Exit status: 0 success, 1 runtime error, 2 usage error.

    Examples:
      bnn-run info mnist-mlp-1024.bnn
      bnn-run eval mnist-mlp-1024.bnn --images datasets/mnist/t10k-images-idx3-ubyte.gz \\
                                      --labels datasets/mnist/t10k-labels-idx1-ubyte.gz
      bnn-run classify mnist-mlp-1024.bnn digit.pgm --top 3
      bnn-run bench mnist-mlp-1024.bnn --threads 2 --batch 64
    """

  static let eval = """
    Usage: bnn-run eval MODEL --images IDX --labels IDX [options]

    Classifies every image of an IDX image file and compares with the IDX labels.
    Prints accuracy, the confusion matrix (rows: true class, columns: predicted) and images/s.

    Options:
      --images PATH        IDX image file (idx3-ubyte, optionally .gz)        (required)
      --labels PATH        IDX label file (idx1-ubyte, optionally .gz)        (required)
      --threads N          worker threads (default: all cores)
      --batch B            images per kernel call (default: 64)
      --limit N            evaluate only the first N images
      --predictions PATH   also write one predicted class index per line to PATH
      --json               JSON output
    """

  static let classify = """
    Usage: bnn-run classify MODEL FILE... [options]

    Classifies images. FILE is a PGM image (P2 or P5, 8-bit, the model's width x height)
    or an IDX image file (every image in it is classified).

    Options:
      --top K      how many labels to print per image, best first (default: 3)
      --limit N    at most N images from each IDX file
      --json       JSON output
    """

  static let info = """
    Usage: bnn-run info MODEL [--json]

    Describes a model: input, classes, each layer (kind, shapes, parameters, MACs),
    file bytes, binary MACs per inference and the kernel path used here.
    """

  static let bench = """
    Usage: bnn-run bench MODEL [options]
           bnn-run bench --arch mlp-1024|mlp-4096|conv|SPEC [options]

    Measures on random images (no data needed):
      - batch-1 latency: one image per call, p50 / p99 / mean over many calls;
      - throughput: images/s with --threads workers, --batch images per call;
      - per-layer time and achieved binary GOPS (1 binary MAC = 2 ops: XNOR and add).

    Options:
      --threads N      worker threads for the throughput run (default: all cores)
      --batch B        images per call in the throughput run (default: 64)
      --seconds S      target duration of each measurement (default: 1)
      --repeats R      throughput runs; the median is reported (default: 5)
      --kernel NAME    force a kernel path: scalar, popcnt, avx2, avx512, neon
                       (default: fastest)
      --arch ARCH      benchmark a random model of this architecture instead of a file:
                       mlp-1024, mlp-4096, conv, widths such as 784-256-256-10, or
                       layers such as c32-c64-p-c128-p-256-10 (see bnn-train --help)
      --json           JSON output
    """

  static let exportC = """
    Usage: bnn-run export-c MODEL --out FILE.c [options]
           bnn-run export-c --arch ARCH --out FILE.c [options]

    Writes the model file's bytes as a C array for firmware: `const` (it stays in flash)
    and 64-byte aligned, so `Model(borrowing:)` runs it in place without a copy in RAM.
    Optionally adds test images, their true labels, and the class this engine predicts
    for each (what the device must reproduce exactly). See docs/EMBEDDED.md.

    Symbols (NAME = --name, default bnn_model):
      const uint8_t  NAME[]            the model file, 64-byte aligned
      const uint32_t NAME_size         its size in bytes
    with --images:
      const uint8_t  NAME_images[]     COUNT images, HWC 8-bit pixels, back to back
      const uint32_t NAME_image_count, NAME_image_bytes
      const uint16_t NAME_expected[]   this engine's prediction for each image
      const int16_t  NAME_labels[]     the true labels (-1 without --labels)

    Options:
      --out PATH          the C source to write                                 (required)
      --header PATH       also write a header declaring the symbols
      --name NAME         symbol name prefix (default: bnn_model)
      --images IDX        embed the first COUNT images of this IDX file (optionally .gz)
      --labels IDX        and their true labels
      --count N           number of images to embed (default: 10)
      --section NAME      put the arrays in this linker section (e.g. external flash)
      --arch ARCH         export a random model of this architecture instead of MODEL, as
                          'bench --arch' makes it (for tests and size estimates)
      --save-model PATH   also write the exported model as a .bnn file (useful with --arch)
      --json              JSON output
    """

  static func forCommand(_ name: String) -> String? {
    switch name {
    case "eval": return eval
    case "classify": return classify
    case "info": return info
    case "bench": return bench
    case "export-c": return exportC
    default: return nil
    }
  }
}
