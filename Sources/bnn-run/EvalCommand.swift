import BinaryNet
import BinaryNetFiles
import CLISupport
import Foundation
import MNISTLoader

/// `bnn-run eval MODEL --images IDX --labels IDX`: accuracy on a labelled set.
enum EvalCommand {
  static func run(_ arguments: [String]) throws(CLIError) {
    let parsed = try parse(
      arguments, usage: Usage.eval, valued: ["images", "labels", "threads", "batch", "limit", "predictions"])
    guard parsed.positionals.count == 1 else { throw .usage("eval takes exactly one MODEL argument") }
    guard let imagesPath = parsed.string("images") else { throw .usage("eval: --images is required") }
    guard let labelsPath = parsed.string("labels") else { throw .usage("eval: --labels is required") }
    let threads = try parsed.int("threads", default: defaultThreadCount, in: 1...1024)
    let batch = try parsed.int("batch", default: 64, in: 1...65536)
    let limit = try parsed.int("limit", default: Int.max, in: 1...Int.max)
    let modelPath = parsed.positionals[0]
    let model = try loadModel(modelPath)

    let images = try loadImages(imagesPath, for: model)
    let truth: IDXLabels
    do {
      truth = try loadIDXLabels(path: labelsPath, classCount: model.classCount)
    } catch {
      throw .runtime(error.description)
    }
    guard truth.count == images.count else {
      throw .runtime("\(imagesPath) has \(images.count) images but \(labelsPath) has \(truth.count) labels")
    }
    let count = min(images.count, limit)
    guard count > 0 else { throw .runtime("\(imagesPath) holds no images") }
    let pixels = count == images.count ? images.pixels : Array(images.pixels[0..<(count * images.imageSize)])

    let start = monotonicSeconds()
    let predicted = try predictParallel(model: model, pixels: pixels, count: count, threads: threads, batch: batch)
    let seconds = monotonicSeconds() - start

    let classes = model.classCount
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    var correct = 0
    for i in 0..<count {
      let t = Int(truth.labels[i])
      let p = Int(predicted[i])
      confusion[t][p] += 1
      if t == p { correct += 1 }
    }
    let accuracy = Double(correct) / Double(count)
    let rate = Double(count) / max(seconds, 1e-9)

    if let out = parsed.string("predictions") {
      let text = predicted.map { String($0) }.joined(separator: "\n") + "\n"
      do {
        try writeFileAtomically(out, bytes: Array(text.utf8))
      } catch {
        throw .runtime(error.description)
      }
    }

    if parsed.flag("json") {
      Console.out(
        JSON.object([
          ("model", .string(modelPath)), ("images", .int(count)), ("correct", .int(correct)),
          ("accuracy", .number(accuracy)), ("seconds", .number(seconds)), ("images_per_second", .number(rate)),
          ("threads", .int(threads)), ("batch", .int(batch)), ("kernel", .string(model.kernelPath.name)),
          ("labels", .array(model.labels.map { .string($0) })),
          ("confusion", .array(confusion.map { row in .array(row.map { .int($0) }) })),
        ]).text)
      return
    }
    Console.out("model      \(modelPath) (\(model.kernelPath.name) kernels)")
    Console.out("images     \(count) from \(imagesPath)")
    Console.out("accuracy   \(fixed(accuracy * 100, 2))%  (\(correct) / \(count))")
    Console.out(
      "speed      \(fixed(rate, 0)) images/s  (\(fixed(seconds * 1000, 1)) ms, \(threads) thread(s), batch \(batch))")
    Console.out("")
    Console.out("confusion matrix (rows: true class, columns: predicted)")
    let width = max(5, String(count).count + 1)
    Console.out(pad("", 6) + (0..<classes).map { pad(String($0), width) }.joined())
    // Class names after each row, unless they are just the class numbers.
    let named = model.labels.enumerated().contains { $0.element != String($0.offset) }
    for t in 0..<classes {
      Console.out(
        pad(String(t), 6) + confusion[t].map { pad(String($0), width) }.joined()
          + (named ? "   " + model.labels[t] : ""))
    }
  }
}
