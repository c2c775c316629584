import CPopcount

/// A loaded, immutable binarized network, ready to classify.
///
/// The model owns one 64-byte aligned copy of its file bytes (or borrows them in place,
/// see `init(borrowing:kernelPath:)`); the weights, thresholds and scales are used in
/// place from them. Each thread brings its own `InferenceWorkspace`.
///
/// `@unchecked Sendable`: every stored property is a `let`, and the bytes behind the raw
/// pointers (`storage`, the plans' parameter pointers, the kernel table) are written
/// only before `init` returns and only read afterwards, so sharing is race-free.
public final class Model: @unchecked Sendable {
  /// The model file bytes (64-byte aligned; owned unless `ownsStorage` is false).
  let storage: UnsafeMutableRawBufferPointer
  /// False for borrowed bytes (never written, never freed by the model).
  let ownsStorage: Bool
  let plans: [LayerPlan]
  let kernels: UnsafePointer<bnn_kernels>

  /// The model file's format version (1 for dense-only models, 2 with convolutions).
  public let formatVersion: UInt32
  /// Input image description.
  public let input: InputDescription
  /// Class labels, index = class id. Empty for a model loaded by
  /// `init(trustedBorrowing:check:)`, which does not decode them.
  public let labels: [String]
  /// The kernel path this model runs on.
  public let kernelPath: KernelPath

  /// Number of classes.
  public let classCount: Int
  /// Size of the model file in bytes.
  public var fileBytes: Int { storage.count }
  /// Words of the widest packed activation between layers.
  let maxActivationWords: Int
  /// Words of the largest convolution patch buffer (one image).
  let maxPatchWords: Int
  /// Whether any layer is a convolution (then images run one at a time through all layers).
  let hasConvolutions: Bool
  /// A pixel-dense first layer's weights expanded to int8 rows (`bnn_expand_weights_int8`),
  /// made once here when the kernel path has an int8 form (`int8_dense_threshold`) and
  /// they take at most `int8WeightLimit` bytes; nil otherwise (then bit-planes).
  let int8FirstLayer: UnsafeMutablePointer<Int8>?
  #if !hasFeature(Embedded)
    /// Per layer: a binary convolution's weights in the kernel path's own layout
    /// (`binary_conv_pack`), made once here and shared by every call and thread; nil for
    /// other layers and on paths whose convolution reads the weight rows as they are.
    let packedConvolutionWeights: [UnsafeMutablePointer<UInt32>?]
  #endif

  /// The most bytes the int8 form of a first layer may take (8 bits a weight): beyond
  /// that, weights stream from memory and the bit-planes (1 bit a weight) are kept.
  static let int8WeightLimit = 8 << 20

  /// Reads a model from file bytes. Validates everything; never traps on
  /// bad input. `kernelPath` forces a kernel path (tests, benchmarks); nil = fastest.
  /// The bytes are copied into 64-byte aligned storage owned by the model.
  public convenience init(bytes: UnsafeRawBufferPointer, kernelPath: KernelPath? = nil) throws(ModelError) {
    let buffer = Model.allocateStorage(bytes.count)
    if bytes.count > 0 { buffer.copyMemory(from: bytes) }
    try self.init(adopting: buffer, kernelPath: kernelPath)
  }

  /// Reads a model from file bytes; see `init(bytes:kernelPath:)`.
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
  convenience init(adopting buffer: UnsafeMutableRawBufferPointer, owned: Bool = true, kernelPath: KernelPath?)
    throws(ModelError)
  {
    let path = kernelPath ?? KernelPath.best
    let layout: ModelLayout
    do throws(ModelError) {
      guard path.isAvailable else {
        throw .invalidArgument("kernel path '" + path.name + "' is not available on this machine")
      }
      layout = try parseModel(UnsafeRawBufferPointer(buffer))
      #if BNN_DENSE_ONLY
        guard layout.runsInDenseOnlyBuild else { throw .invalidArgument("this build runs dense layers only") }
      #endif
    } catch {
      if owned { buffer.deallocate() }
      throw error
    }
    let base = UnsafeRawPointer(buffer.baseAddress!)
    self.init(
      storage: buffer, owned: owned, path: path, layout: layout,
      plans: layout.layers.map { LayerPlan(layout: $0, base: base) })
  }

  /// A model from its layout and its layers' plans: what both the validating reader
  /// (`parseModel`) and the trusted one (`trustedHeader`, `trustedLayer`) produce. Every
  /// model is built here from `LayerPlan(layout:base:)`s, so both run the same plans
  /// through the same inference code. `layout.layers` is not read.
  init(
    storage buffer: UnsafeMutableRawBufferPointer, owned: Bool, path: KernelPath, layout: ModelLayout,
    plans: [LayerPlan]
  ) {
    self.storage = buffer
    self.ownsStorage = owned
    self.kernels = path.table!
    self.kernelPath = path
    self.formatVersion = layout.version
    self.input = layout.input
    self.labels = layout.labels
    self.classCount = layout.classCount
    self.plans = plans
    var widest = 0
    var patches = 0
    for plan in plans {
      widest = max(widest, plan.outputWords)
      patches = max(patches, plan.patchWords)
    }
    self.maxActivationWords = widest
    self.maxPatchWords = patches
    self.hasConvolutions = plans.contains { $0.kind.isConvolution }
    self.int8FirstLayer = Model.expandFirstLayer(plans[0], kernels)
    #if !hasFeature(Embedded)
      self.packedConvolutionWeights = plans.map { Model.packConvolutionWeights($0, path.table!) }
    #endif
  }

  deinit {
    if ownsStorage { storage.deallocate() }
    int8FirstLayer?.deallocate()
    #if !hasFeature(Embedded)
      for packed in packedConvolutionWeights { packed?.deallocate() }
    #endif
  }

  #if !hasFeature(Embedded)
    /// A binary convolution's weights in `kernels`' own layout, when it has one.
    private static func packConvolutionWeights(
      _ plan: LayerPlan, _ kernels: UnsafePointer<bnn_kernels>
    ) -> UnsafeMutablePointer<UInt32>? {
      guard plan.kind == .binaryConv, let pack = kernels.pointee.binary_conv_pack,
        case .threshold(let weights, _, _, _) = plan.operation
      else { return nil }
      let w = ConvolutionWindow(plan)
      let (channels, wordsPerPixel) = (plan.inputShape.channels, plan.inputShape.wordsPerPixel)
      let count = bnn_binary_conv_packed_words(plan.outputs, channels, w.kh, w.kw, wordsPerPixel)
      let packed = UnsafeMutablePointer<UInt32>.allocate(capacity: max(count, 1))
      pack(weights, plan.rowWords, plan.outputs, channels, w.kh, w.kw, wordsPerPixel, packed)
      return packed
    }
  #endif

  /// Whether the first layer runs on int8 (its weights expanded at load) rather than on
  /// the 8 bit-planes of the pixels. Both give the same integers.
  public var usesInt8FirstLayer: Bool { int8FirstLayer != nil }

  /// The int8 weights of a pixel-dense first layer, when `kernels` has an int8 form.
  private static func expandFirstLayer(
    _ plan: LayerPlan, _ kernels: UnsafePointer<bnn_kernels>
  ) -> UnsafeMutablePointer<Int8>? {
    #if hasFeature(Embedded)
      return nil  // no int8 forms on these paths: keep the code out of the image
    #else
      guard plan.kind == .pixelDense, kernels.pointee.int8_dense_threshold != nil,
        case .threshold(let weights, _, _, _) = plan.operation
      else { return nil }
      let count = bnn_int8_row_bytes(plan.dotLength) * plan.outputs
      guard count <= int8WeightLimit else { return nil }
      let expanded = UnsafeMutablePointer<Int8>.allocate(capacity: count)
      bnn_expand_weights_int8(weights, plan.rowWords, plan.outputs, plan.dotLength, expanded)
      return expanded
    #endif
  }

  /// The file bytes of this model (byte-identical to what it was read from).
  public var serialized: [UInt8] { Array(UnsafeRawBufferPointer(storage)) }

  /// The same model running on another kernel path.
  public func using(_ path: KernelPath) throws(ModelError) -> Model {
    try Model(bytes: UnsafeRawBufferPointer(storage), kernelPath: path)
  }
}
