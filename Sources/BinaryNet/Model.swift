import CPopcount

/// A loaded, immutable binarized network, ready to classify.
///
/// The model owns one 64-byte aligned copy of its file bytes (or borrows them in place,
/// see `init(borrowing:kernelPath:)`); the weights, thresholds and scales are used in
/// place from them. A `Model` is immutable after `init`, so it is safe to share between
/// threads; each thread brings its own `InferenceWorkspace`.
public final class Model: @unchecked Sendable {
  /// The model file bytes (64-byte aligned; owned unless `ownsStorage` is false).
  let storage: UnsafeMutableRawBufferPointer
  /// False for borrowed bytes (never written, never freed by the model).
  let ownsStorage: Bool
  let plans: [LayerPlan]
  let kernels: UnsafePointer<bnn_kernels>

  /// Input image description.
  public let input: InputDescription
  /// Class labels, index = class id.
  public let labels: [String]
  /// The kernel path this model runs on.
  public let kernelPath: KernelPath

  /// Number of classes.
  public var classCount: Int { labels.count }
  /// Size of the model file in bytes.
  public var fileBytes: Int { storage.count }
  /// Words of the widest packed activation between layers.
  let maxActivationWords: Int
  /// Words of the largest convolution patch buffer (one image).
  let maxPatchWords: Int
  /// Whether any layer is a convolution (then images run one at a time through all layers).
  let hasConvolutions: Bool

  /// Reads a model from file bytes (format v1). Validates everything; never traps on
  /// bad input. `kernelPath` forces a kernel path (tests, benchmarks); nil = fastest.
  /// The bytes are copied into 64-byte aligned storage owned by the model.
  public convenience init(bytes: UnsafeRawBufferPointer, kernelPath: KernelPath? = nil) throws(ModelError) {
    let buffer = Model.allocateStorage(bytes.count)
    if bytes.count > 0 { buffer.copyMemory(from: bytes) }
    try self.init(adopting: buffer, kernelPath: kernelPath)
  }

  /// Reads a model from file bytes (format v1); see `init(bytes:kernelPath:)`.
  public convenience init(bytes: [UInt8], kernelPath: KernelPath? = nil) throws(ModelError) {
    let buffer = Model.allocateStorage(bytes.count)
    bytes.withUnsafeBytes { if $0.count > 0 { buffer.copyMemory(from: $0) } }
    try self.init(adopting: buffer, kernelPath: kernelPath)
  }

  /// Reads a model from file bytes and uses them in place, without copying them: for
  /// a model held in a microcontroller's flash or a memory-mapped file. Validates
  /// everything, like `init(bytes:kernelPath:)`.
  ///
  /// `bytes` must start at a 64-byte aligned address (else `.invalidArgument`) and stay
  /// valid and unchanged while the model lives. The model never writes or frees them.
  public convenience init(borrowing bytes: UnsafeRawBufferPointer, kernelPath: KernelPath? = nil) throws(ModelError) {
    guard let base = bytes.baseAddress, bytes.count > 0 else {
      throw .truncated(expected: ModelFormat.headerBytes + 4, actual: 0)
    }
    guard Int(bitPattern: base) % ModelFormat.alignment == 0 else {
      throw .invalidArgument(
        "model bytes used in place must start at a " + String(ModelFormat.alignment) + "-byte aligned address")
    }
    try self.init(adopting: UnsafeMutableRawBufferPointer(mutating: bytes), owned: false, kernelPath: kernelPath)
  }

  /// Builds a model from a definition (what folding produces), through the same
  /// serialise-then-read path as a file, so it runs exactly like the loaded file.
  public convenience init(definition: ModelDefinition, kernelPath: KernelPath? = nil) throws(ModelError) {
    try self.init(bytes: try definition.serialized(), kernelPath: kernelPath)
  }

  static func allocateStorage(_ count: Int) -> UnsafeMutableRawBufferPointer {
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: ModelFormat.alignment)
    return UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
  }

  /// Takes ownership of `buffer` (64-byte aligned) when `owned`, and then frees it if the
  /// bytes are refused; borrowed buffers are never freed.
  init(adopting buffer: UnsafeMutableRawBufferPointer, owned: Bool = true, kernelPath: KernelPath?) throws(ModelError) {
    let path = kernelPath ?? KernelPath.best
    let layout: ModelLayout
    do throws(ModelError) {
      guard path.isAvailable else {
        throw .invalidArgument("kernel path '" + path.name + "' is not available on this machine")
      }
      layout = try parseModel(UnsafeRawBufferPointer(buffer))
    } catch {
      if owned { buffer.deallocate() }
      throw error
    }
    self.storage = buffer
    self.ownsStorage = owned
    self.kernels = path.table!
    self.kernelPath = path
    self.input = layout.input
    self.labels = layout.labels
    let base = UnsafeRawPointer(buffer.baseAddress!)
    self.plans = layout.layers.map { LayerPlan(layout: $0, base: base) }
    var widest = 0
    var patches = 0
    for plan in plans {
      widest = max(widest, plan.outputWords)
      patches = max(patches, plan.patchWords)
    }
    self.maxActivationWords = widest
    self.maxPatchWords = patches
    self.hasConvolutions = plans.contains { $0.kind.isConvolution }
  }

  deinit { if ownsStorage { storage.deallocate() } }

  /// The file bytes of this model (byte-identical to what it was read from).
  public var serialized: [UInt8] { Array(UnsafeRawBufferPointer(storage)) }

  /// The same model running on another kernel path.
  public func using(_ path: KernelPath) throws(ModelError) -> Model {
    try Model(bytes: UnsafeRawBufferPointer(storage), kernelPath: path)
  }
}

/// One layer, ready to run: its validated layout and pointers into the model's storage.
struct LayerPlan {
  let layout: LayerLayout
  let weights: UnsafePointer<UInt64>
  /// Threshold layers: thresholds (Int32) and flip words; output layers: scale, bias (Float);
  /// pooling: nothing and the OR mask.
  let paramA: UnsafeRawPointer
  let paramB: UnsafeRawPointer

  init(layout: LayerLayout, base: UnsafeRawPointer) {
    self.layout = layout
    weights = (base + layout.weightsOffset).assumingMemoryBound(to: UInt64.self)
    paramA = base + layout.paramAOffset
    paramB = base + layout.paramBOffset
  }

  var kind: LayerKind { layout.kind }
  var inputShape: TensorShape { layout.inputShape }
  var outputShape: TensorShape { layout.outputShape }
  var geometry: Geometry { layout.geometry }
  var dotLength: Int { layout.dotLength }
  var rowWords: Int { layout.rowWords }
  /// Output channels (neurons of a dense layer).
  var outputs: Int { layout.outputShape.channels }

  /// Words of this layer's packed output (threshold and pooling layers).
  var outputWords: Int { kind.producesScores ? 0 : outputShape.packedWords }

  /// Pixel convolutions with a receptive field of at most this many pixels run on the
  /// raw bytes (`bnn_pixel_conv_threshold`); larger ones on bit-planes. Both are exact.
  static let directPixelConvolutionMaxK = 256

  /// Whether this pixel convolution runs on raw bytes rather than bit-planes.
  var usesDirectPixelConvolution: Bool {
    kind == .pixelConv && dotLength <= LayerPlan.directPixelConvolutionMaxK
  }

  /// Words of scratch this layer needs per image: gathered receptive fields
  /// (convolutions) or the direct pixel kernel's tables; else 0.
  var patchWords: Int {
    guard kind.isConvolution else { return 0 }
    if usesDirectPixelConvolution { return (bnn_pixel_conv_scratch_size(dotLength, outputs) + 1) / 2 }
    let rows = outputShape.height * outputShape.width
    return rows * (kind.readsPixels ? 8 * rowWords : rowWords)
  }
}
