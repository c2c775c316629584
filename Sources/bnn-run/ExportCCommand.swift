import BinaryNet
import CLISupport
import Foundation
import MNISTLoader

/// `bnn-run export-c MODEL --out FILE.c`: the model file's bytes as a C constant array,
/// for firmware that keeps the model in flash and runs it in place with
/// `Model(borrowing:)`; optionally with test images, their true labels and the class
/// this engine predicts for each (what the device must reproduce bit-exactly).
struct ExportCCommand: Command {
  static let name = "export-c"
  static let abstract = "the model (and test images) as C arrays for firmware"
  static let discussion = """
    Writes the model file's bytes as a C array for firmware: `const` (it stays in flash)
    and 64-byte aligned, so `Model(borrowing:)` runs it in place without a copy in RAM.
    Optionally adds test images, their true labels, and the class this engine predicts
    for each (what the device must reproduce exactly). See docs/EMBEDDED.md.

    Symbols (NAME = --name, default bnn_model):
      const uint8_t  NAME[]            the model file, 64-byte aligned
      const uint32_t NAME_size         its size in bytes
      const uint32_t NAME_check        its CRC-32 as validated here, the check
                                       value of Model(trustedBorrowing:check:)
    with --images:
      const uint8_t  NAME_images[]     COUNT images, HWC 8-bit pixels, back to back
      const uint32_t NAME_image_count, NAME_image_bytes
      const uint16_t NAME_expected[]   this engine's prediction for each image
      const uint32_t NAME_expected_scores[]  and its class scores as IEEE-754
                                       float bit patterns, COUNT x NAME_class_count
      const uint32_t NAME_class_count
      const int16_t  NAME_labels[]     the true labels (-1 without --labels)
    """
  static let positionals = [
    Positional("MODEL", count: .optional, role: .input, help: "a .bnn model file (or --arch)")
  ]
  static let alternativeUsages = ["bnn-run export-c --arch ARCH --out FILE.c [options]"]

  let out = Option<String>.path("out", role: .output, help: "the C source to write")
  let header = Option<String?>.path("header", role: .output, help: "also write a header declaring the symbols")
  let symbol = Option<String>(
    "name", value: "NAME", default: "bnn_model", defaultText: "bnn_model", help: "symbol name prefix"
  ) { text throws(CLIError) in
    guard isCIdentifier(text) else { throw .usage("export-c: --name '\(text)' is not a C identifier") }
    return text
  }
  let images = Option<String?>.path(
    "images", value: "IDX", role: .input,
    help: "embed the first COUNT images of this IDX file (optionally .gz; rank 4 for colour)")
  let labels = Option<String?>.path("labels", value: "IDX", role: .input, help: "and their true labels")
  let count = Option<Int?>.integer(
    "count", defaultText: "10", range: 1...1_000_000, help: "number of images to embed")
  let section = Option<String?>(
    "section", value: "NAME", default: .some(nil),
    help: "put the arrays in this linker section (e.g. external flash)"
  ) { text throws(CLIError) in
    guard !text.isEmpty, !text.contains("\""), !text.contains("\\") else {
      throw .usage("export-c: --section needs a plain section name")
    }
    return text
  }
  let arch = SharedOptions.architecture(
    """
    export a random model of this architecture instead of MODEL, as
    'bench --arch' makes it (for tests and size estimates), its input
    shape that of --images when given (e.g. 28x28x3)
    """)
  let saveModel = Option<String?>.path(
    "save-model", role: .output, help: "also write the exported model as a .bnn file (useful with --arch)")
  let json = SharedOptions.json

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let arch = arguments[\.arch]
    guard arguments.positionals.count == (arch == nil ? 1 : 0) else {
      throw .usage("export-c takes exactly one MODEL argument, or --arch without a MODEL")
    }
    if arguments[\.labels] != nil && arguments[\.images] == nil {
      throw .usage("export-c: --labels needs --images")
    }
    if arguments[\.count] != nil && arguments[\.images] == nil {
      throw .usage("export-c: --count needs --images")
    }
    let name = arguments[\.symbol]
    let outPath = arguments[\.out]

    var images: IDXImages? = nil
    if let imagesPath = arguments[\.images] {
      do { images = try loadIDXImages(path: imagesPath) } catch { throw .runtime(error.description) }
    }
    let source: String
    let model: Model
    if let arch {
      // A random model takes its input shape from the images (e.g. 28x28x3), if any.
      source = "a random model of architecture " + arch + " (bnn-run export-c --arch, for tests)"
      let input = images.map { TensorShape(height: $0.rows, width: $0.cols, channels: $0.channels) }
      model = try BenchCommand.randomModel(arch, kernel: nil, input: input)
    } else {
      source = arguments.positionals[0]
      model = try loadModel(arguments.positionals[0])
    }
    let bytes = model.serialized
    var test: TestImages? = nil
    if let imagesPath = arguments[\.images], let images {
      test = try Self.loadTestImages(
        model: model, images: images, imagesPath: imagesPath, labelsPath: arguments[\.labels],
        count: arguments[\.count] ?? 10)
    }

    if let path = arguments[\.saveModel] { try write(bytes, to: path) }
    let text = Self.cSource(
      name: name, section: arguments[\.section], source: source, model: model, bytes: bytes, test: test)
    try write(Array(text.utf8), to: outPath)
    if let headerPath = arguments[\.header] {
      try write(Array(Self.cHeader(name: name, model: model, bytes: bytes, test: test).utf8), to: headerPath)
    }

    if arguments[\.json] {
      Console.out(
        JSON.object([
          ("out", .string(outPath)), ("name", .string(name)), ("model_bytes", .int(bytes.count)),
          ("images", .int(test?.count ?? 0)), ("image_bytes", .int(model.input.pixelCount)),
        ]).text)
    } else {
      var line = "wrote \(outPath): \(name) (\(bytes.count) bytes"
      if let test { line += ", \(test.count) test images of \(model.input.pixelCount) bytes" }
      Console.out(line + ")")
    }
  }

  /// Images to embed, their true labels (-1: unknown) and this engine's predictions.
  struct TestImages {
    var count: Int
    var pixels: [UInt8]
    var labels: [Int]
    var expected: [Int]
    /// Each image's class scores (`classCount` per image) as float bit patterns.
    var scoreBits: [UInt32]
    var description: String
  }

  static func loadTestImages(
    model: Model, images: IDXImages, imagesPath: String, labelsPath: String?, count: Int
  ) throws(CLIError) -> TestImages {
    try checkImages(images, path: imagesPath, fit: model)
    let n = min(count, images.count)
    guard n > 0 else { throw .runtime("\(imagesPath) holds no images") }
    let pixels = Array(images.pixels[0..<(n * images.imageSize)])
    var labels = [Int](repeating: -1, count: n)
    if let labelsPath {
      let truth = try loadLabels(labelsPath, for: model)
      guard truth.count == images.count else {
        throw .runtime(
          "\(imagesPath) has \(images.count) images but \(labelsPath) has \(truth.count) labels")
      }
      labels = truth.labels[0..<n].map { Int($0) }
    }
    let expected: [Int]
    do { expected = try model.predictLabels(pixels, count: n) } catch {
      throw .runtime(error.description)
    }
    // The scores, one image at a time (the same per-operation float arithmetic as any
    // batch size): a device must reproduce these bits too.
    var scoreBits: [UInt32] = []
    scoreBits.reserveCapacity(n * model.classCount)
    let workspace = model.makeWorkspace(batchCapacity: 1)
    let size = images.imageSize
    for i in 0..<n {
      let result: Result<Int, ModelError> = pixels.withUnsafeBufferPointer { all in
        do throws(ModelError) {
          let image = UnsafeBufferPointer(rebasing: all[(i * size)..<((i + 1) * size)])
          return .success(try model.classify(image, workspace: workspace))
        } catch { return .failure(error) }
      }
      do { _ = try result.get() } catch { throw .runtime(error.description) }
      scoreBits += workspace.scores(ofImage: 0).map { $0.bitPattern }
    }
    let what = "images 0..<\(n) of \(imagesPath)" + (labelsPath.map { ", labels from \($0)" } ?? "")
    return TestImages(
      count: n, pixels: pixels, labels: labels, expected: expected, scoreBits: scoreBits, description: what)
  }

  static func isCIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first,
      first == "_" || (first.isASCII && first.properties.isAlphabetic)
    else { return false }
    return text.unicodeScalars.allSatisfy {
      $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
    }
  }
}
