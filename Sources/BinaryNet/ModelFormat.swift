import CPopcount

/// Model file format v1 (little-endian; see docs/FORMAT.md for the full description).
///
///     header (64 bytes) | labels | layer table (128 bytes a layer) | payloads | CRC-32
///
/// Every block and payload starts at a multiple of 64 bytes, so a file loaded at a
/// 64-byte aligned address can be used in place. The last 4 bytes are the CRC-32 of
/// everything before them.
public enum ModelFormat {
  /// "BNNMODEL" in ASCII.
  public static let magic: [UInt8] = [0x42, 0x4E, 0x4E, 0x4D, 0x4F, 0x44, 0x45, 0x4C]
  /// The newest version this library reads. It writes version 1 for dense-only models
  /// and version 2 when a model has convolution or pooling layers.
  public static let version: UInt32 = 2
  public static let headerBytes = 64
  public static let layerEntryBytes = 128
  public static let alignment = 64
  /// Pixel type code for 8-bit unsigned pixels, the only one in v1.
  public static let pixelTypeUInt8: UInt32 = 1
  /// Upper bounds that keep every size computation far from overflow.
  public static let maxDimension = 1 << 20
  public static let maxLayers = 4096
  public static let maxClasses = 1 << 16
  public static let maxLabelBytes = 1 << 12

  @inlinable
  static func aligned(_ offset: Int) -> Int { (offset + alignment - 1) & ~(alignment - 1) }
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
}

extension ModelDefinition {
  /// The model file bytes (format v1). Throws when the definition is not a valid model;
  /// the check is the same one the reader applies, so what is written can be read.
  public func serialized() throws(ModelError) -> [UInt8] {
    try validate()
    var out = ByteWriter()
    out.bytes.append(contentsOf: ModelFormat.magic)
    out.u32(formatVersion)
    out.u32(UInt32(ModelFormat.headerBytes))
    out.u64(0)  // file size, patched below
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

    for (index, layer) in layers.enumerated() {
      let entry = table + index * ModelFormat.layerEntryBytes
      let header: [Int] = [
        Int(layer.kind.rawValue), 0,
        layer.inputShape.height, layer.inputShape.width, layer.inputShape.channels,
        layer.outputShape.height, layer.outputShape.width, layer.outputShape.channels,
        layer.geometry.kernelHeight, layer.geometry.kernelWidth, layer.geometry.stride,
        Int(layer.geometry.padding.rawValue),
        layer.dotLength, layer.rowWords,
      ]
      for (i, value) in header.enumerated() { out.set32(UInt32(value), at: entry + 4 * i) }

      var payloads: [(offset: Int, bytes: Int)] = []
      let weightsAt = out.bytes.count
      for word in layer.weights { out.u64(word) }
      payloads.append((weightsAt, layer.weights.count * 8))
      out.pad(to: ModelFormat.alignment)
      let aAt = out.bytes.count
      if layer.kind.producesScores {
        for value in layer.scale { out.f32(value) }
        payloads.append((aAt, layer.scale.count * 4))
      } else {
        for value in layer.thresholds { out.u32(UInt32(bitPattern: value)) }
        payloads.append((aAt, layer.thresholds.count * 4))
      }
      out.pad(to: ModelFormat.alignment)
      let bAt = out.bytes.count
      if layer.kind.producesScores {
        for value in layer.bias { out.f32(value) }
        payloads.append((bAt, layer.bias.count * 4))
      } else {
        for word in layer.flip { out.u64(word) }
        payloads.append((bAt, layer.flip.count * 8))
      }
      out.pad(to: ModelFormat.alignment)
      for (i, payload) in payloads.enumerated() {
        out.set64(UInt64(payload.offset), at: entry + 56 + 16 * i)
        out.set64(UInt64(payload.bytes), at: entry + 64 + 16 * i)
      }
    }
    let fileBytes = out.bytes.count + 4
    out.set64(UInt64(fileBytes), at: 16)
    let crc = out.bytes.withUnsafeBytes { crc32($0) }
    out.u32(crc)
    return out.bytes
  }

  /// Checks that shapes chain and array sizes match the shapes. The reader applies the
  /// same rules to what it parses.
  public func validate() throws(ModelError) {
    try ModelDefinition.checkStructure(
      input: input, classCount: labels.count, layerCount: layers.count,
      layer: { i in
        let l = layers[i]
        return LayerSizes(
          kind: l.kind, inputShape: l.inputShape, outputShape: l.outputShape, geometry: l.geometry,
          weightWords: l.weights.count,
          paramA: l.kind.producesScores ? l.scale.count : l.thresholds.count,
          paramB: l.kind.producesScores ? l.bias.count : l.flip.count)
      })
    for label in labels where label.utf8.count > ModelFormat.maxLabelBytes {
      throw .invalidArgument("class label longer than " + String(ModelFormat.maxLabelBytes) + " bytes")
    }
    for (i, layer) in layers.enumerated() {
      let ok = layer.weights.withUnsafeBufferPointer { weightPaddingIsZero($0, layer: layer) }
      if !ok { throw .inconsistent("layer " + String(i) + ": weight padding bits are not zero") }
      if !layer.kind.producesScores {
        let okFlip = layer.flip.withUnsafeBufferPointer {
          BitPacking.paddingIsZero($0, rows: 1, rowWords: $0.count, bits: layer.outputCount)
        }
        if !okFlip { throw .inconsistent("layer " + String(i) + ": flip padding bits are not zero") }
      } else {
        for v in layer.scale + layer.bias where !v.isFinite {
          throw .inconsistent("layer " + String(i) + ": output scale or bias is not finite")
        }
      }
    }
  }
}

/// Padding check for a weight matrix: flat rows for pixel inputs, per-pixel words for
/// channel-packed binary inputs.
func weightPaddingIsZero(_ words: UnsafeBufferPointer<UInt64>, layer: LayerDefinition) -> Bool {
  weightPaddingIsZero(
    words, kind: layer.kind, inputShape: layer.inputShape, geometry: layer.geometry, rows: layer.outputCount)
}

func weightPaddingIsZero(
  _ words: UnsafeBufferPointer<UInt64>, kind: LayerKind, inputShape: TensorShape, geometry: Geometry, rows: Int
) -> Bool {
  if kind == .maxPool { return true }
  if kind.readsPixels {
    let bits = LayerDefinition.dotLength(kind, inputShape, geometry)
    return BitPacking.paddingIsZero(
      words, rows: rows, rowWords: BitPacking.words(forBits: bits), bits: bits)
  }
  // Channel-packed: every pixel of every row is padded separately.
  let pixelsPerRow =
    kind.isConvolution ? geometry.kernelHeight * geometry.kernelWidth : inputShape.height * inputShape.width
  return BitPacking.paddingIsZero(
    words, rows: rows * pixelsPerRow, rowWords: inputShape.wordsPerPixel, bits: inputShape.channels)
}

/// The sizes of one layer, enough to check a model's structure.
struct LayerSizes {
  var kind: LayerKind
  var inputShape: TensorShape
  var outputShape: TensorShape
  var geometry: Geometry
  var weightWords: Int
  var paramA: Int
  var paramB: Int
}

extension ModelDefinition {
  /// Structure rules shared by the writer and the reader.
  static func checkStructure(
    input: InputDescription, classCount: Int, layerCount: Int,
    layer: (Int) throws(ModelError) -> LayerSizes
  ) throws(ModelError) {
    let limit = ModelFormat.maxDimension
    func dimensionOK(_ v: Int) -> Bool { v >= 1 && v <= limit }
    guard dimensionOK(input.width), dimensionOK(input.height), dimensionOK(input.channels),
      input.pixelCount <= limit
    else {
      throw .inconsistent("input shape is out of range")
    }
    guard classCount >= 1 && classCount <= ModelFormat.maxClasses else {
      throw .inconsistent("class count " + String(classCount) + " is out of range")
    }
    guard layerCount >= 1 && layerCount <= ModelFormat.maxLayers else {
      throw .inconsistent("layer count " + String(layerCount) + " is out of range")
    }
    var expected = TensorShape(height: input.height, width: input.width, channels: input.channels)
    for i in 0..<layerCount {
      let l = try layer(i)
      let name = "layer " + String(i) + " (" + l.kind.name + ")"
      for v in [
        l.inputShape.height, l.inputShape.width, l.inputShape.channels,
        l.outputShape.height, l.outputShape.width, l.outputShape.channels,
      ]
      where !dimensionOK(v) {
        throw .inconsistent(name + ": a dimension is out of range")
      }
      guard l.inputShape.elementCount <= limit, l.outputShape.elementCount <= limit else {
        throw .inconsistent(name + ": too large")
      }
      if l.kind.readsPixels != (i == 0) {
        throw .inconsistent(
          name + (i == 0 ? ": the first layer must read pixels" : ": only the first layer may read pixels"))
      }
      if l.kind.producesScores != (i == layerCount - 1) {
        throw .inconsistent(
          name
            + (i == layerCount - 1
              ? ": the last layer must produce class scores" : ": only the last layer may produce class scores"))
      }
      if l.inputShape != expected {
        throw .inconsistent(
          name + ": input shape " + l.inputShape.description + " does not match the previous output "
            + expected.description)
      }
      // Geometry and output shape.
      let g = l.geometry
      let channels = l.outputShape.channels
      switch l.kind {
      case .pixelConv, .binaryConv:
        guard g.kernelHeight >= 1, g.kernelHeight <= 64, g.kernelWidth >= 1, g.kernelWidth <= 64,
          g.stride >= 1, g.stride <= 64
        else { throw .inconsistent(name + ": kernel or stride out of range") }
        guard let out = g.outputShape(input: l.inputShape, channels: channels), out == l.outputShape else {
          throw .inconsistent(
            name + ": output shape " + l.outputShape.description + " does not follow from the input and geometry")
        }
      case .maxPool:
        guard g == .pool2x2 else { throw .inconsistent(name + ": only 2x2 pooling with stride 2 is supported") }
        guard let out = g.outputShape(input: l.inputShape, channels: l.inputShape.channels), out == l.outputShape else {
          throw .inconsistent(name + ": output shape " + l.outputShape.description + " does not follow from the input")
        }
      default:
        guard g == .dense else { throw .inconsistent(name + ": dense layers have no kernel geometry") }
        guard l.outputShape.height == 1, l.outputShape.width == 1 else {
          throw .inconsistent(name + ": dense layers output a flat vector")
        }
      }
      let rowWords = LayerDefinition.rowWords(l.kind, l.inputShape, g)
      if l.weightWords != channels * rowWords {
        throw .inconsistent(
          name + ": " + String(l.weightWords) + " weight words, expected " + String(channels * rowWords))
      }
      let expectedA = l.kind == .maxPool ? 0 : channels
      let expectedB = l.kind.producesScores ? channels : BitPacking.words(forBits: channels)
      if l.paramA != expectedA || l.paramB != expectedB {
        throw .inconsistent(name + ": parameter counts do not match " + String(channels) + " channels")
      }
      if l.kind.producesScores && channels != classCount {
        throw .inconsistent(
          name + ": " + String(channels) + " scores but " + String(classCount) + " class labels")
      }
      expected = l.outputShape
    }
  }
}

/// CRC-32 (IEEE) of `bytes`.
func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
  guard let base = bytes.baseAddress else { return 0 }
  return bnn_crc32(0, base, bytes.count)
}
