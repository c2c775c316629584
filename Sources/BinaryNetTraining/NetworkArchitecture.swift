import BinaryNet

/// The layers of a trainable binarized network on images of a given shape: convolutions
/// (each optionally followed by 2x2 max pooling before its BatchNorm), then dense layers
/// on the flattened HWC activations; the last dense layer's outputs are the classes.
/// Every layer ends in BatchNorm; hidden layers then `sign`.
///
/// Stored in checkpoints (JSON), hence plain `Codable` fields.
public struct NetworkArchitecture: Codable, Equatable, Sendable, CustomStringConvertible {
  /// Spatial padding of a convolution (`BinaryNet.Padding`).
  public enum PaddingMode: String, Codable, Sendable {
    case same, valid
  }

  public enum Layer: Codable, Equatable, Sendable {
    /// A `kernel x kernel` convolution with `channels` outputs.
    case convolution(channels: Int, kernel: Int, stride: Int, padding: PaddingMode, pool: Bool)
    /// A dense layer of `outputs` neurons over the whole (flattened) previous activation.
    case dense(outputs: Int)
  }

  /// Input image height, width and channels.
  public var inputHeight: Int
  public var inputWidth: Int
  public var inputChannels: Int
  public var layers: [Layer]

  public init(input: TensorShape, layers: [Layer]) {
    inputHeight = input.height
    inputWidth = input.width
    inputChannels = input.channels
    self.layers = layers
  }

  /// A binarized MLP: dense layers of `widths` outputs on images of shape `input`.
  public static func mlp(input: TensorShape, widths: [Int]) -> NetworkArchitecture {
    NetworkArchitecture(input: input, layers: widths.map { .dense(outputs: $0) })
  }

  public var input: TensorShape {
    TensorShape(height: inputHeight, width: inputWidth, channels: inputChannels)
  }

  public var isConvolutional: Bool {
    layers.contains { if case .convolution = $0 { true } else { false } }
  }

  /// Number of classes (the last layer's outputs).
  public var classCount: Int {
    if case .dense(let n)? = layers.last { return n }
    return 0
  }

  /// Each layer's shapes and window, or nil when a window does not fit its input, a
  /// dense layer precedes a convolution, the last layer is not dense, or a size is not
  /// positive.
  public var layerGeometries: [LayerGeometry]? {
    guard case .dense? = layers.last, inputHeight > 0, inputWidth > 0, inputChannels > 0 else {
      return nil
    }
    var shape = input
    var result: [LayerGeometry] = []
    for layer in layers {
      let geometry: LayerGeometry?
      switch layer {
      case .convolution(let channels, let kernel, let stride, let padding, let pool):
        guard result.last?.isDense != true, channels > 0 else { return nil }
        geometry = LayerGeometry(
          input: shape, outputChannels: channels,
          window: Geometry(
            kernelHeight: kernel, kernelWidth: kernel, stride: stride,
            padding: padding == .same ? .same : .valid), pool: pool)
      case .dense(let outputs):
        guard outputs > 0 else { return nil }
        geometry = LayerGeometry(dense: shape, outputs: outputs)
      }
      guard let geometry else { return nil }
      result.append(geometry)
      shape = geometry.output
    }
    return result
  }

  /// Latent binary weights in all layers (0 if the layers do not fit).
  public var weightCount: Int {
    layerGeometries?.reduce(0) { $0 + $1.outputChannels * $1.dotLength } ?? 0
  }

  /// The layer spec in the syntax of `bnn-train --arch`: `c32-c64-p-c128-p-256-10` for
  /// convolutional nets, `784-1024-10` (input size first) for MLPs.
  public var spec: String {
    var tokens: [String] = isConvolutional ? [] : [String(input.elementCount)]
    for layer in layers {
      switch layer {
      case .dense(let n): tokens.append(String(n))
      case .convolution(let channels, let kernel, let stride, let padding, let pool):
        var token = "c\(channels)"
        if kernel != 3 { token += "k\(kernel)" }
        if stride != 1 { token += "s\(stride)" }
        if padding == .valid { token += "v" }
        tokens.append(token)
        if pool { tokens.append("p") }
      }
    }
    return tokens.joined(separator: "-")
  }

  public var description: String { "\(spec) on \(input) images" }
}
