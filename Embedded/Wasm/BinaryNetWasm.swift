// binarynet.wasm: the BinaryNet inference core (Sources/BinaryNet, Embedded Swift) behind a
// small C ABI for JavaScript (web/binarynet.js). Every export takes and returns only
// 32-bit integers and pointers into the module's memory; nothing is imported.
//
// A loaded model is a handle (a retained `Session`). Calls that can fail return a status
// (0 = success, negative = failure, see `Status`) and leave a one-line message that
// `bnn_error_message` / `bnn_error_length` read back; no input, however bad, traps.
//
//   bnn_alloc(bytes) -> pointer          bnn_free(pointer)
//   bnn_load(bytes, count, kernel, handle_out) -> status     bnn_unload(handle)
//   bnn_input_height / _width / _channels(handle), bnn_class_count(handle)
//   bnn_label(handle, index) -> UTF-8 pointer, bnn_label_length(handle, index)
//   bnn_kernel_name(handle) -> NUL-terminated pointer
//   bnn_input_buffer(handle) -> pointer (the model's input, HWC u8)
//   bnn_convert_rgba(handle, rgba, width, height, resize, invert) -> status
//   bnn_classify(handle, pixels) -> class index, or a negative status
//   bnn_scores / bnn_probabilities(handle) -> float pointer, bnn_ranking(handle) -> i32 pointer
//
// Compiled in one module with Sources/BinaryNet (hence no `import BinaryNet`): whole-module
// optimisation across the core and these exports makes the module a quarter smaller than
// two modules linked together. It uses only the core's public API.

/// Status codes of the exports (0 = success).
enum Status: Int32 {
  case ok = 0
  /// A model file the core refused (truncated, bad magic, CRC-32 mismatch, corrupt ...).
  case badModel = -1
  /// An argument the caller got wrong (null pointer, size out of range, unknown option).
  case invalidArgument = -2
  /// The handle is null.
  case noModel = -3
  /// The kernel path asked for is not in this build.
  case kernelUnavailable = -4
}

/// The message of the last failure, NUL-terminated (empty after a success).
nonisolated(unsafe) var lastError: [UInt8] = [0]

func fail(_ status: Status, _ message: String) -> Int32 {
  lastError = Array(message.utf8) + [0]
  return status.rawValue
}

func succeed() -> Int32 {
  if lastError.count > 1 { lastError = [0] }
  return Status.ok.rawValue
}

/// A loaded model with everything one classification needs, allocated once.
final class Session {
  let model: Model
  let workspace: InferenceWorkspace
  /// The model's input image (HWC u8), filled by `bnn_convert_rgba` or by the caller.
  let input: UnsafeMutablePointer<UInt8>
  let inputCount: Int
  /// Of the last classification: scores, softmax probabilities, classes best first.
  let scores: UnsafeMutablePointer<Float>
  let probabilities: UnsafeMutablePointer<Float>
  let ranking: UnsafeMutablePointer<Int32>
  /// Each label as UTF-8 bytes followed by a NUL.
  let labels: [[UInt8]]
  let kernelName: [UInt8]

  init(model: Model) {
    self.model = model
    workspace = model.makeWorkspace(batchCapacity: 1)
    inputCount = model.input.pixelCount
    input = .allocate(capacity: max(inputCount, 1))
    input.initialize(repeating: 0, count: max(inputCount, 1))
    let classes = model.classCount
    scores = .allocate(capacity: classes)
    scores.initialize(repeating: 0, count: classes)
    probabilities = .allocate(capacity: classes)
    probabilities.initialize(repeating: 0, count: classes)
    ranking = .allocate(capacity: classes)
    for j in 0..<classes { (ranking + j).initialize(to: Int32(j)) }
    labels = model.labels.map { Array($0.utf8) + [0] }
    kernelName = Array(model.kernelPath.name.utf8) + [0]
  }

  deinit {
    input.deallocate()
    scores.deallocate()
    probabilities.deallocate()
    ranking.deallocate()
  }
}

func session(_ handle: UnsafeMutableRawPointer?) -> Session? {
  guard let handle else { return nil }
  return Unmanaged<Session>.fromOpaque(handle).takeUnretainedValue()
}

// MARK: - Memory

/// `bytes` bytes of memory (16-byte aligned) for the caller to fill, or null.
@_cdecl("bnn_alloc")
public func exportedAlloc(_ bytes: Int32) -> UnsafeMutableRawPointer? {
  guard bytes >= 0 else { return nil }
  return UnsafeMutableRawPointer.allocate(byteCount: max(Int(bytes), 1), alignment: 16)
}

@_cdecl("bnn_free")
public func exportedFree(_ pointer: UnsafeMutableRawPointer?) {
  pointer?.deallocate()
}

// MARK: - Errors

@_cdecl("bnn_error_message")
public func exportedErrorMessage() -> UnsafePointer<UInt8> {
  lastError.withUnsafeBufferPointer { $0.baseAddress! }
}

/// Bytes of the message, without its NUL.
@_cdecl("bnn_error_length")
public func exportedErrorLength() -> Int32 { Int32(lastError.count - 1) }

// MARK: - Models

/// Reads a model file from `count` bytes at `bytes` (copied: the caller may free them).
/// `kernel` 0 = the fastest path of this build, 1 = the scalar reference, 2 = SIMD128.
/// On success stores the handle at `handle` and returns 0.
@_cdecl("bnn_load")
public func exportedLoad(
  _ bytes: UnsafeRawPointer?, _ count: Int32, _ kernel: Int32, _ handle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Int32 {
  guard let handle else { return fail(.invalidArgument, "no place for the model handle") }
  handle.pointee = nil
  guard count >= 0, bytes != nil || count == 0 else {
    return fail(.invalidArgument, "model bytes: null pointer or negative size")
  }
  let path: KernelPath?
  switch kernel {
  case 0: path = nil
  case 1: path = .scalar
  case 2: path = .simd128
  default: return fail(.invalidArgument, "unknown kernel: 0 best, 1 scalar, 2 simd128")
  }
  if let path, !path.isAvailable {
    return fail(.kernelUnavailable, "kernel path '" + path.name + "' is not in this build")
  }
  let model: Model
  do throws(ModelError) {
    model = try Model(bytes: UnsafeRawBufferPointer(start: bytes, count: Int(count)), kernelPath: path)
  } catch {
    return fail(.badModel, error.description)
  }
  handle.pointee = Unmanaged.passRetained(Session(model: model)).toOpaque()
  return succeed()
}

@_cdecl("bnn_unload")
public func exportedUnload(_ handle: UnsafeMutableRawPointer?) {
  guard let handle else { return }
  Unmanaged<Session>.fromOpaque(handle).release()
}

@_cdecl("bnn_input_height")
public func exportedInputHeight(_ handle: UnsafeMutableRawPointer?) -> Int32 {
  Int32(session(handle)?.model.input.height ?? 0)
}

@_cdecl("bnn_input_width")
public func exportedInputWidth(_ handle: UnsafeMutableRawPointer?) -> Int32 {
  Int32(session(handle)?.model.input.width ?? 0)
}

@_cdecl("bnn_input_channels")
public func exportedInputChannels(_ handle: UnsafeMutableRawPointer?) -> Int32 {
  Int32(session(handle)?.model.input.channels ?? 0)
}

@_cdecl("bnn_class_count")
public func exportedClassCount(_ handle: UnsafeMutableRawPointer?) -> Int32 {
  Int32(session(handle)?.model.classCount ?? 0)
}

/// Label `index` as UTF-8 followed by a NUL, or null when out of range.
@_cdecl("bnn_label")
public func exportedLabel(_ handle: UnsafeMutableRawPointer?, _ index: Int32) -> UnsafePointer<UInt8>? {
  guard let s = session(handle), index >= 0, Int(index) < s.labels.count else { return nil }
  return s.labels[Int(index)].withUnsafeBufferPointer { $0.baseAddress }
}

/// Bytes of label `index` without its NUL (-1 when out of range).
@_cdecl("bnn_label_length")
public func exportedLabelLength(_ handle: UnsafeMutableRawPointer?, _ index: Int32) -> Int32 {
  guard let s = session(handle), index >= 0, Int(index) < s.labels.count else { return -1 }
  return Int32(s.labels[Int(index)].count - 1)
}

/// The kernel path the model runs on ("scalar" or "simd128"), NUL-terminated.
@_cdecl("bnn_kernel_name")
public func exportedKernelName(_ handle: UnsafeMutableRawPointer?) -> UnsafePointer<UInt8>? {
  session(handle)?.kernelName.withUnsafeBufferPointer { $0.baseAddress }
}

/// The model's input image buffer (height x width x channels bytes, HWC).
@_cdecl("bnn_input_buffer")
public func exportedInputBuffer(_ handle: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<UInt8>? {
  session(handle)?.input
}

// MARK: - Input conversion

/// Largest side and pixel count of an RGBA image `bnn_convert_rgba` takes: the
/// conversion's buffers (3 bytes a pixel, and the resize's sums) then fit a 32-bit memory
/// with room to spare, and every resize intermediate stays exact.
let maximumSide: Int32 = 16384
let maximumPixels = 16 * 1024 * 1024

/// Brings RGBA pixels (`width x height`, 4 bytes a pixel, as a canvas gives them) to the
/// model's input, into `bnn_input_buffer`, the way `bnn-run classify` brings an RGBA PNG:
/// alpha flattened onto white `(v a + 255 (255 - a) + 127) / 255`, then the core's
/// `PixelImage` conversions in bnn-run's order: channels (BT.601 luma for grey models),
/// size (`resize` 1 = area, 2 = bilinear; 0 refuses another size), `invert` (non-zero:
/// 255 - v).
@_cdecl("bnn_convert_rgba")
public func exportedConvertRgba(
  _ handle: UnsafeMutableRawPointer?, _ rgba: UnsafePointer<UInt8>?, _ width: Int32, _ height: Int32,
  _ resize: Int32, _ invert: Int32
) -> Int32 {
  guard let s = session(handle) else { return fail(.noModel, "no model loaded") }
  guard let rgba else { return fail(.invalidArgument, "RGBA pixels: null pointer") }
  guard width >= 1, height >= 1, width <= maximumSide, height <= maximumSide,
    Int(width) * Int(height) <= maximumPixels
  else {
    return fail(
      .invalidArgument,
      "image is " + String(height) + "x" + String(width) + "; each side must be 1 to " + String(maximumSide)
        + ", and at most " + String(maximumPixels) + " pixels")
  }
  let method: ResizeMethod?
  switch resize {
  case 0: method = nil
  case 1: method = .area
  case 2: method = .bilinear
  default: return fail(.invalidArgument, "unknown resize method: 0 none, 1 area, 2 bilinear")
  }
  let input = s.model.input
  let count = Int(width) * Int(height)
  var rgb = [UInt8](repeating: 0, count: count * 3)
  for i in 0..<count {
    let alpha = UInt32(rgba[4 * i + 3])
    for c in 0..<3 {
      rgb[3 * i + c] = UInt8((UInt32(rgba[4 * i + c]) * alpha + 255 * (255 - alpha) + 127) / 255)
    }
  }
  var image = PixelImage(width: Int(width), height: Int(height), channels: 3, pixels: rgb)
  if image.channels != input.channels { image = image.converted(toChannels: input.channels) }
  if image.width != input.width || image.height != input.height {
    guard let method else {
      return fail(
        .invalidArgument,
        "image is " + String(height) + "x" + String(width) + ", the model takes " + String(input.height) + "x"
          + String(input.width) + " (height x width); give a resize method")
    }
    image = image.resized(width: input.width, height: input.height, method: method)
  }
  if invert != 0 { image = image.inverted() }
  image.pixels.withUnsafeBufferPointer { s.input.update(from: $0.baseAddress!, count: s.inputCount) }
  return succeed()
}

// MARK: - Classification

/// Classifies one image of the model's input size (HWC u8 at `pixels`, e.g.
/// `bnn_input_buffer`). Returns the class index (the argmax, lower index on ties) and
/// fills the scores, probabilities and ranking; a negative status on failure.
@_cdecl("bnn_classify")
public func exportedClassify(_ handle: UnsafeMutableRawPointer?, _ pixels: UnsafePointer<UInt8>?) -> Int32 {
  guard let s = session(handle) else { return fail(.noModel, "no model loaded") }
  guard let pixels else { return fail(.invalidArgument, "pixels: null pointer") }
  let label: Int
  do throws(ModelError) {
    label = try s.model.classify(UnsafeBufferPointer(start: pixels, count: s.inputCount), workspace: s.workspace)
  } catch {
    return fail(.invalidArgument, error.description)
  }
  let scores = s.workspace.scores(ofImage: 0)
  let probabilities = Classification(label: label, scores: Array(scores)).probabilities
  for j in 0..<scores.count {
    s.scores[j] = scores[j]
    s.probabilities[j] = probabilities[j]
  }
  rank(s.scores, count: scores.count, into: s.ranking)
  _ = succeed()
  return Int32(label)
}

/// Class indices ordered as `Classification.top` orders them: higher score first, equal
/// scores by the lower index (`Model.argmax`'s rule, so the first is the label). An
/// insertion sort of the few classes here instead of `top`'s general sort: the sort's
/// code would add 3 KB to the module.
func rank(_ scores: UnsafePointer<Float>, count: Int, into order: UnsafeMutablePointer<Int32>) {
  for j in 0..<count {
    var i = j
    while i > 0 && scores[Int(order[i - 1])] < scores[j] {
      order[i] = order[i - 1]
      i -= 1
    }
    order[i] = Int32(j)
  }
}

/// Scores of the last classification (class count floats).
@_cdecl("bnn_scores")
public func exportedScores(_ handle: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Float>? {
  session(handle)?.scores
}

/// Softmax probabilities of the last classification (`Classification.probabilities`).
@_cdecl("bnn_probabilities")
public func exportedProbabilities(_ handle: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Float>? {
  session(handle)?.probabilities
}

/// Class indices of the last classification, best first (`Classification.top`).
@_cdecl("bnn_ranking")
public func exportedRanking(_ handle: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Int32>? {
  session(handle)?.ranking
}
