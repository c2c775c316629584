// bnn-runner: the BinaryNet inference core as a small static program for ARM64 Linux
// boards, built with Embedded Swift (no Swift runtime or Foundation needed on the board).
//
// Reads a .bnn model and a plain (uncompressed) IDX image file (N x H x W grey, or
// N x H x W x C colour), classifies every image, and prints the accuracy when IDX labels
// are given. `--predictions PATH` writes one predicted class index per line, the format of
// `bnn-run eval --predictions`.
import BinaryNet
import RunnerIO

let usage = """
  Usage: bnn-runner MODEL IMAGES [options]

  Classifies every image of a plain IDX image file (idx3-ubyte N x H x W grey, or
  idx4-ubyte N x H x W x C colour; not gzip'd: gunzip it first) with a BinaryNet
  model (.bnn).

  Options:
    --labels PATH        IDX label file (idx1-ubyte, plain): print the accuracy
    --predictions PATH   write one predicted class index per line ('-' = stdout)
    --limit N            classify only the first N images
    --batch B            images per kernel call (default: 64)
    --kernel NAME        kernel path: scalar, neon, neon-dotprod (default: the fastest
                         available)
    -h, --help           this text

  Exit status: 0 success, 1 runtime error, 2 usage error.
  """

/// A failure to report: a message and the exit status.
struct Failure: Error {
  var message: String
  var status: Int32
  static func usage(_ text: String) -> Failure { Failure(message: text, status: 2) }
  static func runtime(_ text: String) -> Failure { Failure(message: text, status: 1) }
}

/// A whole file in memory (64-byte aligned, so a model can be used in place).
final class FileBytes {
  let base: UnsafeMutableRawPointer
  let count: Int

  init(path: String, alignment: Int = 64) throws(Failure) {
    var size = 0
    let buffer = path.withCString { runner_read_file($0, alignment, &size) }
    guard let buffer else { throw .runtime(String(cString: runner_error())) }
    base = buffer
    count = size
  }

  deinit { runner_free(base) }

  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// Big-endian u32 at `offset` (IDX headers); the caller checks the bounds.
  func bigEndian32(_ offset: Int) -> Int {
    var value = 0
    for i in 0..<4 { value = value << 8 | Int(bytes[offset + i]) }
    return value
  }
}

/// An IDX file of unsigned bytes: its dimensions and where the data starts.
struct IDX {
  let file: FileBytes
  let dimensions: [Int]
  let dataOffset: Int

  /// Reads an IDX file whose element type is unsigned byte (0x08) with `rank` dimensions
  /// (or, when `alsoRank` is given, that many: N x H x W grey or N x H x W x C colour).
  init(path: String, rank expectedRank: Int, alsoRank: Int? = nil) throws(Failure) {
    file = try FileBytes(path: path)
    let bytes = file.bytes
    if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
      throw .runtime(path + ": gzip'd; bnn-runner reads plain IDX files (gunzip it first)")
    }
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
      throw .runtime(path + ": not an IDX file of unsigned bytes")
    }
    let rank = bytes.count >= 4 ? Int(bytes[3]) : 0
    guard rank == expectedRank || rank == alsoRank, bytes.count >= 4 + 4 * rank else {
      throw .runtime(
        path + ": expected an IDX file with " + String(expectedRank)
          + (alsoRank.map { " or " + String($0) } ?? "") + " dimension(s), found " + String(rank))
    }
    var dimensions: [Int] = []
    var elements = 1
    for d in 0..<rank {
      let n = file.bigEndian32(4 + 4 * d)
      dimensions.append(n)
      elements = elements.multipliedReportingOverflow(by: n).overflow ? Int.max : elements * n
    }
    dataOffset = 4 + 4 * rank
    guard elements <= bytes.count - dataOffset else {
      throw .runtime(path + ": truncated (" + String(bytes.count) + " bytes)")
    }
    self.dimensions = dimensions
  }

  var data: UnsafeRawPointer { UnsafeRawPointer(file.base) + dataOffset }
}

/// Options after MODEL and IMAGES.
struct Options {
  var modelPath = ""
  var imagesPath = ""
  var labelsPath: String? = nil
  var predictionsPath: String? = nil
  var limit = Int.max
  var batch = 64
  var kernel: KernelPath? = nil
  var help = false

  init(_ arguments: [String]) throws(Failure) {
    var positionals: [String] = []
    var i = 0
    func value(_ name: String) throws(Failure) -> String {
      i += 1
      guard i < arguments.count else { throw .usage("option '" + name + "' needs a value") }
      return arguments[i]
    }
    func number(_ name: String, _ range: ClosedRange<Int>) throws(Failure) -> Int {
      let text = try value(name)
      guard let n = Int(text), range.contains(n) else {
        throw .usage(
          "option '" + name + "' needs a number in " + String(range.lowerBound) + "..."
            + String(range.upperBound) + ", got '" + text + "'")
      }
      return n
    }
    while i < arguments.count {
      let argument = arguments[i]
      switch argument {
      case "-h", "--help": help = true
      case "--labels": labelsPath = try value(argument)
      case "--predictions": predictionsPath = try value(argument)
      case "--limit": limit = try number(argument, 1...Int(Int32.max))
      case "--batch": batch = try number(argument, 1...65536)
      case "--kernel":
        let name = try value(argument)
        guard let path = KernelPath.allCases.first(where: { $0.name == name }) else {
          throw .usage("unknown kernel '" + name + "' (scalar, popcnt, avx2, neon, neon-dotprod)")
        }
        guard path.isAvailable else {
          var names = ""
          for p in KernelPath.available { names += (names.isEmpty ? "" : ", ") + p.name }
          throw .runtime(
            "kernel '" + name + "' is not available in this build (available: " + names + ")")
        }
        kernel = path
      default:
        if argument.utf8.first == UInt8(ascii: "-") && argument.utf8.count > 1 {
          throw .usage("unknown option '" + argument + "'")
        }
        positionals.append(argument)
      }
      i += 1
    }
    if help { return }
    guard positionals.count == 2 else { throw .usage("expected MODEL and IMAGES (see --help)") }
    modelPath = positionals[0]
    imagesPath = positionals[1]
  }
}

/// `part / whole` as a percentage with two decimals, e.g. "97.31" (integers only).
func percent(_ part: Int, _ whole: Int) -> String {
  let hundredths = (part * 10000 + whole / 2) / whole
  let fraction = hundredths % 100
  return String(hundredths / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
}

/// Nanoseconds as seconds with three decimals.
func seconds(_ nanoseconds: UInt64) -> String {
  let ms = nanoseconds / 1_000_000
  let frac = Int(ms % 1000)
  return String(ms / 1000) + "." + (frac < 100 ? "0" : "") + (frac < 10 ? "0" : "") + String(frac)
}

func run(_ arguments: [String]) throws(Failure) {
  let options = try Options(arguments)
  if options.help {
    print(usage)
    return
  }

  // The model is used in place from the file buffer (no second copy).
  let modelFile = try FileBytes(path: options.modelPath)
  let model: Model
  do {
    model = try Model(borrowing: modelFile.bytes, kernelPath: options.kernel)
  } catch {
    throw .runtime(options.modelPath + ": " + error.description)
  }

  // N x H x W (grey) or N x H x W x C (colour, HWC).
  let images = try IDX(path: options.imagesPath, rank: 3, alsoRank: 4)
  let input = model.input
  let channels = images.dimensions.count == 4 ? images.dimensions[3] : 1
  guard channels == input.channels, images.dimensions[1] == input.height,
    images.dimensions[2] == input.width
  else {
    throw .runtime(
      options.imagesPath + ": images are " + String(images.dimensions[1]) + "x"
        + String(images.dimensions[2]) + "x" + String(channels)
        + ", but the model expects " + String(input.height) + "x" + String(input.width) + "x"
        + String(input.channels))
  }
  let count = min(images.dimensions[0], options.limit)
  guard count > 0 else { throw .runtime(options.imagesPath + " holds no images") }

  var labels: IDX? = nil
  if let path = options.labelsPath {
    let file = try IDX(path: path, rank: 1)
    guard file.dimensions[0] == images.dimensions[0] else {
      throw .runtime(
        options.imagesPath + " has " + String(images.dimensions[0]) + " images but " + path
          + " has "
          + String(file.dimensions[0]) + " labels")
    }
    labels = file
  }

  let pixels = UnsafeBufferPointer(
    start: images.data.assumingMemoryBound(to: UInt8.self), count: count * input.pixelCount)
  let predicted = UnsafeMutableBufferPointer<Int32>.allocate(capacity: count)
  defer { predicted.deallocate() }
  let workspace = InferenceWorkspace(model: model, batchCapacity: min(options.batch, count))
  let start = runner_nanoseconds()
  do {
    try model.predictLabels(pixels, count: count, into: predicted, workspace: workspace)
  } catch {
    throw .runtime(error.description)
  }
  let elapsed = runner_nanoseconds() - start

  if let path = options.predictionsPath {
    var text: [UInt8] = []
    text.reserveCapacity(count * 2)
    for p in predicted {
      text.append(contentsOf: String(p).utf8)
      text.append(UInt8(ascii: "\n"))
    }
    if path == "-" {
      text.withUnsafeBytes { runner_write_stdout($0.baseAddress, $0.count) }
    } else {
      let status = text.withUnsafeBytes { raw in
        path.withCString { runner_write_file($0, raw.baseAddress, raw.count) }
      }
      guard status == 0 else { throw .runtime(String(cString: runner_error())) }
    }
  }

  // Summary (on stderr when the predictions go to stdout).
  let report: (String) -> Void =
    options.predictionsPath == "-"
    ? { line in line.withCString { runner_eprint($0) } } : { print($0) }
  report(
    "model      " + options.modelPath + " (" + String(model.fileBytes) + " bytes, "
      + String(model.layerSummaries.count)
      + " layers, " + model.kernelPath.name + " kernels)")
  report("images     " + String(count) + " from " + options.imagesPath)
  if let labels {
    let truth = labels.data.assumingMemoryBound(to: UInt8.self)
    var correct = 0
    for i in 0..<count where Int(truth[i]) == Int(predicted[i]) { correct += 1 }
    report(
      "accuracy   " + percent(correct, count) + "%  (" + String(correct) + " / " + String(count)
        + ")")
  }
  let rate = elapsed > 0 ? UInt64(count) * 1_000_000_000 / elapsed : 0
  report(
    "time       " + seconds(elapsed) + " s, " + String(rate) + " images/s (one thread, batch "
      + String(workspace.batchCapacity) + ")")
}

@_cdecl("main")
func runnerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
  var arguments: [String] = []
  var i = 1
  while i < Int(argc) {
    if let argument = argv[i] { arguments.append(String(cString: argument)) }
    i += 1
  }
  do {
    try run(arguments)
    return 0
  } catch {
    ("bnn-runner: " + error.message).withCString { runner_eprint($0) }
    if error.status == 2 { "Try 'bnn-runner --help'.".withCString { runner_eprint($0) } }
    return error.status
  }
}
