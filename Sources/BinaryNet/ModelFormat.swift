import CPopcount

/// Model file format, versions 1 to 3 (little-endian; docs/FORMAT.md describes it whole).
///
///     header (64 bytes) | labels | layer table (128 bytes a layer) | payloads | CRC-32
///
/// Every block and payload starts at a multiple of 64 bytes, so a file loaded at a
/// 64-byte aligned address can be used in place. The last 4 bytes are the CRC-32 of
/// everything before them. Each layer entry points at three payloads: the weight rows
/// (`UInt64` words), one value per output channel (`Int32` thresholds or `Float` scales)
/// and per-channel words or values (`UInt64` flip bits or pooling OR mask, or `Float`
/// biases). From version 3 a convolution may point at a fourth payload, its border
/// thresholds (layer flag `borderThresholdsFlag`).
public enum ModelFormat {
  /// "BNNMODEL" in ASCII.
  public static let magic: [UInt8] = [0x42, 0x4E, 0x4E, 0x4D, 0x4F, 0x44, 0x45, 0x4C]
  /// The newest version this library reads. It writes version 1 for dense-only models,
  /// version 2 when a model has convolution or pooling layers and version 3 when it has
  /// border thresholds or an input sign layer.
  public static let version: UInt32 = 3
  /// Layer flag (v3): the entry's fourth payload holds border thresholds.
  public static let borderThresholdsFlag: UInt32 = 1
  public static let headerBytes = 64
  public static let layerEntryBytes = 128
  public static let alignment = 64
  /// Pixel type code for 8-bit unsigned pixels, the only one so far.
  public static let pixelTypeUInt8: UInt32 = 1
  /// Upper bounds that keep every size computation far from overflow.
  public static let maxDimension = 1 << 20
  public static let maxLayers = 4096
  public static let maxClasses = 1 << 16
  public static let maxLabelBytes = 1 << 12
  /// Kernel windows and strides: 1 to 64.
  public static let maxWindow = 64

  @inlinable
  static func aligned(_ offset: Int) -> Int { (offset + alignment - 1) & ~(alignment - 1) }
}

/// The three payloads of a layer entry, by kind: element sizes and what each holds.
enum LayerPayload {
  case words([UInt64])
  case int32s([Int32])
  case floats([Float])

  /// Bytes per element of payload `index` (0 weights, 1 per-channel values, 2 the rest).
  static func elementBytes(_ index: Int, kind: LayerKind) -> Int {
    switch index {
    case 0: return 8
    case 1: return 4
    default: return kind.producesScores ? 4 : 8
    }
  }

  /// Element counts of the three payloads a layer of `kind` with `channels` outputs and
  /// `rowWords`-word weight rows must have; an input sign layer has one threshold and
  /// flip bit per input channel (`inputChannels`).
  static func expectedCounts(kind: LayerKind, channels: Int, inputChannels: Int, rowWords: Int) -> (Int, Int, Int) {
    if kind == .pixelSign { return (0, inputChannels, BitPacking.words(forBits: inputChannels)) }
    let perChannel = kind == .maxPool ? 0 : channels
    let last = kind.producesScores ? channels : BitPacking.words(forBits: channels)
    return (channels * rowWords, perChannel, last)
  }

  var count: Int {
    switch self {
    case .words(let values): return values.count
    case .int32s(let values): return values.count
    case .floats(let values): return values.count
    }
  }
}

extension ModelLayer {
  /// The border thresholds of a convolution (the fourth payload), empty otherwise.
  var borderThresholds: [Int32] {
    if case .convolution(_, _, _, let thresholds) = self { return thresholds.border }
    return []
  }

  /// This layer's first three payloads, in file order.
  var payloads: [LayerPayload] {
    switch self {
    case .dense(_, let weights, let thresholds), .convolution(_, _, let weights, let thresholds):
      return [.words(weights), .int32s(thresholds.values), .words(thresholds.flip)]
    case .maxPool(_, let orMask):
      return [.words([]), .int32s([]), .words(orMask)]
    case .inputSign(_, _, let thresholds):
      return [.words([]), .int32s(thresholds.values), .words(thresholds.flip)]
    case .output(_, let weights, let scale, let bias):
      return [.words(weights), .floats(scale), .floats(bias)]
    }
  }
}

// MARK: - Writing

/// Little-endian byte sink used by the writer.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func u32(_ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
  }
  mutating func u64(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
  }
  mutating func f32(_ value: Float) { u32(value.bitPattern) }
  mutating func pad(to alignment: Int) {
    while bytes.count % alignment != 0 { bytes.append(0) }
  }
  mutating func set32(_ value: UInt32, at offset: Int) {
    for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
  }
  mutating func set64(_ value: UInt64, at offset: Int) {
    for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) }
  }
  mutating func append(_ payload: LayerPayload) {
    switch payload {
    case .words(let values): for value in values { u64(value) }
    case .int32s(let values): for value in values { u32(UInt32(bitPattern: value)) }
    case .floats(let values): for value in values { f32(value) }
    }
  }
}

extension ModelDefinition {
  /// The model file bytes. Throws when the definition is not a valid model; the check is
  /// the same one the reader applies, so what is written can be read.
  public func serialized() throws(ModelError) -> [UInt8] {
    try validate()
    var out = ByteWriter()
    writeHeader(&out)
    out.pad(to: ModelFormat.alignment)
    out.set32(UInt32(out.bytes.count), at: 56)
    for label in labels {
      let utf8 = Array(label.utf8)
      out.u32(UInt32(utf8.count))
      out.bytes.append(contentsOf: utf8)
    }
    out.pad(to: ModelFormat.alignment)
    let table = out.bytes.count
    out.set32(UInt32(table), at: 60)
    out.bytes.append(contentsOf: [UInt8](repeating: 0, count: layers.count * ModelFormat.layerEntryBytes))
    out.pad(to: ModelFormat.alignment)
    for index in layers.indices {
      writeLayer(index, entry: table + index * ModelFormat.layerEntryBytes, to: &out)
    }
    let fileBytes = out.bytes.count + 4
    out.set64(UInt64(fileBytes), at: 16)
    let crc = out.bytes.withUnsafeBytes { crc32($0) }
    out.u32(crc)
    return out.bytes
  }

  /// The 64-byte header; the file size and the two block offsets are patched later.
  private func writeHeader(_ out: inout ByteWriter) {
    out.bytes.append(contentsOf: ModelFormat.magic)
    out.u32(formatVersion)
    out.u32(UInt32(ModelFormat.headerBytes))
    out.u64(0)  // file size, patched
    out.u32(UInt32(input.height))
    out.u32(UInt32(input.width))
    out.u32(UInt32(input.channels))
    out.u32(ModelFormat.pixelTypeUInt8)
    out.f32(input.scale)
    out.f32(input.offset)
    out.u32(UInt32(labels.count))
    out.u32(UInt32(layers.count))
    out.u32(0)  // labels offset, patched
    out.u32(0)  // layer table offset, patched
  }

  /// Layer `index`'s table entry at byte `entry` and its payloads appended to `out`.
  private func writeLayer(_ index: Int, entry: Int, to out: inout ByteWriter) {
    let layer = layers[index]
    let header = LayerHeader(layer, kind: kind(ofLayer: index))
    let border = layer.borderThresholds
    let fields: [Int] = [
      Int(header.kind.rawValue), border.isEmpty ? 0 : Int(ModelFormat.borderThresholdsFlag),
      header.inputShape.height, header.inputShape.width, header.inputShape.channels,
      header.outputShape.height, header.outputShape.width, header.outputShape.channels,
      header.window.kernelHeight, header.window.kernelWidth, header.window.stride,
      Int(header.window.padding.rawValue),
      header.dotLength, header.rowWords,
    ]
    for (i, value) in fields.enumerated() { out.set32(UInt32(value), at: entry + 4 * i) }
    var payloads = layer.payloads
    if !border.isEmpty { payloads.append(.int32s(border)) }
    for (i, payload) in payloads.enumerated() {
      let offset = out.bytes.count
      out.append(payload)
      out.set64(UInt64(offset), at: entry + 56 + 16 * i)
      out.set64(UInt64(out.bytes.count - offset), at: entry + 64 + 16 * i)
      out.pad(to: ModelFormat.alignment)
    }
  }
}

/// CRC-32 (IEEE) of `bytes`.
func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
  guard let base = bytes.baseAddress else { return 0 }
  return bnn_crc32(0, base, bytes.count)
}
