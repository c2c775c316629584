import CPopcount

/// Bounds-checked little-endian reads from the model bytes. Every read that would leave
/// the buffer throws `.truncated`, so no input can make the reader crash.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer

  func u32(_ offset: Int) throws(ModelError) -> UInt32 {
    guard offset >= 0, offset <= bytes.count - 4 else { throw .truncated(expected: offset + 4, actual: bytes.count) }
    var value: UInt32 = 0
    for i in 0..<4 { value |= UInt32(bytes[offset + i]) << UInt32(8 * i) }
    return value
  }
  func u64(_ offset: Int) throws(ModelError) -> UInt64 {
    guard offset >= 0, offset <= bytes.count - 8 else { throw .truncated(expected: offset + 8, actual: bytes.count) }
    var value: UInt64 = 0
    for i in 0..<8 { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
    return value
  }
  func int(_ offset: Int) throws(ModelError) -> Int { Int(try u32(offset)) }
  func f32(_ offset: Int) throws(ModelError) -> Float { Float(bitPattern: try u32(offset)) }
}

/// One validated layer entry: its header and where its payloads lie (byte offsets).
struct LayerLayout {
  var header: LayerHeader
  var payloadOffsets: (Int, Int, Int)
  /// The border thresholds (format v3), nil when the layer has none.
  var borderOffset: Int?
  /// `K` and words per weight row as stored (checked against the shapes).
  var storedDotLength: Int
  var storedRowWords: Int

  var kind: LayerKind { header.kind }
}

/// The validated structure of a model file.
struct ModelLayout {
  var version: UInt32
  var input: InputDescription
  var labels: [String]
  /// The number of classes (`labels.count` when the labels are decoded).
  var classCount: Int
  var layers: [LayerLayout]
}

/// Parses and validates model bytes. `bytes` must start at a 64-byte aligned address
/// (the `Model` initialisers ensure it) so payload pointers are aligned.
func parseModel(_ bytes: UnsafeRawBufferPointer) throws(ModelError) -> ModelLayout {
  let r = ByteReader(bytes: bytes)
  let version = try checkEnvelope(r)
  // From here on the bytes are what the writer wrote (or a deliberate forgery): still
  // check every field, so a well-checksummed but inconsistent file is refused too.
  guard try r.u32(12) == UInt32(ModelFormat.headerBytes) else { throw .corrupt("unexpected header size") }
  guard try r.u32(36) == ModelFormat.pixelTypeUInt8 else { throw .corrupt("unknown pixel type") }
  let input = InputDescription(
    width: try r.int(28), height: try r.int(24), channels: try r.int(32),
    scale: try r.f32(40), offset: try r.f32(44))
  let classCount = try r.int(48)
  let layerCount = try r.int(52)
  let labelsOffset = try r.int(56)
  let tableOffset = try r.int(60)
  guard classCount <= ModelFormat.maxClasses, layerCount <= ModelFormat.maxLayers else {
    throw .corrupt("class or layer count out of range")
  }
  let (labels, labelsEnd) = try readLabels(r, count: classCount, at: labelsOffset, before: tableOffset)
  let payloadEnd = bytes.count - 4
  let payloadStart = tableOffset + layerCount * ModelFormat.layerEntryBytes
  guard tableOffset % ModelFormat.alignment == 0, tableOffset >= labelsEnd, payloadStart <= payloadEnd else {
    throw .corrupt("layer table out of range")
  }
  var layers: [LayerLayout] = []
  for i in 0..<layerCount {
    layers.append(
      try readLayerEntry(
        r, at: tableOffset + i * ModelFormat.layerEntryBytes, name: "layer " + String(i), version: version,
        payloads: payloadStart..<payloadEnd))
  }
  try ModelDefinition.checkStructure(input: input, classCount: classCount, layers: layers.map { $0.header })
  for (i, layer) in layers.enumerated() { try checkPayloadContents(layer, r, name: "layer " + String(i)) }
  return ModelLayout(version: version, input: input, labels: labels, classCount: labels.count, layers: layers)
}

/// Magic, version, declared size and CRC-32; returns the format version.
private func checkEnvelope(_ r: ByteReader) throws(ModelError) -> UInt32 {
  let bytes = r.bytes
  let minimum = ModelFormat.headerBytes + 4
  guard bytes.count >= 8 else { throw .truncated(expected: minimum, actual: bytes.count) }
  for i in 0..<8 where bytes[i] != ModelFormat.magic[i] { throw .badMagic }
  guard bytes.count >= minimum else { throw .truncated(expected: minimum, actual: bytes.count) }
  let version = try r.u32(8)
  guard version != 0 else { throw .corrupt("version 0") }
  guard version <= ModelFormat.version else {
    throw .unsupportedVersion(found: version, supported: ModelFormat.version)
  }
  let declaredSize = try r.u64(16)
  guard declaredSize <= UInt64(Int.max) else { throw .corrupt("file size field out of range") }
  if Int(declaredSize) > bytes.count {
    throw .truncated(expected: Int(declaredSize), actual: bytes.count)
  }
  if Int(declaredSize) < bytes.count {
    throw .corrupt(
      "file is " + String(bytes.count) + " bytes but its header says " + String(declaredSize))
  }
  let stored = try r.u32(bytes.count - 4)
  let computed = bnn_crc32(0, bytes.baseAddress!, bytes.count - 4)
  guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
  return version
}

/// `count` records of (u32 length, UTF-8 bytes) from `offset`, ending before `limit`;
/// returns the labels and the offset after the last one.
private func readLabels(
  _ r: ByteReader, count: Int, at offset: Int, before limit: Int
) throws(ModelError) -> ([String], Int) {
  guard offset % ModelFormat.alignment == 0, offset >= ModelFormat.headerBytes, offset <= r.bytes.count - 4
  else { throw .corrupt("labels offset out of range") }
  // The labels end before the layer table, which must itself lie inside the file: else a
  // label could run past the bytes.
  guard limit <= r.bytes.count - 4 else { throw .corrupt("layer table out of range") }
  var labels: [String] = []
  var cursor = offset
  for _ in 0..<count {
    let length = try r.int(cursor)
    guard length <= ModelFormat.maxLabelBytes, cursor + 4 + length <= limit else {
      throw .corrupt("class label runs past its block")
    }
    let start = cursor + 4
    let utf8 = UnsafeRawBufferPointer(rebasing: r.bytes[start..<(start + length)])
    guard isValidUTF8(utf8) else { throw .corrupt("class label is not valid UTF-8") }
    labels.append(String(decoding: utf8, as: UTF8.self))
    cursor = start + length
  }
  return (labels, cursor)
}

/// The layer table entry at byte `e`: kind, shapes, window, the stored `K` and row words
/// (checked against the shapes), and three payloads inside `payloads`, each aligned and
/// a whole number of elements.
private func readLayerEntry(
  _ r: ByteReader, at e: Int, name: String, version: UInt32, payloads: Range<Int>
) throws(ModelError) -> LayerLayout {
  guard let kind = LayerKind(rawValue: try r.u32(e)) else {
    throw .corrupt(name + ": unknown layer kind " + String(try r.u32(e)))
  }
  guard kind.formatVersion <= version else {
    throw .corrupt(name + ": layer kind " + kind.name + " needs format version " + String(kind.formatVersion))
  }
  let flags = try r.u32(e + 4)
  let hasBorder = flags == ModelFormat.borderThresholdsFlag
  guard flags == 0 || (hasBorder && version >= 3 && kind.isConvolution) else {
    throw .corrupt(name + ": unknown flags")
  }
  let inputShape = TensorShape(height: try r.int(e + 8), width: try r.int(e + 12), channels: try r.int(e + 16))
  let outputShape = TensorShape(height: try r.int(e + 20), width: try r.int(e + 24), channels: try r.int(e + 28))
  guard let padding = Padding(rawValue: try r.u32(e + 44)) else { throw .corrupt(name + ": unknown padding") }
  let window = Geometry(
    kernelHeight: try r.int(e + 32), kernelWidth: try r.int(e + 36), stride: try r.int(e + 40), padding: padding)
  let reservedStart = hasBorder ? e + 120 : e + 104
  for reserved in stride(from: reservedStart, to: e + ModelFormat.layerEntryBytes, by: 4)
  where try r.u32(reserved) != 0 {
    throw .corrupt(name + ": reserved bytes are not zero")
  }
  var offsets: [Int] = []
  var counts: [Int] = []
  for p in 0..<(hasBorder ? 4 : 3) {
    let offset = try r.u64(e + 56 + 16 * p)
    let size = try r.u64(e + 64 + 16 * p)
    let end = UInt64(payloads.upperBound)
    guard offset <= end, size <= end, offset + size <= end, offset >= UInt64(payloads.lowerBound),
      Int(offset) % ModelFormat.alignment == 0
    else { throw .corrupt(name + ": payload " + String(p) + " out of range") }
    let elementBytes = p == 3 ? 4 : LayerPayload.elementBytes(p, kind: kind)
    guard Int(size) % elementBytes == 0 else { throw .corrupt(name + ": payload sizes are not whole elements") }
    offsets.append(Int(offset))
    counts.append(Int(size) / elementBytes)
  }
  let header = LayerHeader(
    kind: kind, inputShape: inputShape, outputShape: outputShape, window: window,
    payloadCounts: (counts[0], counts[1], counts[2]), borderCount: hasBorder ? counts[3] : 0)
  return LayerLayout(
    header: header, payloadOffsets: (offsets[0], offsets[1], offsets[2]), borderOffset: hasBorder ? offsets[3] : nil,
    storedDotLength: try r.int(e + 48), storedRowWords: try r.int(e + 52))
}

/// What the structure check does not cover: the stored `K` and row words, zero padding
/// bits in the weights and per-channel words, finite output scales and biases.
private func checkPayloadContents(_ l: LayerLayout, _ r: ByteReader, name: String) throws(ModelError) {
  let header = l.header
  guard l.storedDotLength == header.dotLength, l.storedRowWords == header.rowWords else {
    throw .corrupt(name + ": dot length or row words do not match its input shape")
  }
  let base = r.bytes.baseAddress!
  let outputs = header.outputShape.channels
  let weights = UnsafeBufferPointer(
    start: (base + l.payloadOffsets.0).assumingMemoryBound(to: UInt64.self), count: outputs * header.rowWords)
  guard weightPaddingIsZero(weights, header) else { throw .corrupt(name + ": weight padding bits are not zero") }
  if header.kind.producesScores {
    for k in 0..<(2 * outputs) {
      let at = k < outputs ? l.payloadOffsets.1 + 4 * k : l.payloadOffsets.2 + 4 * (k - outputs)
      guard try r.f32(at).isFinite else { throw .corrupt(name + ": output scale or bias is not finite") }
    }
  } else {
    let channels = header.kind == .pixelSign ? header.inputShape.channels : outputs
    let words = UnsafeBufferPointer(
      start: (base + l.payloadOffsets.2).assumingMemoryBound(to: UInt64.self),
      count: BitPacking.words(forBits: channels))
    guard BitPacking.paddingIsZero(words, rows: 1, rowWords: words.count, bits: channels) else {
      throw .corrupt(name + (header.kind == .maxPool ? ": pooling mask" : ": flip") + " padding bits are not zero")
    }
  }
  if let borderOffset = l.borderOffset {
    let border = UnsafeBufferPointer(
      start: (base + borderOffset).assumingMemoryBound(to: Int32.self), count: header.borderCount)
    let values = UnsafeBufferPointer(
      start: (base + l.payloadOffsets.1).assumingMemoryBound(to: Int32.self), count: outputs)
    guard borderInteriorMatches(header, border: border, values: values) else {
      throw .corrupt(name + ": the interior border class differs from the layer's thresholds")
    }
  }
}
/// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
  var i = 0
  let n = bytes.count
  while i < n {
    let b0 = bytes[i]
    if b0 < 0x80 {
      i += 1
      continue
    }
    var need = 0
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch b0 {
    case 0xC2...0xDF: need = 1
    case 0xE0:
      need = 2
      lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: need = 2
    case 0xED:
      need = 2
      upper = 0x9F
    case 0xF0:
      need = 3
      lower = 0x90
    case 0xF1...0xF3: need = 3
    case 0xF4:
      need = 3
      upper = 0x8F
    default: return false
    }
    if i + need >= n { return false }
    for k in 1...need {
      let b = bytes[i + k]
      let lo: UInt8 = k == 1 ? lower : 0x80
      let hi: UInt8 = k == 1 ? upper : 0xBF
      if b < lo || b > hi { return false }
    }
    i += need + 1
  }
  return true
}
