import BinaryNet
import BinaryNetImport
import CLISupport

/// `bnn-run import MODEL.npz --out MODEL.bnn`: a model trained elsewhere (an import
/// `.npz`, docs/IMPORT.md, from `tools/larq-export/larq_export.py`) folded by the
/// library's folding into a model file, or refused with one line saying why.
struct ImportCommand: Command {
  static let name = "import"
  static let abstract = "fold a Larq/Keras model (.npz from tools/larq-export) into a .bnn file"
  static let discussion = """
    Reads an import .npz (docs/IMPORT.md: model.json and float32 arrays, as
    tools/larq-export/larq_export.py writes it), folds BatchNorm + sign into integer
    thresholds with the same code the trainer uses, and writes a .bnn model file. The
    input map x*scale+offset is folded in: the model reads raw 8-bit pixels.

    Supported: dense and conv2d layers with binary (sign) weights and a sign input
    quantizer (none on the first layer, which reads the pixels); a bias; BatchNorm
    (center/scale on or off, any epsilon); 2x2 max pooling before or after the
    BatchNorm; flatten; a final dense (+ BatchNorm) (+ softmax) as the class scores.
    Refused, with the reason: 'same' padding that the engine cannot reproduce exactly
    (binary conv with pad_value 0.0; a first conv whose pad value is not pixel 0, e.g.
    zero padding of x/127.5-1), a sign on the model input, other layers, quantizers or
    options, non-finite parameters, missing or misshapen arrays, damaged files.
    """
  static let positionals = [
    Positional("MODEL.npz", role: .input, help: "an import .npz (docs/IMPORT.md)")
  ]

  let out = Option<String>.path("out", role: .output, help: "the .bnn model file to write")
  let json = SharedOptions.json

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {
    let path = arguments.positionals[0]
    let outPath = arguments[\.out]
    let imported: ImportedModel
    do { imported = try ModelImport.importModel(path: path) } catch { throw .runtime(error.description) }
    let definition = imported.definition
    let bytes: [UInt8]
    let model: Model
    do {
      bytes = try definition.serialized()
      model = try Model(bytes: bytes)
    } catch {
      throw .runtime(path + ": the folded model does not load: " + error.description)
    }
    try write(bytes, to: outPath)

    let input = definition.input
    let shape = String(input.height) + "x" + String(input.width) + "x" + String(input.channels)
    if arguments[\.json] {
      Console.out(
        JSON.object([
          ("model", .string(path)), ("out", .string(outPath)), ("file_bytes", .int(bytes.count)),
          ("format_version", .int(Int(definition.formatVersion))),
          ("model_name", imported.modelName.map { .string($0) } ?? .null),
          ("framework", imported.framework.map { .string($0) } ?? .null),
          (
            "input",
            .object([
              ("height", .int(input.height)), ("width", .int(input.width)), ("channels", .int(input.channels)),
              ("scale", .number(imported.scale)), ("offset", .number(imported.offset)),
              ("preprocess", imported.preprocess.map { .string($0) } ?? .null),
            ])
          ),
          ("labels", .array(definition.labels.map { .string($0) })),
          ("imported_layers", .array(imported.layers.map { .string($0) })),
          ("engine_layers", .array(model.layerSummaries.map { .string($0.kind.name) })),
        ]).text)
      return
    }
    let name = imported.modelName.map { " ('" + $0 + "'" + (imported.framework.map { ", " + $0 } ?? "") + ")" } ?? ""
    Console.out("imported   \(path)\(name)")
    Console.out(
      "input      \(shape) uint8 pixels, folded x*\(imported.scale)+\(imported.offset)"
        + (imported.preprocess.map { " (" + $0 + ")" } ?? ""))
    Console.out("classes    \(definition.labels.count): " + definition.labels.joined(separator: ", "))
    for (index, line) in imported.layers.enumerated() { Console.out("layer \(index)    " + line) }
    Console.out(
      "engine     "
        + model.layerSummaries.map { $0.kind.name + " " + $0.outputShape.description }
        .joined(separator: " -> "))
    Console.out("wrote      \(outPath) (\(bytes.count) bytes, format v\(definition.formatVersion))")
  }
}
