import BinaryNet
import CLISupport
import Foundation
import MNISTLoader

/// `bnn-run classify MODEL FILE...`: top-k labels for PGM images or IDX image files.
struct ClassifyCommand: Command {
  static let name = "classify"
  static let abstract = "classify PGM images (P2/P5) or every image of an IDX file"
  static let discussion = """
    Classifies images. FILE is a PGM image (P2 or P5, 8-bit, the model's width x height)
    or an IDX image file (every image in it is classified).
    """
  static let positionals = [
    SharedOptions.model, Positional("FILE", count: .oneOrMore, role: .input, help: "a PGM image or an IDX file"),
  ]

  let top = Option<Int>.integer(
    "top", value: "K", default: 3, range: 1...1_000_000, help: "how many labels to print per image, best first")
  let limit = SharedOptions.limit("at most N images from each IDX file")
  let json = SharedOptions.json

  struct Result {
    var name: String
    var label: Int
    var scores: [Float]
  }

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let model = try loadModel(arguments.positionals[0])
    let top = arguments[\.top]
    guard top <= model.classCount else {
      throw .usage("--top \(top) is more than the model's \(model.classCount) classes")
    }
    let workspace = InferenceWorkspace(model: model)
    var results: [Result] = []
    for path in arguments.positionals.dropFirst() {
      for (name, pixels) in try images(in: path, for: model, limit: arguments[\.limit] ?? Int.max) {
        do {
          let label = try pixels.withUnsafeBufferPointer { buffer throws(ModelError) in
            try model.classify(buffer, workspace: workspace)
          }
          results.append(Result(name: name, label: label, scores: Array(workspace.scores(ofImage: 0))))
        } catch {
          throw .runtime("\(name): \(error.description)")
        }
      }
    }
    report(results, model: model, top: top, json: arguments[\.json])
  }

  /// The images of a file with their names: a PGM image, or the first `limit` of an IDX file.
  func images(in path: String, for model: Model, limit: Int) throws(CLIError) -> [(String, [UInt8])] {
    let head = try readHead(path)
    let isGzip = head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B
    let isIDX = head.count >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] == 0x03
    if isGzip || isIDX {
      let images = try loadImages(path, for: model)
      let size = images.imageSize
      return (0..<min(images.count, limit)).map { i in
        ("\(path)[\(i)]", Array(images.pixels[(i * size)..<((i + 1) * size)]))
      }
    }
    let image: PGMImage
    do {
      image = try PGMImage.read(path: path)
    } catch {
      throw .runtime("\(path): \(error.description)")
    }
    let input = model.input
    guard input.channels == 1, image.width == input.width, image.height == input.height else {
      throw .runtime(
        "\(path): wrong image size: \(image.width)x\(image.height), the model expects "
          + "\(input.width)x\(input.height) (width x height)")
    }
    return [(path, image.pixels)]
  }

  func report(_ results: [Result], model: Model, top: Int, json: Bool) {
    func ranked(_ scores: [Float]) -> [Int] {
      scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }
    if json {
      Console.out(
        JSON.array(
          results.map { r in
            .object([
              ("file", .string(r.name)), ("class", .int(r.label)), ("label", .string(model.labels[r.label])),
              (
                "top",
                .array(
                  ranked(r.scores).prefix(top).map { j in
                    .object([
                      ("class", .int(j)), ("label", .string(model.labels[j])), ("score", .number(Double(r.scores[j]))),
                    ])
                  })
              ),
            ])
          }
        ).text)
      return
    }
    for r in results {
      let entries = ranked(r.scores).prefix(top).map { j in "\(model.labels[j]) (\(fixed(Double(r.scores[j]), 3)))" }
      Console.out("\(r.name): " + entries.joined(separator: ", "))
    }
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
    return PGMImage.readUpTo(file, 4)
  }
}
