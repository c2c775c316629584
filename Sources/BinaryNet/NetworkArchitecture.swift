/// The layers of a binarized network on images of a given shape, before training: the
/// one description of an architecture that the trainer, folding, `bnn-train --arch` and
/// `bnn-run bench --arch` share.
///
/// Convolutions come first (each optionally followed by 2x2 max pooling before its
/// BatchNorm), then dense layers on the flattened HWC activations; the last dense
/// layer's outputs are the classes. Every layer ends in BatchNorm; hidden layers then
/// `sign`. `ArchitectureSpec.swift` holds the text form (`c32-c64-p-c128-p-256-10`).
public struct NetworkArchitecture: Equatable, Sendable, CustomStringConvertible {
  public enum Layer: Equatable, Sendable {
    /// A `kernel x kernel` convolution with `channels` outputs.
    case convolution(channels: Int, kernel: Int, stride: Int, padding: Padding, pool: Bool)
    /// A dense layer of `outputs` neurons over the whole (flattened) previous activation.
    case dense(outputs: Int)
  }

  /// Input image height x width x channels.
  public var input: TensorShape
  public var layers: [Layer]

  public init(input: TensorShape, layers: [Layer]) {
    self.input = input
    self.layers = layers
  }

  /// A binarized MLP: dense layers of `widths` outputs on images of shape `input`.
  public static func mlp(input: TensorShape, widths: [Int]) -> NetworkArchitecture {
    var layers: [Layer] = []
    for width in widths { layers.append(.dense(outputs: width)) }
    return NetworkArchitecture(input: input, layers: layers)
  }

  public var isConvolutional: Bool {
    for layer in layers {
      if case .convolution = layer { return true }
    }
    return false
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
    guard case .dense? = layers.last, input.height > 0, input.width > 0, input.channels > 0 else {
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
          window: Geometry(kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding), pool: pool)
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
    guard let geometries = layerGeometries else { return 0 }
    var count = 0
    for g in geometries { count += g.outputChannels * g.dotLength }
    return count
  }

  public var description: String { spec + " on " + input.description + " images" }
}
