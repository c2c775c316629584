import BinaryNet
import CLISupport
import Foundation
import MNISTLoader

/// `bnn-run classify MODEL FILE...`: top-k labels for PGM images or IDX image files.
enum ClassifyCommand {
  struct Result {
    var name: String
    var label: Int
    var scores: [Float]
  }

  static func run(_ arguments: [String]) throws(CLIError) {
    let parsed = try parse(arguments, usage: Usage.classify, valued: ["top", "limit"])
    guard parsed.positionals.count >= 2 else { throw .usage("classify needs MODEL and at least one image FILE") }
    let model = try loadModel(parsed.positionals[0])
    let top = try parsed.int("top", default: 3, in: 1...model.classCount)
    let limit = try parsed.int("limit", default: Int.max, in: 1...Int.max)
    let workspace = InferenceWorkspace(model: model)
    var results: [Result] = []

    func classify(_ pixels: [UInt8], name: String) throws(CLIError) {
      do {
        let label = try pixels.withUnsafeBufferPointer { buffer throws(ModelError) in
          try model.classify(buffer, workspace: workspace)
        }
        results.append(Result(name: name, label: label, scores: Array(workspace.scores(ofImage: 0))))
      } catch {
        throw .runtime("\(name): \(error.description)")
      }
    }

    for path in parsed.positionals.dropFirst() {
      guard let head = readHead(path) else { throw .runtime("\(path): cannot open: no such file or not readable") }
      let isGzip = head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B
      let isIDX = head.count >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] == 0x03
      if isGzip || isIDX {
        let images = try loadImages(path, for: model)
        for i in 0..<min(images.count, limit) {
          let size = images.imageSize
          try classify(Array(images.pixels[(i * size)..<((i + 1) * size)]), name: "\(path)[\(i)]")
        }
      } else {
        let image: PGMImage
        do {
          image = try PGMImage(bytes: try Data(contentsOf: URL(fileURLWithPath: path)).map { $0 })
        } catch let error as PGMError {
          throw .runtime("\(path): \(error.description)")
        } catch {
          throw .runtime("\(path): cannot read: \(error.localizedDescription)")
        }
        let input = model.input
        guard input.channels == 1, image.width == input.width, image.height == input.height else {
          throw .runtime(
            "\(path): wrong image size: \(image.width)x\(image.height), the model expects "
              + "\(input.width)x\(input.height) (width x height)")
        }
        try classify(image.pixels, name: path)
      }
    }

    func ranked(_ scores: [Float]) -> [Int] {
      scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }
    if parsed.flag("json") {
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

  /// The first bytes of a file, or nil when it cannot be read.
  static func readHead(_ path: String) -> [UInt8]? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return nil }
    guard let data = try? handle.read(upToCount: 4) else { return [] }
    return Array(data)
  }
}
