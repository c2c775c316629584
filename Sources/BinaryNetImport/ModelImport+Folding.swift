import BinaryNet

extension ModelImport {
  /// The blocks as `TrainedLayer`s, folded by `Folding.network`.
  static func fold(_ document: ImportDocument, arrays: ImportArrays) throws(ImportError) -> ImportedModel {
    let input = InputDescription(
      width: document.image.width, height: document.image.height, channels: document.image.channels,
      scale: Float(document.scale), offset: Float(document.offset))
    var trained: [TrainedLayer] = []
    var lines: [String] = []
    for block in try blocks(document) {
      if try checkQuantizers(block) {
        trained.append(.inputSign)
        // Its threshold is added from the folded layer below.
        lines.append(
          "sign of the input x*scale+offset (input_quantizer of '" + LayerEntry.printable(block.layer.name) + "')")
      }
      let entry = block.layer
      let norm = try batchNorm(block.norm, arrays: arrays)
      var line = entry.type + " '" + entry.name + "' " + ImportDocument.shapeText(entry.inputShape) + " -> "
      if entry.type == "dense" {
        let k = entry.inputShape[0]
        let units = entry.outputShape[0]
        let kernel = try arrays.floats(entry, "kernel", shape: [k, units])!
        let bias = try arrays.floats(entry, "bias", shape: [units], optional: true)
        // Keras [K, units] (input index first) -> the engine's rows [units][K].
        var weights = [Float](repeating: 0, count: k * units)
        for i in 0..<k { for j in 0..<units { weights[j * k + i] = kernel[i * units + j] } }
        trained.append(
          .dense(
            TrainedDenseLayer(
              inputCount: k, outputCount: units, weights: weights, bias: bias,
              batchNorm: norm ?? .identity(count: units))))
        line += ImportDocument.shapeText(entry.outputShape)
        if bias != nil { line += ", bias" }
      } else {
        let conv = try ConvOptions(entry)
        try checkPadding(conv, block: block, document: document)
        let g = conv.geometry
        let c = conv.input.channels
        let f = conv.filters
        let kernel = try arrays.floats(entry, "kernel", shape: [g.kernelHeight, g.kernelWidth, c, f])!
        let bias = try arrays.floats(entry, "bias", shape: [f], optional: true)
        // Keras HWIO [kH][kW][C][F] -> the engine's rows [F][kH][kW][C].
        let window = g.kernelHeight * g.kernelWidth * c
        var weights = [Float](repeating: 0, count: window * f)
        for t in 0..<window { for o in 0..<f { weights[o * window + t] = kernel[t * f + o] } }
        trained.append(
          .convolution(
            TrainedConvLayer(
              inputShape: conv.input, outputChannels: f, geometry: g, weights: weights,
              poolAfter: block.pool != nil, poolAfterBatchNorm: block.poolAfterNorm != nil, bias: bias,
              inputPadValue: Float(conv.padValue), batchNorm: norm ?? .identity(count: f))))
        line =
          entry.type + " '" + entry.name + "' " + String(g.kernelHeight) + "x" + String(g.kernelWidth)
          + " stride " + String(g.stride) + " " + g.padding.name + " " + conv.input.description + " -> "
          + ImportDocument.shapeText(entry.outputShape)
        if bias != nil { line += ", bias" }
      }
      if let pool = block.poolBeforeNorm {
        line += ", " + pool.type + (block.norm == nil ? "" : " (before the BatchNorm: OR mask = flips)")
      }
      if let norm = block.norm {
        let center = norm.fields.object["beta"] ?? .null
        let scale = norm.fields.object["gamma"] ?? .null
        line += ", batch_norm" + (scale == .null ? " (scale off)" : "") + (center == .null ? " (center off)" : "")
      }
      if let pool = block.poolAfterNorm { line += ", " + pool.type + " (after the BatchNorm: AND)" }
      if block.first && trained.first != .inputSign {
        line +=
          block.layer.type == "conv2d" || document.image.elementCount == ImportDocument.elementCount(entry.inputShape)
          ? ", on 8-bit pixels" : ""
      }
      if entry.type == "conv2d", let last = trained.last, case .convolution(let c) = last,
        let pad = c.inputPadValue, c.geometry.coversPadding(input: c.inputShape)
      {
        let engine: Float = trained.count == 1 ? input.offset : 1
        if pad != engine { line += ", border thresholds (pad value " + String(pad) + ")" }
      }
      lines.append(line)
    }
    let definition: ModelDefinition
    do {
      definition = try Folding.network(trained, input: input, labels: document.labels)
    } catch {
      throw ImportError("cannot fold the model: " + error.description)
    }
    if case .inputSign(_, _, let t)? = definition.layers.first, let threshold = t.values.first {
      let flipped = t.flip.first.map { $0 & 1 == 1 } ?? false
      lines[0] += ": bit -1 " + (flipped ? "from" : "below") + " pixel " + String(threshold)
    }
    return ImportedModel(
      definition: definition, modelName: document.modelName, framework: document.framework, scale: document.scale,
      offset: document.offset, preprocess: document.preprocess, layers: lines)
  }

  /// Only `sign` quantizers: binary weights everywhere, a sign on every input but the
  /// model input, where it is optional. Returns whether the first layer quantizes the
  /// model input (then an input sign layer comes first).
  static func checkQuantizers(_ block: WeightBlock) throws(ImportError) -> Bool {
    let entry = block.layer
    let kernelQuantizer = try entry.fields.optionalString("kernel_quantizer")
    guard kernelQuantizer == "sign" else {
      throw entry.fail(
        "kernel_quantizer " + quoted(kernelQuantizer) + " is not supported (only 'sign': binary weights)")
    }
    let inputQuantizer = try entry.fields.optionalString("input_quantizer")
    if block.first {
      guard inputQuantizer == nil || inputQuantizer == "sign" else {
        throw entry.fail(
          "input_quantizer " + quoted(inputQuantizer) + " is not supported on the first layer (only 'sign' or null)")
      }
      return inputQuantizer == "sign"
    }
    guard inputQuantizer == "sign" else {
      throw entry.fail(
        "input_quantizer " + quoted(inputQuantizer) + " is not supported after the first layer (only 'sign')")
    }
    return false
  }

  /// A first convolution reads the image as it is. Every pad value is exact: a value the
  /// engine does not pad with becomes border thresholds (docs/IMPORT.md, "Mapping onto the
  /// engine", cases 2 and 3).
  static func checkPadding(_ conv: ConvOptions, block: WeightBlock, document: ImportDocument) throws(ImportError) {
    guard block.first else { return }
    guard conv.input == document.image else {
      throw block.layer.fail(
        "a first convolution must read the image as it is (" + document.image.description + "), not "
          + conv.input.description)
    }
  }

  /// A `batch_norm` entry's parameters (gamma null = 1, beta null = 0; epsilon as
  /// TensorFlow adds it, in float32), or nil for none.
  static func batchNorm(_ entry: LayerEntry?, arrays: ImportArrays) throws(ImportError) -> BatchNormParameters? {
    guard let entry else { return nil }
    let c = entry.inputShape[entry.inputShape.count - 1]
    let gamma = try arrays.floats(entry, "gamma", shape: [c], optional: true) ?? [Float](repeating: 1, count: c)
    let beta = try arrays.floats(entry, "beta", shape: [c], optional: true) ?? [Float](repeating: 0, count: c)
    let mean = try arrays.floats(entry, "moving_mean", shape: [c])!
    let variance = try arrays.floats(entry, "moving_variance", shape: [c])!
    if let bad = variance.firstIndex(where: { $0 < 0 }) {
      throw entry.fail("moving_variance of channel " + String(bad) + " is negative")
    }
    let epsilon =
      entry.fields.object["epsilon_f32"] != nil
      ? try entry.fields.number("epsilon_f32") : try entry.fields.number("epsilon")
    guard epsilon >= 0, Float(epsilon).isFinite else { throw entry.fail("epsilon must be a finite number >= 0") }
    if let bad = variance.indices.first(where: { variance[$0] + Float(epsilon) <= 0 }) {
      throw entry.fail("moving_variance + epsilon of channel " + String(bad) + " is 0")
    }
    return BatchNormParameters(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: Float(epsilon))
  }

  static func quoted(_ text: String?) -> String { text.map { "'" + LayerEntry.printable($0) + "'" } ?? "null" }
}
