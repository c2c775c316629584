/// One layer as the layer table describes it: enough to check that a model's layers
/// chain and that every payload has the size its kind needs. The writer makes one from a
/// `ModelLayer`; the reader from a table entry.
struct LayerHeader {
  var kind: LayerKind
  var inputShape: TensorShape
  var outputShape: TensorShape
  var window: Geometry
  /// Element counts of the three payloads (see `LayerPayload`).
  var payloadCounts: (Int, Int, Int)
  /// Border thresholds (the fourth payload, format v3): element count, 0 when absent.
  var borderCount: Int

  var dotLength: Int { kind.dotLength(window: window, input: inputShape) }
  var rowWords: Int { kind.rowWords(window: window, input: inputShape) }

  init(
    kind: LayerKind, inputShape: TensorShape, outputShape: TensorShape, window: Geometry,
    payloadCounts: (Int, Int, Int), borderCount: Int = 0
  ) {
    self.kind = kind
    self.inputShape = inputShape
    self.outputShape = outputShape
    self.window = window
    self.payloadCounts = payloadCounts
    self.borderCount = borderCount
  }

  init(_ layer: ModelLayer, kind: LayerKind) {
    let payloads = layer.payloads
    self.init(
      kind: kind, inputShape: layer.inputShape,
      outputShape: layer.outputShape ?? TensorShape(height: 0, width: 0, channels: layer.outputChannels),
      window: layer.window, payloadCounts: (payloads[0].count, payloads[1].count, payloads[2].count),
      borderCount: layer.borderThresholds.count)
  }
}

extension ModelDefinition {
  /// Checks that shapes chain, array sizes match the shapes, padding bits are zero and
  /// output parameters are finite. The reader applies the same rules to what it parses.
  public func validate() throws(ModelError) {
    var headers: [LayerHeader] = []
    for index in layers.indices { headers.append(LayerHeader(layers[index], kind: kind(ofLayer: index))) }
    try ModelDefinition.checkStructure(input: input, classCount: labels.count, layers: headers)
    for label in labels where label.utf8.count > ModelFormat.maxLabelBytes {
      throw .invalidArgument("class label longer than " + String(ModelFormat.maxLabelBytes) + " bytes")
    }
    for (i, layer) in layers.enumerated() {
      let name = "layer " + String(i)
      let header = headers[i]
      let ok = layer.weights.withUnsafeBufferPointer { weightPaddingIsZero($0, header) }
      if !ok { throw .inconsistent(name + ": weight padding bits are not zero") }
      if case .output(_, _, let scale, let bias) = layer {
        for v in scale + bias where !v.isFinite {
          throw .inconsistent(name + ": output scale or bias is not finite")
        }
      } else if case .words(let words) = layer.payloads[2],
        !flipPaddingIsZero(
          words, channels: header.kind == .pixelSign ? header.inputShape.channels : layer.outputChannels)
      {
        // Threshold layers' flip bits, pooling's OR mask.
        throw .inconsistent(name + ": flip padding bits are not zero")
      }
      if case .convolution(_, _, _, let thresholds) = layer, !thresholds.border.isEmpty,
        !borderInteriorMatches(header, border: thresholds.border, values: thresholds.values)
      {
        throw .inconsistent(name + ": the interior border class differs from the layer's thresholds")
      }
    }
  }

  /// Structure rules shared by the writer and the reader.
  static func checkStructure(input: InputDescription, classCount: Int, layers: [LayerHeader]) throws(ModelError) {
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
    guard layers.count >= 1 && layers.count <= ModelFormat.maxLayers else {
      throw .inconsistent("layer count " + String(layers.count) + " is out of range")
    }
    var expected = TensorShape(height: input.height, width: input.width, channels: input.channels)
    for (i, l) in layers.enumerated() {
      let name = "layer " + String(i) + " (" + l.kind.name + ")"
      try checkShapes(l, name: name, expectedInput: expected, first: i == 0, last: i == layers.count - 1)
      try checkGeometry(l, name: name)
      try checkPayloadCounts(l, name: name, classCount: classCount)
      try checkBorderCount(l, name: name)
      expected = l.outputShape
    }
  }

  /// Dimensions in range, pixels read only by the first layer, scores produced only by
  /// the last, and the input equal to the previous layer's output.
  private static func checkShapes(
    _ l: LayerHeader, name: String, expectedInput: TensorShape, first: Bool, last: Bool
  ) throws(ModelError) {
    let limit = ModelFormat.maxDimension
    for v in [
      l.inputShape.height, l.inputShape.width, l.inputShape.channels,
      l.outputShape.height, l.outputShape.width, l.outputShape.channels,
    ]
    where v < 1 || v > limit {
      throw .inconsistent(name + ": a dimension is out of range")
    }
    guard l.inputShape.elementCount <= limit, l.outputShape.elementCount <= limit else {
      throw .inconsistent(name + ": too large")
    }
    if l.kind.readsPixels != first {
      throw .inconsistent(
        name + (first ? ": the first layer must read pixels" : ": only the first layer may read pixels"))
    }
    if l.kind.producesScores != last {
      throw .inconsistent(
        name
          + (last
            ? ": the last layer must produce class scores" : ": only the last layer may produce class scores"))
    }
    if l.inputShape != expectedInput {
      throw .inconsistent(
        name + ": input shape " + l.inputShape.description + " does not match the previous output "
          + expectedInput.description)
    }
  }

  /// The window suits the kind and the output shape follows from the input and window.
  private static func checkGeometry(_ l: LayerHeader, name: String) throws(ModelError) {
    let g = l.window
    switch l.kind {
    case .pixelConv, .binaryConv:
      let maxWindow = ModelFormat.maxWindow
      guard g.kernelHeight >= 1, g.kernelHeight <= maxWindow, g.kernelWidth >= 1, g.kernelWidth <= maxWindow,
        g.stride >= 1, g.stride <= maxWindow
      else { throw .inconsistent(name + ": kernel or stride out of range") }
      guard let out = g.outputShape(input: l.inputShape, channels: l.outputShape.channels), out == l.outputShape
      else {
        throw .inconsistent(
          name + ": output shape " + l.outputShape.description + " does not follow from the input and geometry")
      }
    case .maxPool:
      guard g == .pool2x2 else { throw .inconsistent(name + ": only 2x2 pooling with stride 2 is supported") }
      guard let out = g.outputShape(input: l.inputShape, channels: l.inputShape.channels), out == l.outputShape
      else {
        throw .inconsistent(name + ": output shape " + l.outputShape.description + " does not follow from the input")
      }
    case .pixelSign:
      guard g == .dense else { throw .inconsistent(name + ": an input sign layer has no kernel geometry") }
      guard l.outputShape == l.inputShape || l.outputShape == TensorShape(features: l.inputShape.elementCount) else {
        throw .inconsistent(name + ": an input sign layer outputs its input's shape or its flattening")
      }
    case .pixelDense, .binaryDense, .pixelOutput, .binaryOutput:
      guard g == .dense else { throw .inconsistent(name + ": dense layers have no kernel geometry") }
      guard l.outputShape.height == 1, l.outputShape.width == 1 else {
        throw .inconsistent(name + ": dense layers output a flat vector")
      }
    }
  }

  /// Each payload holds exactly the elements the kind and shape need.
  private static func checkPayloadCounts(_ l: LayerHeader, name: String, classCount: Int) throws(ModelError) {
    let channels = l.outputShape.channels
    let rowWords = l.rowWords
    let (weights, perChannel, last) = LayerPayload.expectedCounts(
      kind: l.kind, channels: channels, inputChannels: l.inputShape.channels, rowWords: rowWords)
    if l.payloadCounts.0 != weights {
      throw .inconsistent(
        name + ": " + String(l.payloadCounts.0) + " weight words, expected " + String(weights))
    }
    if l.payloadCounts.1 != perChannel || l.payloadCounts.2 != last {
      throw .inconsistent(name + ": parameter counts do not match " + String(channels) + " channels")
    }
    if l.kind.producesScores && channels != classCount {
      throw .inconsistent(
        name + ": " + String(channels) + " scores but " + String(classCount) + " class labels")
    }
  }
}

extension ModelDefinition {
  /// Border thresholds only on a convolution whose windows cover padding, one per border
  /// class and output channel.
  static func checkBorderCount(_ l: LayerHeader, name: String) throws(ModelError) {
    guard l.borderCount > 0 else { return }
    let border = ConvolutionBorder(input: l.inputShape, window: l.window)
    guard l.kind.isConvolution, !border.isEmpty, l.borderCount == border.classCount * l.outputShape.channels else {
      throw .inconsistent(
        name + ": border thresholds must be one per border class and channel of a convolution that covers padding")
    }
  }
}

/// Whether the interior class of `border` (laid out `[class][channel]`) equals `values`.
func borderInteriorMatches(_ l: LayerHeader, border: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Int32>)
  -> Bool
{
  let n = l.outputShape.channels
  let interior = ConvolutionBorder(input: l.inputShape, window: l.window).interiorClass
  for j in 0..<n where border[interior * n + j] != values[j] { return false }
  return true
}

func borderInteriorMatches(_ l: LayerHeader, border: [Int32], values: [Int32]) -> Bool {
  border.withUnsafeBufferPointer { b in
    values.withUnsafeBufferPointer { borderInteriorMatches(l, border: b, values: $0) }
  }
}

/// Padding check for a weight matrix: flat rows for pixel inputs, per-pixel words for
/// channel-packed binary inputs.
func weightPaddingIsZero(_ words: UnsafeBufferPointer<UInt64>, _ layer: LayerHeader) -> Bool {
  let rows = layer.outputShape.channels
  if layer.kind == .maxPool || layer.kind == .pixelSign { return true }
  if layer.kind.readsPixels {
    let bits = layer.dotLength
    return BitPacking.paddingIsZero(words, rows: rows, rowWords: BitPacking.words(forBits: bits), bits: bits)
  }
  // Channel-packed: every pixel of every row is padded separately.
  let input = layer.inputShape
  let pixelsPerRow =
    layer.kind.isConvolution ? layer.window.kernelHeight * layer.window.kernelWidth : input.height * input.width
  return BitPacking.paddingIsZero(
    words, rows: rows * pixelsPerRow, rowWords: input.wordsPerPixel, bits: input.channels)
}

/// Whether the bits past `channels` in per-channel words (flip bits, OR mask) are zero.
func flipPaddingIsZero(_ words: [UInt64], channels: Int) -> Bool {
  words.withUnsafeBufferPointer { BitPacking.paddingIsZero($0, rows: 1, rowWords: $0.count, bits: channels) }
}
