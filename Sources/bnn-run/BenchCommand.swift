import BinaryNet
import CLISupport

/// `bnn-run bench MODEL`: latency, throughput and achieved binary GOPS on random images.
///
/// Figures are medians of repeated runs; 1 binary MAC counts as 2 ops (XNOR, accumulate).
struct BenchCommand: Command {
  static let name = "bench"
  static let abstract = "batch-1 latency (p50/p99), throughput, binary GOPS"
  static let discussion = """
    Measures on random images (no data needed):
      - batch-1 latency: one image per call, p50 / p99 / mean over many calls;
      - with --threads N > 1, batch-1 latency again with N threads sharing each
        image's large layers (and its ratio to one thread; both are timed in
        alternating slices of the run, so drifting machine speed hits both alike);
      - throughput: images/s with --threads workers, --batch images per call;
      - per-layer time and achieved binary GOPS (1 binary MAC = 2 ops: XNOR, add).
    """
  static let positionals = [
    Positional("MODEL", count: .optional, role: .input, help: "a .bnn model file (or --arch)")
  ]
  static let alternativeUsages = ["bnn-run bench --arch mlp-1024|mlp-4096|conv|SPEC [options]"]

  let threads = SharedOptions.threads(
    "threads for the throughput run (one image per worker) and for the shared batch-1 latency")
  let batch = SharedOptions.batch("images per call in the throughput run")
  let seconds = Option<Double>.number(
    "seconds", value: "S", default: 1, range: 0.01...3600, help: "target duration of each measurement")
  let repeats = Option<Int>.integer(
    "repeats", value: "R", default: 5, range: 1...1000, help: "throughput runs; the median is reported")
  let kernel = SharedOptions.kernel
  let arch = SharedOptions.architecture(
    """
    benchmark a random model of this architecture instead of a file:
    mlp-1024, mlp-4096, conv, widths such as 784-256-256-10, or
    layers such as c32-c64-p-c128-p-256-10 (see bnn-train --help)
    """)
  let json = SharedOptions.json

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let arch = arguments[\.arch]
    guard arguments.positionals.count == (arch == nil ? 1 : 0) else {
      throw .usage("bench takes exactly one MODEL argument, or --arch without a MODEL")
    }
    let kernel = arguments[\.kernel]
    let model: Model
    let path: String
    if let arch {
      path = "random " + NetworkArchitecture.name(ofSpec: arch)
      model = try BenchCommand.randomModel(arch, kernel: kernel)
    } else {
      path = arguments.positionals[0]
      model = try loadModel(path, kernel: kernel)
    }
    let settings = BenchSettings(
      threads: arguments[\.threads], batch: arguments[\.batch], seconds: arguments[\.seconds],
      repeats: arguments[\.repeats])
    if !arguments[\.json] {
      Console.err(
        "bnn-run bench: \(path) on \(model.kernelPath.name) kernels, \(settings.threads) thread(s), "
          + "batch \(settings.batch)")
    }
    let results = BenchResults.measure(model, settings: settings)
    let report = BenchReport(model: model, path: path, settings: settings, results: results)
    Console.out(arguments[\.json] ? report.json.text : report.text)
  }
}
