import BinaryNet

/// `model.json` of an import `.npz` (docs/IMPORT.md, "The document"): the format and
/// version, the input the model was fed (`pixel * scale + offset`, reshaped row-major to
/// `model_input_shape`), the class labels and the layer entries in execution order.
struct ImportDocument {
  /// The only version this reader knows.
  static let version = 1
  /// The largest dimension accepted anywhere (the model format's limit).
  static let maxDimension = ModelFormat.maxDimension

  var modelName: String?
  var framework: String?
  var image: TensorShape
  var modelInputShape: [Int]
  var scale: Double
  var offset: Double
  var preprocess: String?
  var labels: [String]
  var layers: [LayerEntry]

  init(json: JSONValue) throws(ImportError) {
    let top = try JSONFields(json, context: "model.json")
    let format = try top.string("format")
    guard format == "binarynet-import" else {
      throw ImportError("model.json: format '" + LayerEntry.printable(format) + "' is not 'binarynet-import'")
    }
    guard case .number(let version)? = top.object["version"], version.rounded() == version else {
      throw ImportError("model.json: 'version' is missing or not an integer")
    }
    let versionText = version.magnitude < 1e15 ? String(Int(version)) : String(version)
    guard version <= Double(Self.version) else {
      throw ImportError(
        "model.json: format version " + versionText + " is newer than this BinaryNet supports ("
          + String(Self.version) + "); upgrade BinaryNet")
    }
    guard version == Double(Self.version) else {
      throw ImportError("model.json: format version " + versionText + " is not supported (1)")
    }
    if let producerValue = top.object["producer"], producerValue != .null {
      let producer = try JSONFields(producerValue, context: "model.json 'producer'")
      modelName = try producer.optionalString("model_name")
      framework = try producer.optionalString("framework")
    }

    let input = try JSONFields(try top.value("input"), context: "model.json 'input'")
    let dims = try input.integers("image_shape", count: 3...3, each: 1...Self.maxDimension)
    image = TensorShape(height: dims[0], width: dims[1], channels: dims[2])
    let pixelType = try input.string("pixel_type")
    guard pixelType == "uint8" else {
      throw input.fail("pixel_type", "is '" + LayerEntry.printable(pixelType) + "'; only 'uint8' is supported")
    }
    modelInputShape = try input.integers("model_input_shape", count: 1...4, each: 1...Self.maxDimension)
    guard Self.elementCount(modelInputShape) == image.elementCount else {
      throw input.fail(
        "model_input_shape",
        Self.shapeText(modelInputShape) + " does not hold the "
          + String(image.elementCount) + " elements of image_shape " + image.description)
    }
    scale = try input.number("scale")
    offset = try input.number("offset")
    let scale32 = Float(scale)
    let offset32 = Float(offset)
    guard scale32 != 0, scale32.isFinite else { throw input.fail("scale", "must be non-zero and fit a float32") }
    guard offset32.isFinite else { throw input.fail("offset", "must fit a float32") }
    preprocess = try input.optionalString("preprocess")

    labels = try top.strings("labels")
    guard (1...ModelFormat.maxClasses).contains(labels.count) else {
      throw top.fail(
        "labels", "holds " + String(labels.count) + " names; 1..." + String(ModelFormat.maxClasses) + " allowed")
    }
    for (index, label) in labels.enumerated() where label.utf8.count > ModelFormat.maxLabelBytes {
      throw top.fail(
        "labels", "name " + String(index) + " is longer than " + String(ModelFormat.maxLabelBytes) + " bytes")
    }

    let entries = try top.objects("layers")
    guard !entries.isEmpty else { throw top.fail("layers", "is empty") }
    guard entries.count <= ModelFormat.maxLayers else { throw top.fail("layers", "holds too many entries") }
    var layers: [LayerEntry] = []
    for (index, entry) in entries.enumerated() {
      layers.append(try LayerEntry(entry, index: index))
    }
    self.layers = layers
  }

  /// The product of `shape`'s dimensions, `Int.max` when it overflows (four dimensions
  /// of up to 2^20 can).
  static func elementCount(_ shape: [Int]) -> Int {
    var product = 1
    for dimension in shape {
      let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
      if overflow { return Int.max }
      product = next
    }
    return product
  }

  /// `[28, 28, 1]` as a message shows it.
  static func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}

/// One entry of `layers`: its position, type and name (for messages), its declared
/// input and output shapes, and its other fields.
struct LayerEntry {
  var index: Int
  var type: String
  var name: String
  var inputShape: [Int]
  var outputShape: [Int]
  var fields: JSONFields

  init(_ value: JSONValue, index: Int) throws(ImportError) {
    let raw = try JSONFields(value, context: "layer " + String(index))
    self.index = index
    type = Self.printable(try raw.string("type"))
    name = Self.printable(try raw.optionalString("name") ?? "")
    fields = JSONFields(object: raw.object, context: "layer " + String(index) + " (" + type + " '" + name + "')")
    if type == "softmax" {
      inputShape = []
      outputShape = []
    } else if ["dense", "conv2d", "batch_norm", "max_pool2d", "flatten"].contains(type) {
      inputShape = try fields.integers("input_shape", count: 1...4, each: 1...ImportDocument.maxDimension)
      outputShape = try fields.integers("output_shape", count: 1...4, each: 1...ImportDocument.maxDimension)
    } else {
      throw ImportError(
        fields.context + ": unknown layer type '" + type
          + "' (supported: dense, conv2d, batch_norm, max_pool2d, flatten, softmax)")
    }
  }

  /// `text` fit for a one-line message: control characters as `\u{…}`, at most 100
  /// characters.
  static func printable(_ text: String) -> String {
    var shown = ""
    for scalar in text.unicodeScalars.prefix(100) {
      shown += scalar.value < 0x20 || scalar.value == 0x7f ? scalar.escaped(asASCII: true) : String(scalar)
    }
    return text.unicodeScalars.count > 100 ? shown + "…" : shown
  }

  /// `layer 3 (conv2d 'quant_conv2d_1')`, how messages name this entry.
  var label: String { fields.context }

  func fail(_ reason: String) -> ImportError { ImportError(label + ": " + reason) }
}

extension JSONFields {
  /// Fields already unwrapped from an object, under another context.
  init(object: [String: JSONValue], context: String) {
    self.object = object
    self.context = context
  }
}
