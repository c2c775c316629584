/// The trusted loader: for firmware whose model was validated on the desktop when it was
/// exported (`bnn-run export-c`), so the device need not carry the validating reader, its
/// error messages and the String code behind them (docs/EMBEDDED.md, "Minimal firmware").
///
/// It reads the same fields `parseModel` reads and builds the same `LayerPlan`s through
/// the same `Model` initialiser, so the model runs through the same inference code and
/// kernels; it checks nothing but the check value. That value is the CRC-32 the desktop
/// verified (and wrote next to the model as `NAME_check`): recomputed here one bit at a
/// time (no 1 KB table), it refuses a model damaged in flash, or one that is not the
/// exported one. Files read at run time keep the validating `init(borrowing:)`.
///
/// Compiled with `-D BNN_DENSE_ONLY` (the minimal firmware), the core leaves out the code of
/// every layer kind but the dense ones, and both loaders refuse models with other kinds.
extension Model {
  /// Uses model bytes in place (flash) that `bnn-run export-c` validated, without
  /// validating them again: nil when their CRC-32 (computed here) differs from `check`
  /// (the export's `NAME_check`) or from the CRC-32 stored in the file, when the bytes
  /// are shorter than a header or not 64-byte aligned, or when the file's version is
  /// newer than this library's. Class labels are not decoded (`labels` is empty;
  /// `classCount` is right).
  ///
  /// Bytes that pass the check but were never validated (a file forged with a correct
  /// CRC and check value) can make inference read out of bounds: use `init(borrowing:)`
  /// for anything that does not come from the export.
  public convenience init?(trustedBorrowing bytes: UnsafeRawBufferPointer, check: UInt32) {
    guard let base = bytes.baseAddress, bytes.count >= ModelFormat.headerBytes + 4,
      Int(bitPattern: base) % ModelFormat.alignment == 0
    else { return nil }
    let body = UnsafeRawBufferPointer(start: base, count: bytes.count - 4)
    let field = TrustedFields(bytes: bytes)
    guard crc32Bitwise(body) == check, field.u32(bytes.count - 4) == check, field.u32(8) <= ModelFormat.version
    else { return nil }
    let layerCount = field.int(52)
    #if BNN_DENSE_ONLY
      for i in 0..<layerCount where !trustedLayer(field, i).kind.runsInDenseOnlyBuild { return nil }
    #endif
    self.init(
      storage: UnsafeMutableRawBufferPointer(mutating: bytes), owned: false, path: KernelPath.best,
      layout: trustedHeader(field),
      plans: (0..<layerCount).map { LayerPlan(layout: trustedLayer(field, $0), base: base) })
  }

  /// The value `init(trustedBorrowing:check:)` checks: the CRC-32 of the model file
  /// (its last 4 bytes), which the loaders have verified. `bnn-run export-c` writes it as
  /// `NAME_check`.
  public var checkValue: UInt32 { TrustedFields(bytes: UnsafeRawBufferPointer(storage)).u32(storage.count - 4) }
}

extension ModelLayout {
  /// Whether every layer is dense (what a build with BNN_DENSE_ONLY runs: the minimal
  /// firmware compiles the convolution, pooling and input-sign code out).
  var runsInDenseOnlyBuild: Bool {
    for layer in layers where !layer.kind.runsInDenseOnlyBuild { return false }
    return true
  }
}

extension LayerKind {
  /// A dense kind (what a build with BNN_DENSE_ONLY runs).
  var runsInDenseOnlyBuild: Bool {
    self == .pixelDense || self == .binaryDense || self == .pixelOutput || self == .binaryOutput
  }
}

/// Little-endian fields at 4-byte aligned offsets of trusted model bytes, unchecked.
struct TrustedFields {
  let bytes: UnsafeRawBufferPointer

  func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: bytes.load(fromByteOffset: offset, as: UInt32.self)) }
  func int(_ offset: Int) -> Int { Int(u32(offset)) }
  /// A 64-bit field (payload offsets and sizes) as an `Int`; trusted values fit.
  func offset(_ offset: Int) -> Int { int(offset) | Int(truncatingIfNeeded: UInt64(u32(offset + 4)) << 32) }
}

/// The header of a validated model file, read without checks, at the offsets
/// `parseModel` reads it from (docs/FORMAT.md): no labels (only their count), no layers
/// (`trustedLayer`).
func trustedHeader(_ r: TrustedFields) -> ModelLayout {
  let input = InputDescription(
    width: r.int(28), height: r.int(24), channels: r.int(32), scale: Float(bitPattern: r.u32(40)),
    offset: Float(bitPattern: r.u32(44)))
  return ModelLayout(version: r.u32(8), input: input, labels: [], classCount: r.int(48), layers: [])
}

/// Layer `i` of a validated model file, read without checks: the table entry's fields at
/// the offsets `readLayerEntry` reads them from.
func trustedLayer(_ r: TrustedFields, _ i: Int) -> LayerLayout {
  let e = r.int(60) + i * ModelFormat.layerEntryBytes
  let kind = LayerKind(rawValue: r.u32(e))!
  let hasBorder = r.u32(e + 4) == ModelFormat.borderThresholdsFlag
  let window = Geometry(
    kernelHeight: r.int(e + 32), kernelWidth: r.int(e + 36), stride: r.int(e + 40),
    padding: Padding(rawValue: r.u32(e + 44))!)
  // Element sizes are 4 or 8 bytes: a shift, not a division (ARMv6-M has no divide).
  func count(_ p: Int) -> Int {
    r.offset(e + 64 + 16 * p) >> LayerPayload.elementBytes(p, kind: kind).trailingZeroBitCount
  }
  let header = LayerHeader(
    kind: kind, inputShape: TensorShape(height: r.int(e + 8), width: r.int(e + 12), channels: r.int(e + 16)),
    outputShape: TensorShape(height: r.int(e + 20), width: r.int(e + 24), channels: r.int(e + 28)),
    window: window, payloadCounts: (count(0), count(1), count(2)), borderCount: hasBorder ? r.offset(e + 112) >> 2 : 0)
  return LayerLayout(
    header: header, payloadOffsets: (r.offset(e + 56), r.offset(e + 72), r.offset(e + 88)),
    borderOffset: hasBorder ? r.offset(e + 104) : nil, storedDotLength: r.int(e + 48), storedRowWords: r.int(e + 52))
}

/// CRC-32 (IEEE, reflected polynomial 0xEDB88320; `bnn_crc32`'s value) one bit at a time:
/// a few instructions of code instead of a 1 KB table, about 8 loop steps per byte.
func crc32Bitwise(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
  }
  return ~crc
}
