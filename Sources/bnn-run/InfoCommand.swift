import BinaryNet
import CLISupport

/// `bnn-run info MODEL`: what the model is and what it costs to run.
struct InfoCommand: Command {
  static let name = "info"
  static let abstract = "layers, shapes, parameters, file size, MACs per inference"
  static let discussion = """
    Describes a model: input, classes, each layer (kind, shapes, parameters, MACs),
    file bytes, binary MACs per inference and the kernel path used here.
    """
  static let positionals = [SharedOptions.model]

  let json = SharedOptions.json

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let path = arguments.positionals[0]
    let model = try loadModel(path)
    let layers = model.layerSummaries
    let input = model.input

    if arguments[\.json] {
      let layerJSON: [JSON] = layers.enumerated().map { index, l in
        .object([
          ("index", .int(index)), ("kind", .string(l.kind.name)),
          ("input", .string(l.inputShape.description)), ("output", .string(l.outputShape.description)),
          ("window", .string(l.windowDescription)),
          ("dot_length", .int(l.dotLength)), ("binary_weights", .int(l.binaryWeights)),
          ("other_parameters", .int(l.otherParameters)), ("macs", .int(l.macs)),
          ("payload_bytes", .int(l.payloadBytes)), ("border_classes", .int(l.borderClasses)),
        ])
      }
      Console.out(
        JSON.object([
          ("model", .string(path)), ("file_bytes", .int(model.fileBytes)),
          ("format_version", .int(Int(model.formatVersion))),
          (
            "input",
            .object([
              ("height", .int(input.height)), ("width", .int(input.width)), ("channels", .int(input.channels)),
              ("pixel", .string("uint8")), ("scale", .number(Double(input.scale))),
              ("offset", .number(Double(input.offset))),
            ])
          ),
          ("classes", .array(model.labels.map { .string($0) })),
          ("layers", .array(layerJSON)),
          ("parameters", .int(model.parameterCount)),
          ("binary_macs", .int(model.binaryMACs)), ("pixel_macs", .int(model.pixelMACs)),
          ("kernel", .string(model.kernelPath.name)),
        ]).text)
      return
    }

    Console.out("model      \(path)")
    Console.out("file       \(model.fileBytes) bytes, format v\(model.formatVersion), CRC-32 verified")
    Console.out(
      "input      \(input.height)x\(input.width)x\(input.channels) uint8 pixels "
        + "(trained on x*\(input.scale)+\(input.offset))")
    Console.out("classes    \(model.classCount): " + model.labels.joined(separator: ", "))
    Console.out(
      "kernels    \(model.kernelPath.name) (available here: "
        + KernelPath.available.map(\.name).joined(separator: ", ") + ")")
    Console.out("")
    Console.out(
      " #  kind           window            input      output      K  binary weights  other params        MACs")
    for (index, l) in layers.enumerated() {
      Console.out(
        pad(String(index), 2) + "  " + l.kind.name.padding(toLength: 13, withPad: " ", startingAt: 0)
          + "  " + l.windowDescription.padding(toLength: 12, withPad: " ", startingAt: 0)
          + pad(l.inputShape.description, 11) + pad(l.outputShape.description, 12)
          + pad(String(l.dotLength), 7) + pad(String(l.binaryWeights), 16) + pad(String(l.otherParameters), 14)
          + pad(String(l.macs), 12))
    }
    for (index, l) in layers.enumerated() where l.borderClasses > 0 {
      Console.out(
        "layer \(index): \(l.borderClasses) border classes with their own thresholds (the model padded "
          + "another value than the engine; FORMAT.md, v3)")
    }
    Console.out("")
    Console.out("parameters           \(model.parameterCount)")
    Console.out("binary MACs / image  \(model.binaryMACs)  (1-bit x 1-bit, XOR-popcount)")
    Console.out("pixel MACs / image   \(model.pixelMACs)  (8-bit pixels x 1-bit weights)")
  }
}
