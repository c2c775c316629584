import BinaryNet

/// A `conv2d` entry's options as the engine's `Geometry`: one stride for both axes,
/// 'same' or 'valid', no dilation or groups; `pad_value` kept for the padding rules.
struct ConvOptions {
  var input: TensorShape
  var filters: Int
  var geometry: Geometry
  var padValue: Double

  init(_ entry: LayerEntry) throws(ImportError) {
    let fields = entry.fields
    input = TensorShape(height: entry.inputShape[0], width: entry.inputShape[1], channels: entry.inputShape[2])
    filters = try fields.integer("filters", in: 1...ImportDocument.maxDimension)
    let kernel = try fields.integers("kernel_size", count: 2...2, each: 1...ModelFormat.maxWindow)
    let strides = try fields.integers("strides", count: 2...2, each: 1...ModelFormat.maxWindow)
    guard strides[0] == strides[1] else {
      throw entry.fail("strides " + ImportDocument.shapeText(strides) + ": the engine has one stride for both axes")
    }
    let padding: Padding
    switch try fields.string("padding") {
    case "same": padding = .same
    case "valid": padding = .valid
    case let other: throw entry.fail("padding '" + LayerEntry.printable(other) + "' (only 'same' or 'valid')")
    }
    if let dilation = fields.object["dilation_rate"], dilation != .null {
      guard try fields.integers("dilation_rate", count: 2...2, each: 1...1) == [1, 1] else {
        throw entry.fail("dilation is not supported")
      }
    }
    if let groups = fields.object["groups"], groups != .null {
      guard try fields.integer("groups", in: 1...ImportDocument.maxDimension) == 1 else {
        throw entry.fail("grouped convolutions are not supported")
      }
    }
    padValue = padding == .valid && fields.object["pad_value"] == .null ? 0 : try fields.number("pad_value")
    geometry = Geometry(kernelHeight: kernel[0], kernelWidth: kernel[1], stride: strides[0], padding: padding)
  }

  /// Whether some output's window covers padding ('same' that overhangs the input).
  var coversPadding: Bool { geometry.coversPadding(input: input) }
}
