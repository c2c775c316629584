import BinaryNet
import BinaryNetData
import BinaryNetImages
import CLISupport
import Foundation
import MNISTLoader

/// `bnn-run export-images (--data PATH | --dataset NAME) --out DIR`: a data set written as
/// an image folder tree, `DIR/train/<class>/<index>.png` and `DIR/test/<class>/...`, or
/// (`--format idx`) as the four IDX files of the MNIST layout.
struct ExportImagesCommand: Command {
  static let name = "export-images"
  static let abstract = "write a data set as an image folder tree (PNG or JPEG) or IDX files"
  static let discussion = """
    Writes the training and test images of a data set (any --data that bnn-train
    reads, or a bundled --dataset) as DIR/train/<class>/<index>.png and
    DIR/test/<class>/<index>.png: the layout --data reads back as an image folder.
    <index> is the image's index in its split, zero-padded. Class folders are the
    class names with characters other than letters, digits, '-', '_' and '.'
    replaced by '_'; when those names would not sort in class order (or collide),
    each is prefixed with its zero-padded class index (03-cat), so reading the
    folder back gives every image its class.

    --colour SEED makes a deterministic "coloured MNIST" from grey images: each
    image gets a random foreground and background colour (seeded by SEED and the
    image's split and index; their BT.601 lumas differ by at least 96), and a
    pixel of grey value v becomes bg + (fg - bg) * v / 255, rounded.

    --format idx writes DIR/train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (plain, not gzip'd), images
    in data-set order: grey images as rank-3 IDX (N x H x W, magic 0x00000803),
    colour ones as rank-4 IDX (N x H x W x C, HWC, magic 0x00000804) under the
    same MNIST file names, so every IDX loader finds them (bnn-train --data DIR,
    bnn-run eval/export-c --images, the aarch64 bnn-runner). IDX holds no class
    names: they read back as 0, 1, ...

    DIR must not exist or be empty; --force writes into a non-empty DIR
    (replacing files of the same names, deleting nothing). DIR is never an input
    or inside one. Every file is written atomically.
    """

  let data = Option<String?>.path(
    "data", value: "PATH", role: .input, section: "Data",
    help: "a data set: image folder, .npz, folder of .npy or IDX files")
  let dataset = Option<String?>.text(
    "dataset", value: "NAME", section: "Data",
    help: """
      a bundled data set: mnist or fashion-mnist (found in $BNN_DATA_DIR/NAME,
      else ./datasets/NAME, else datasets/NAME beside the executable or above)
      """)
  let size = Option<ImageSize?>.imageSize("size", section: "Data", help: "resize every image to HxW while reading")
  let resize = Option<ResizeMethod?>.resizeMethod(
    "resize", section: "Data", help: "with --size: area (default) or bilinear")
  let limit = Option<Int?>.integer("limit", range: 1...Int.max, section: "Data", help: "at most N images of each split")
  let out = Option<String>.path("out", value: "DIR", role: .output, section: "Output", help: "the folder to write")
  let format = Option<ExportFormat>(
    "format", value: "FORMAT", default: .png, defaultText: "png", section: "Output",
    help: "png, jpeg (image folder tree) or idx (MNIST-layout IDX files)"
  ) { text throws(CLIError) in
    switch text.lowercased() {
    case "png": return .png
    case "jpeg", "jpg": return .jpeg
    case "idx": return .idx
    default: throw .usage("unknown --format '\(text)' (png, jpeg, idx)")
    }
  }
  let quality = Option<Int?>.integer(
    "quality", value: "Q", defaultText: "90", range: 1...100, section: "Output", help: "JPEG quality")
  let colour = Option<UInt64?>(
    "colour", value: "SEED", default: .some(nil), section: "Output",
    help: "colour grey images: a random foreground and background per image"
  ) { text throws(CLIError) in
    guard let seed = UInt64(text) else {
      throw .usage("--colour wants a seed, a whole number in 0...\(UInt64.max), got '\(text)'")
    }
    return seed
  }
  let force = Flag("force", section: "Output", help: "write into a non-empty DIR")
  let json = Flag("json", section: "Output", help: "JSON output (a summary of what was written)")

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let outFolder = arguments[\.out]
    if arguments[\.quality] != nil && arguments[\.format] != .jpeg {
      throw .usage("--quality applies to --format jpeg")
    }
    if arguments[\.resize] != nil && arguments[\.size] == nil { throw .usage("--resize needs --size") }
    let source = try dataPath(arguments)
    try PathUse.checkFolderOutsideInputs(
      PathUse(what: "--out", path: outFolder), inputs: [PathUse(what: "the data set", path: source)], orHoldsOne: true)
    try checkOutFolder(outFolder, force: arguments[\.force])

    let options = DataSetOptions(
      size: arguments[\.size].map { (height: $0.height, width: $0.width) }, resizeMethod: arguments[\.resize] ?? .area)
    let data: DataSet
    do { data = try DataSet.load(path: source, options: options) } catch { throw .runtime(error.description) }
    if arguments[\.colour] != nil && data.train.shape.channels != 1 {
      throw .runtime("--colour colours grey images; \(source) holds colour images")
    }
    let folders = classFolderNames(data.classNames)
    let limit = arguments[\.limit] ?? Int.max
    let trainCount: Int
    let testCount: Int
    if let imageFormat = arguments[\.format].imageFormat {
      let writer = SplitWriter(
        out: outFolder, format: imageFormat, quality: arguments[\.quality] ?? 90, colourSeed: arguments[\.colour],
        classFolders: folders, progress: Console.stderrIsTerminal && !arguments[\.json])
      trainCount = try writer.write(data.train, split: 0, name: "train", limit: limit)
      testCount = try writer.write(data.test, split: 1, name: "test", limit: limit)
    } else {
      let writer = IDXSplitWriter(out: outFolder, colourSeed: arguments[\.colour])
      trainCount = try writer.export(data.train, split: 0, stem: "train", limit: limit)
      testCount = try writer.export(data.test, split: 1, stem: "t10k", limit: limit)
    }
    let present = Set(data.train.labels.prefix(trainCount))
    let missing = (0..<data.classCount).filter { !present.contains(UInt8($0)) }
    if !missing.isEmpty {
      Console.err(
        "bnn-run: warning: no training images written for class(es) "
          + missing.map { data.classNames[$0] }.joined(separator: ", ")
          + ": the folder reads back with \(data.classCount - missing.count) classes (raise --limit)")
    }

    let shape =
      "\(data.train.shape.height)x\(data.train.shape.width)x\(arguments[\.colour] != nil ? 3 : data.train.shape.channels)"
    if arguments[\.json] {
      Console.out(
        JSON.object([
          ("source", .string(source)), ("kind", .string(data.kind.rawValue)),
          ("notes", .array(data.notes.map { .string($0) })), ("out", .string(outFolder)),
          ("format", .string(arguments[\.format].rawValue)), ("train", .int(trainCount)), ("test", .int(testCount)),
          ("shape", .string(shape)), ("colour_seed", arguments[\.colour].map { .string(String($0)) } ?? .null),
          ("classes", .array(data.classNames.map { .string($0) })),
          ("class_folders", .array(folders.map { .string($0) })),
        ]).text)
    } else {
      for note in data.notes { Console.out("note: \(note)") }
      Console.out(
        "wrote \(trainCount) train and \(testCount) test images (\(shape), \(data.classCount) classes, "
          + "\(arguments[\.format].rawValue)) from \(source) (\(data.kind.rawValue)) to \(outFolder)")
    }
  }

  /// The data set's path: `--data`, or the bundled folder `--dataset` names (exactly one).
  func dataPath(_ arguments: ParsedCommand<Self>) throws(CLIError) -> String {
    switch (arguments[\.data], arguments[\.dataset]) {
    case (let path?, nil): return path
    case (nil, let name?):
      guard ["mnist", "fashion-mnist"].contains(name) else {
        throw .usage("unknown --dataset '\(name)' (mnist, fashion-mnist; other data: --data PATH)")
      }
      do { return try DatasetLocator().locate(name: name) } catch { throw .runtime(error.description) }
    case (nil, nil): throw .usage("export-images needs --data PATH or --dataset NAME")
    case (_?, _?): throw .usage("export-images takes --data or --dataset, not both")
    }
  }

  /// `out` must be absent, an empty folder, or (with `force`) any folder.
  func checkOutFolder(_ out: String, force: Bool) throws(CLIError) {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) else { return }
    guard isFolder.boolValue else { throw .usage("--out '\(out)' exists and is not a folder") }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
    if !entries.isEmpty && !force {
      throw .usage("--out '\(out)' is not empty; give --force to write into it")
    }
  }
}

/// Writes the images of one split into `out/<split>/<class folder>/<index>.<ext>`.
struct SplitWriter {
  var out: String
  var format: ImageFileFormat
  var quality: Int
  var colourSeed: UInt64?
  var classFolders: [String]
  var progress: Bool

  /// Writes the first `limit` images of `set`; returns how many.
  func write(_ set: LabeledImageSet, split: Int, name: String, limit: Int) throws(CLIError) -> Int {
    let count = min(set.count, limit)
    let splitFolder = (out as NSString).appendingPathComponent(name)
    var created = Set<Int>()
    let digits = max(5, String(max(count - 1, 0)).count)
    let columns = terminalColumns()
    var lastShown = -1
    for i in 0..<count {
      let label = Int(set.labels[i])
      let folder = (splitFolder as NSString).appendingPathComponent(classFolders[label])
      if !created.contains(label) {
        do {
          try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
          throw .runtime("\(folder): cannot create the folder: \(error.localizedDescription)")
        }
        created.insert(label)
      }
      var image = set.image(i)
      if let seed = colourSeed { image = ColourisedImage(seed: seed, split: split, index: i).apply(to: image) }
      let file = (folder as NSString).appendingPathComponent(
        zeroPadded(i, digits) + (format == .jpeg ? ".jpg" : ".png"))
      do {
        try ImageFile.write(image, toFile: file, format: format, quality: quality)
      } catch {
        throw .runtime(error.description)
      }
      let percent = (i + 1) * 100 / count
      if progress && percent != lastShown {
        lastShown = percent
        let line = ProgressLine(
          label: "export \(name)", fraction: Double(i + 1) / Double(count), fields: [(0, "\(i + 1)/\(count)")])
        Console.errRaw("\r\u{1B}[K" + line.text(columns: columns))
      }
    }
    if progress { Console.errRaw("\r\u{1B}[K") }
    return count
  }
}
