import BinaryNet

// Checkpoints store the architecture as JSON. The encoding is that of the trainer's
// former `NetworkArchitecture` struct (input height, width and channels, then the layers
// with padding as "same"/"valid"), so checkpoints written before the architecture moved
// into the inference core still resume. The conformance lives here because the core
// builds as Embedded Swift, which has no `Codable`; nothing else conforms this type.
extension NetworkArchitecture: Codable {
  private enum CodingKeys: String, CodingKey {
    case inputHeight, inputWidth, inputChannels, layers
  }

  /// The stored form of a layer: the shape of the former enum's synthesized coding.
  private enum StoredLayer: Codable {
    case convolution(channels: Int, kernel: Int, stride: Int, padding: String, pool: Bool)
    case dense(outputs: Int)
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let input = TensorShape(
      height: try container.decode(Int.self, forKey: .inputHeight),
      width: try container.decode(Int.self, forKey: .inputWidth),
      channels: try container.decode(Int.self, forKey: .inputChannels))
    var layers: [Layer] = []
    for stored in try container.decode([StoredLayer].self, forKey: .layers) {
      switch stored {
      case .dense(let outputs): layers.append(.dense(outputs: outputs))
      case .convolution(let channels, let kernel, let stride, let padding, let pool):
        guard let mode = ["same": Padding.same, "valid": Padding.valid][padding] else {
          throw DecodingError.dataCorruptedError(
            forKey: .layers, in: container, debugDescription: "unknown padding '\(padding)'")
        }
        layers.append(.convolution(channels: channels, kernel: kernel, stride: stride, padding: mode, pool: pool))
      }
    }
    self.init(input: input, layers: layers)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(input.height, forKey: .inputHeight)
    try container.encode(input.width, forKey: .inputWidth)
    try container.encode(input.channels, forKey: .inputChannels)
    let stored: [StoredLayer] = layers.map { layer in
      switch layer {
      case .dense(let outputs): return .dense(outputs: outputs)
      case .convolution(let channels, let kernel, let stride, let padding, let pool):
        return .convolution(channels: channels, kernel: kernel, stride: stride, padding: padding.name, pool: pool)
      }
    }
    try container.encode(stored, forKey: .layers)
  }
}
