import BinaryNet

/// A network architecture as the tools accept it: a preset name or a layer spec.
///
/// Spec syntax (tokens joined by `-`):
/// - a plain number `N`: a dense layer of N outputs (the last one: the classes). For
///   MLPs the first number is the input size, e.g. `784-256-256-10`;
/// - `cN`: a 3x3 convolution with N output channels, stride 1, 'same' padding; options
///   follow: `kK` kernel K x K, `sS` stride S, `v` 'valid' padding (e.g. `c64k5s2v`);
/// - `p`: 2x2 max pooling (stride 2) after the preceding convolution, before its
///   BatchNorm.
///
/// A spec that starts with a convolution takes the image shape from the data.
public struct Architecture: Equatable, Sendable {
  public enum Layer: Equatable, Sendable {
    case convolution(channels: Int, geometry: Geometry, pool: Bool)
    case dense(outputs: Int)
  }

  /// Flat input size for MLP specs (`784` in `784-256-10`); nil for convolutional specs.
  public var inputSize: Int?
  public var layers: [Layer]

  /// Preset names and their specs (DESIGN.md's reference architectures).
  public static let presets: [(name: String, spec: String)] = [
    ("mlp-1024", "784-1024-1024-1024-10"),
    ("mlp-4096", "784-4096-4096-4096-10"),
    ("conv", "c32-c64-p-c128-p-256-10"),
  ]

  public var isConvolutional: Bool {
    layers.contains { if case .convolution = $0 { return true } else { return false } }
  }

  /// Number of classes (the last dense layer's outputs).
  public var classCount: Int {
    if case .dense(let n)? = layers.last { return n }
    return 0
  }

  /// Parses a preset name or a spec; errors are usage errors that show the syntax.
  public static func parse(_ text: String) throws(CLIError) -> Architecture {
    let spec = presets.first(where: { $0.name == text })?.spec ?? text
    let help =
      "unknown architecture '\(text)': use " + presets.map(\.name).joined(separator: ", ")
      + ", widths such as 784-256-256-10, or layers such as c32-c64-p-c128-p-256-10"
    let tokens = spec.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
    var architecture = Architecture(inputSize: nil, layers: [])
    for (index, token) in tokens.enumerated() {
      if let n = Int(token) {
        guard n >= 1, n <= 1 << 16 else { throw .usage(help) }
        if index == 0 { architecture.inputSize = n } else { architecture.layers.append(.dense(outputs: n)) }
      } else if token == "p" {
        guard case .convolution(let c, let g, false)? = architecture.layers.last else {
          throw .usage("'p' (max pooling) must follow a convolution, in '\(text)'")
        }
        architecture.layers[architecture.layers.count - 1] = .convolution(channels: c, geometry: g, pool: true)
      } else if token.first == "c" {
        guard let layer = parseConvolution(token.dropFirst()) else { throw .usage(help) }
        if index > 0, case .dense? = architecture.layers.last {
          throw .usage("convolutions must come before dense layers, in '\(text)'")
        }
        if architecture.inputSize != nil {
          throw .usage("an MLP input size cannot precede a convolution, in '\(text)'")
        }
        architecture.layers.append(layer)
      } else {
        throw .usage(help)
      }
    }
    guard case .dense? = architecture.layers.last else {
      throw .usage("the architecture must end with a dense layer (the classes), in '\(text)'")
    }
    guard architecture.isConvolutional || architecture.inputSize != nil, !architecture.layers.isEmpty else {
      throw .usage(help)
    }
    return architecture
  }

  /// `N[kK][sS][v]` after the `c`.
  static func parseConvolution(_ text: Substring) -> Layer? {
    var rest = text[...]
    func number() -> Int? {
      let digits = rest.prefix(while: { $0.isNumber })
      rest = rest.dropFirst(digits.count)
      return Int(digits)
    }
    guard let channels = number(), channels >= 1, channels <= 4096 else { return nil }
    var geometry = Geometry(kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
    while let option = rest.first {
      rest = rest.dropFirst()
      switch option {
      case "k":
        guard let k = number(), k >= 1, k <= 15 else { return nil }
        geometry.kernelHeight = k
        geometry.kernelWidth = k
      case "s":
        guard let s = number(), s >= 1, s <= 8 else { return nil }
        geometry.stride = s
      case "v": geometry.padding = .valid
      default: return nil
      }
    }
    return .convolution(channels: channels, geometry: geometry, pool: false)
  }

  /// The spec text (canonical form).
  public var spec: String {
    var tokens: [String] = inputSize.map { [String($0)] } ?? []
    for layer in layers {
      switch layer {
      case .dense(let n): tokens.append(String(n))
      case .convolution(let c, let g, let pool):
        var t = "c\(c)"
        if g.kernelHeight != 3 { t += "k\(g.kernelHeight)" }
        if g.stride != 1 { t += "s\(g.stride)" }
        if g.padding == .valid { t += "v" }
        tokens.append(t)
        if pool { tokens.append("p") }
      }
    }
    return tokens.joined(separator: "-")
  }

  /// The shape after each layer for an input image shape, or a usage error when a
  /// window does not fit or an MLP input size does not match the image.
  public func shapes(input: TensorShape) throws(CLIError) -> [TensorShape] {
    if let inputSize, inputSize != input.elementCount {
      throw .usage(
        "the architecture takes \(inputSize) inputs, but the images have \(input.elementCount) pixels (\(input))")
    }
    var shape = input
    var shapes: [TensorShape] = []
    for layer in layers {
      switch layer {
      case .dense(let n): shape = TensorShape(features: n)
      case .convolution(let c, let g, let pool):
        guard let out = g.outputShape(input: shape, channels: c),
          let pooled = pool ? Geometry.pool2x2.outputShape(input: out, channels: c) : out
        else { throw .usage("the convolution c\(c) does not fit its \(shape) input") }
        shape = pooled
      }
      shapes.append(shape)
    }
    return shapes
  }
}
