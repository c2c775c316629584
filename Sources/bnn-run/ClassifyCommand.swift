import BinaryNet
import BinaryNetImages
import CLISupport
import Foundation
import MNISTLoader

/// `bnn-run classify MODEL FILE...`: the best labels, with probabilities, of image files
/// (PNG, JPEG, PGM, PPM) or of every image of an IDX file.
struct ClassifyCommand: Command {
  static let name = "classify"
  static let abstract = "classify image files (PNG, JPEG, PGM, PPM) or IDX files"
  static let discussion = """
    Classifies images. FILE is a PNG, JPEG, PGM or PPM image (the format is found
    from the file's first bytes), or an IDX image file (every image in it is
    classified). A colour image given to a grey model is converted to grey (BT.601
    luma), a grey one given to a colour model to colour; an image of another size
    is refused unless --resize names a method.

    Probabilities are the softmax of the output layer's scores: they sum to 1 and
    rank like the scores, but are only as calibrated as training made them.
    --json gives every class's raw score and probability.
    """
  static let positionals = [
    SharedOptions.model,
    Positional("FILE", count: .oneOrMore, role: .input, help: "an image file (PNG, JPEG, PGM, PPM) or an IDX file"),
  ]

  let top = Option<Int>.integer(
    "top", value: "K", default: 3, range: 1...1_000_000, help: "how many labels to print per image, best first")
  let resize = ImageAdaptation.resizeOption
  let invert = ImageAdaptation.invertOption
  let limit = SharedOptions.limit("at most N images from each IDX file")
  let json = SharedOptions.json

  /// One classified image: where it came from, what was done to it, the result.
  struct Result {
    var name: String
    var notes: [String]
    var classification: Classification
  }

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let model = try loadModel(arguments.positionals[0])
    let top = arguments[\.top]
    guard top <= model.classCount else {
      throw .usage("--top \(top) is more than the model's \(model.classCount) classes")
    }
    let adaptation = ImageAdaptation(resize: arguments[\.resize], invert: arguments[\.invert])
    let json = arguments[\.json]
    var results: [Result] = []
    for path in arguments.positionals.dropFirst() {
      for (name, image) in try images(in: path, limit: arguments[\.limit] ?? Int.max) {
        let (adapted, notes) = try adaptation.adapt(image, to: model.input, name: name)
        if !json {
          for note in notes { Console.err("bnn-run: note: \(name): \(note)") }
        }
        do {
          results.append(Result(name: name, notes: notes, classification: try model.classify(image: adapted)))
        } catch {
          throw .runtime("\(name): \(error.description)")
        }
      }
    }
    if json {
      Console.out(jsonReport(results, model: model, top: top).text)
    } else {
      for r in results {
        let entries = r.classification.top(top).map { ranked in
          "\(model.labels[ranked.label]) \(percentText(ranked.probability)) (\(fixed(Double(ranked.score), 3)))"
        }
        Console.out("\(r.name): " + entries.joined(separator: ", "))
      }
    }
  }

  /// The images of a file with their names: one image file, or the first `limit` images
  /// of an IDX file (`path[i]`).
  func images(in path: String, limit: Int) throws(CLIError) -> [(String, PixelImage)] {
    let head = try readHead(path)
    let isGzip = head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B
    let isIDX =
      head.count >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && (head[3] == 0x03 || head[3] == 0x04)
    if isGzip || isIDX {
      let images: IDXImages
      do { images = try loadIDXImages(path: path) } catch { throw .runtime(error.description) }
      let size = images.imageSize
      return (0..<min(images.count, limit)).map { i in
        (
          "\(path)[\(i)]",
          PixelImage(
            width: images.cols, height: images.rows, channels: images.channels,
            pixels: Array(images.pixels[(i * size)..<((i + 1) * size)]))
        )
      }
    }
    do {
      return [(path, try ImageFile.read(path: path))]
    } catch {
      throw .runtime(error.description.hasPrefix(path) ? error.description : "\(path): \(error.description)")
    }
  }

  /// One object per image: the winner, the top `top` (class, label, score, probability)
  /// and every class's raw score and probability.
  func jsonReport(_ results: [Result], model: Model, top: Int) -> JSON {
    .array(
      results.map { r in
        let c = r.classification
        return .object([
          ("file", .string(r.name)), ("class", .int(c.label)), ("label", .string(model.labels[c.label])),
          (
            "top",
            .array(
              c.top(top).map { ranked in
                .object([
                  ("class", .int(ranked.label)), ("label", .string(model.labels[ranked.label])),
                  ("score", .number(shortestDouble(ranked.score))),
                  ("probability", .number(shortestDouble(ranked.probability))),
                ])
              })
          ),
          ("scores", .array(c.scores.map { .number(shortestDouble($0)) })),
          ("probabilities", .array(c.probabilities.map { .number(shortestDouble($0)) })),
          ("notes", .array(r.notes.map { .string($0) })),
        ])
      })
  }

  /// `91.2%`; `<0.1%` for what would print as zero but is not.
  func percentText(_ probability: Float) -> String {
    probability > 0 && probability < 0.0005 ? "<0.1%" : fixed(Double(probability) * 100, 1) + "%"
  }

  /// The first 4 bytes of a file (fewer when it is shorter), or a runtime error saying why
  /// it cannot be read (missing, a directory, not readable).
  func readHead(_ path: String) throws(CLIError) -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw .runtime("\(path): cannot open: " + String(cString: strerror(errno)))
    }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw .runtime("\(path): is a directory, not an image file") }
    guard let file = fopen(path, "rb") else {
      throw .runtime("\(path): cannot open: " + String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    var head = [UInt8](repeating: 0, count: 4)
    let count = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4, file) }
    return Array(head.prefix(count))
  }
}
