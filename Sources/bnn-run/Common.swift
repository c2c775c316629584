import BinaryNet
import BinaryNetFiles
import CLISupport
import Foundation
import MNISTLoader

/// Loads a model, turning its errors into runtime errors that name the file.
func loadModel(_ path: String, kernel: KernelPath? = nil) throws(CLIError) -> Model {
  do {
    return try Model(contentsOfFile: path, kernelPath: kernel)
  } catch {
    throw .runtime(error.description)
  }
}

/// Parses a command's arguments; `--help` prints the command's usage and exits 0.
func parse(
  _ arguments: [String], usage: String, valued: Set<String>, flags: Set<String> = []
) throws(CLIError) -> ParsedArguments {
  let parsed = try ParsedArguments(arguments, valued: valued, flags: flags.union(["json", "help"]))
  if parsed.flag("help") {
    Console.out(usage)
    exit(0)
  }
  return parsed
}

/// The MODEL positional argument (exactly one unless `extra` allows more).
func modelPath(_ parsed: ParsedArguments, command: String) throws(CLIError) -> String {
  guard let path = parsed.positionals.first else { throw .usage("\(command): missing MODEL argument") }
  return path
}

func parseKernel(_ name: String?) throws(CLIError) -> KernelPath? {
  guard let name else { return nil }
  guard let path = KernelPath.allCases.first(where: { $0.name == name }) else {
    throw .usage("unknown kernel '\(name)' (scalar, popcnt, avx2, avx512, neon)")
  }
  guard path.isAvailable else {
    throw .runtime(
      "kernel '\(name)' is not available on this machine (available: "
        + KernelPath.available.map(\.name).joined(separator: ", ") + ")")
  }
  return path
}

/// Number of cores to use by default.
var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// Loads IDX images and checks they fit the model's input.
func loadImages(_ path: String, for model: Model) throws(CLIError) -> IDXImages {
  let images: IDXImages
  do {
    images = try loadIDXImages(path: path)
  } catch {
    throw .runtime(error.description)
  }
  let input = model.input
  guard input.channels == 1, images.rows == input.height, images.cols == input.width else {
    throw .runtime(
      "\(path): images are \(images.rows)x\(images.cols), but the model expects "
        + "\(input.height)x\(input.width)x\(input.channels)")
  }
  return images
}

/// Seconds since an arbitrary start, monotonic.
func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Predicts labels for `count` images using `threads` workers, each with its own
/// workspace of `batch` images. The model is shared (it is immutable).
func predictParallel(
  model: Model, pixels: [UInt8], count: Int, threads: Int, batch: Int
) throws(CLIError) -> [Int32] {
  var labels = [Int32](repeating: -1, count: count)
  let size = model.input.pixelCount
  let workers = max(1, min(threads, (count + batch - 1) / max(batch, 1)))
  let failure = LockedError()
  pixels.withUnsafeBufferPointer { all in
    labels.withUnsafeMutableBufferPointer { out in
      let outBase = out.baseAddress!
      parallelFor(workers) { w in
        let start = count * w / workers
        let end = count * (w + 1) / workers
        if start == end { return }
        let workspace = InferenceWorkspace(model: model, batchCapacity: batch)
        let slice = UnsafeBufferPointer(rebasing: all[(start * size)..<(end * size)])
        let target = UnsafeMutableBufferPointer(start: outBase + start, count: end - start)
        do {
          try model.predictLabels(slice, count: end - start, into: target, workspace: workspace)
        } catch {
          failure.set((error as? ModelError)?.description ?? "\(error)")
        }
      }
    }
  }
  if let message = failure.value { throw .runtime(message) }
  return labels
}

/// The first error reported by any worker.
final class LockedError: @unchecked Sendable {
  private let lock = NSLock()
  private var message: String?
  func set(_ text: String) {
    lock.lock()
    if message == nil { message = text }
    lock.unlock()
  }
  var value: String? {
    lock.lock()
    defer { lock.unlock() }
    return message
  }
}

/// Right-aligned text in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
