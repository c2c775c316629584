/// Why an architecture spec was refused: a message that shows the syntax or names the
/// layer that does not fit.
public struct ArchitectureError: Error, Equatable, CustomStringConvertible {
  public var description: String

  public init(_ description: String) { self.description = description }
}

/// The text form of a `NetworkArchitecture`: a preset name or a layer spec.
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
extension NetworkArchitecture {
  /// Preset names and their specs (DESIGN.md's reference architectures).
  public static let presets: [(name: String, spec: String)] = [
    ("mlp-1024", "784-1024-1024-1024-10"),
    ("mlp-4096", "784-4096-4096-4096-10"),
    ("conv", "c32-c64-p-c128-p-256-10"),
  ]

  /// The spec grammar in words, for `--help` (lines of at most 70 columns): the presets,
  /// then each token.
  public static var specHelp: String {
    var text = "Presets:\n"
    for preset in presets {
      var name = preset.name
      while name.utf8.count < 10 { name += " " }
      text += "  " + name + preset.spec + "\n"
    }
    return text + """
      A spec is layers joined by '-'; the input shape comes from the data
      (28x28x1 for MNIST):
        N     a dense layer of N outputs (the last one: the
              classes; an MLP starts with its input size,
              e.g. 784-256-256-10)
        cN    a convolution with N output channels, 3x3,
              stride 1, 'same' padding; options after N:
              kK kernel KxK, sS stride S, v 'valid' padding
              (e.g. c64k5s2v)
        p     2x2 max pooling (stride 2) after the
              convolution before it, ahead of its BatchNorm
      Convolutions come first, dense layers follow on the flattened
      activations. Every layer has BatchNorm and sign (the last: BatchNorm
      and softmax); 'same' padding pads pixels with 0 in the first layer
      and activations with +1 in the others, as the engine does.
      """
  }

  /// Upper bounds of the spec's numbers.
  static let maxWidth = 1 << 16
  static let maxChannels = 4096
  static let maxKernel = 15
  static let maxStride = 8

  /// Parses a preset name or a spec for images of shape `input`. An MLP spec's leading
  /// input size must be the images' pixel count.
  public static func parse(_ text: String, input: TensorShape) throws(ArchitectureError) -> NetworkArchitecture {
    let (inputSize, layers) = try parseSpec(text)
    if let inputSize, inputSize != input.elementCount {
      throw ArchitectureError(
        "the architecture takes " + String(inputSize) + " inputs, but the images have "
          + String(input.elementCount) + " pixels (" + input.description + ")")
    }
    let architecture = NetworkArchitecture(input: input, layers: layers)
    guard architecture.layerGeometries != nil else {
      throw ArchitectureError(
        "the architecture " + architecture.spec + " does not fit " + input.description + " images")
    }
    return architecture
  }

  /// Checks the syntax of a preset name or spec and returns the input size an MLP spec
  /// starts with (`784` in `784-256-10`), nil for a convolutional spec.
  public static func declaredInputSize(_ text: String) throws(ArchitectureError) -> Int? {
    try parseSpec(text).inputSize
  }

  /// The spec text (canonical form): `c32-c64-p-c128-p-256-10` for convolutional nets,
  /// `784-1024-10` (input size first) for MLPs.
  public var spec: String {
    var tokens: [String] = isConvolutional ? [] : [String(input.elementCount)]
    for layer in layers {
      switch layer {
      case .dense(let n): tokens.append(String(n))
      case .convolution(let channels, let kernel, let stride, let padding, let pool):
        var token = "c" + String(channels)
        if kernel != 3 { token += "k" + String(kernel) }
        if stride != 1 { token += "s" + String(stride) }
        if padding == .valid { token += "v" }
        tokens.append(token)
        if pool { tokens.append("p") }
      }
    }
    var text = ""
    for (index, token) in tokens.enumerated() { text += (index == 0 ? "" : "-") + token }
    return text
  }

  /// The number of classes a preset name or spec ends with (its last dense layer).
  public static func declaredClassCount(_ text: String) throws(ArchitectureError) -> Int {
    let layers = try parseSpec(text).layers
    return NetworkArchitecture(input: TensorShape(features: 1), layers: layers).classCount
  }

  /// The canonical spec of a preset name or spec (`mlp-1024` -> `784-1024-1024-1024-10`),
  /// after checking its syntax.
  public static func canonicalSpec(_ text: String) throws(ArchitectureError) -> String {
    let (inputSize, layers) = try parseSpec(text)
    return NetworkArchitecture(input: TensorShape(features: inputSize ?? 1), layers: layers).spec
  }

  /// The preset name of a canonical spec (`conv` for `c32-c64-p-c128-p-256-10`), else the spec.
  public static func name(ofSpec spec: String) -> String {
    for preset in presets where preset.spec == spec { return preset.name }
    return spec
  }

  /// `name (spec)` for a preset's spec, the spec otherwise.
  public static func displayName(ofSpec spec: String) -> String {
    let name = name(ofSpec: spec)
    return name == spec ? spec : name + " (" + spec + ")"
  }

  // MARK: - Parsing

  private static func syntaxHelp(_ text: String) -> ArchitectureError {
    var names = ""
    for (index, preset) in presets.enumerated() { names += (index == 0 ? "" : ", ") + preset.name }
    return ArchitectureError(
      "unknown architecture '" + text + "': use " + names
        + ", widths such as 784-256-256-10, or layers such as c32-c64-p-c128-p-256-10")
  }

  /// The tokens of a preset or spec: the MLP input size, if any, and the layers.
  static func parseSpec(_ text: String) throws(ArchitectureError) -> (inputSize: Int?, layers: [Layer]) {
    var spec = text
    for preset in presets where preset.name == text { spec = preset.spec }
    var inputSize: Int? = nil
    var layers: [Layer] = []
    for (index, token) in splitTokens(spec).enumerated() {
      if let n = decimal(token[...]) {
        guard n >= 1, n <= maxWidth else { throw syntaxHelp(text) }
        if index == 0 { inputSize = n } else { layers.append(.dense(outputs: n)) }
      } else if token == [UInt8(ascii: "p")] {
        guard case .convolution(let c, let k, let s, let padding, false)? = layers.last else {
          throw ArchitectureError("'p' (max pooling) must follow a convolution, in '" + text + "'")
        }
        layers[layers.count - 1] = .convolution(channels: c, kernel: k, stride: s, padding: padding, pool: true)
      } else if token.first == UInt8(ascii: "c") {
        guard let layer = parseConvolution(token.dropFirst()) else { throw syntaxHelp(text) }
        if index > 0, case .dense? = layers.last {
          throw ArchitectureError("convolutions must come before dense layers, in '" + text + "'")
        }
        if inputSize != nil {
          throw ArchitectureError("an MLP input size cannot precede a convolution, in '" + text + "'")
        }
        layers.append(layer)
      } else {
        throw syntaxHelp(text)
      }
    }
    guard case .dense? = layers.last else {
      throw ArchitectureError("the architecture must end with a dense layer (the classes), in '" + text + "'")
    }
    let convolutional = NetworkArchitecture(input: TensorShape(features: 1), layers: layers).isConvolutional
    guard convolutional || inputSize != nil else { throw syntaxHelp(text) }
    return (inputSize, layers)
  }

  /// The `-`-separated tokens as UTF-8 bytes (empty tokens kept, so `784--10` is refused).
  private static func splitTokens(_ text: String) -> [[UInt8]] {
    var tokens: [[UInt8]] = [[]]
    for byte in text.utf8 {
      if byte == UInt8(ascii: "-") { tokens.append([]) } else { tokens[tokens.count - 1].append(byte) }
    }
    return tokens
  }

  /// A whole token of decimal digits (at most 9 of them), else nil.
  private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
    guard !digits.isEmpty, digits.count <= 9 else { return nil }
    var value = 0
    for d in digits {
      guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(d - UInt8(ascii: "0"))
    }
    return value
  }

  /// `N[kK][sS][v]` after the `c`.
  private static func parseConvolution(_ text: ArraySlice<UInt8>) -> Layer? {
    var rest = text
    func number() -> Int? {
      let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
      rest = rest.dropFirst(digits.count)
      return decimal(digits)
    }
    guard let channels = number(), channels >= 1, channels <= maxChannels else { return nil }
    var kernel = 3
    var stride = 1
    var padding = Padding.same
    while let option = rest.first {
      rest = rest.dropFirst()
      switch option {
      case UInt8(ascii: "k"):
        guard let k = number(), k >= 1, k <= maxKernel else { return nil }
        kernel = k
      case UInt8(ascii: "s"):
        guard let s = number(), s >= 1, s <= maxStride else { return nil }
        stride = s
      case UInt8(ascii: "v"): padding = .valid
      default: return nil
      }
    }
    return .convolution(channels: channels, kernel: kernel, stride: stride, padding: padding, pool: false)
  }
}
