/// The shape of an activation tensor in NHWC order (the batch axis is implicit).
///
/// Binary activations are channel-packed: each pixel holds `ceil(channels / 64)` words.
/// A dense layer's features are a `1 x 1 x features` tensor.
public struct TensorShape: Equatable, Sendable, CustomStringConvertible {
  public var height: Int
  public var width: Int
  public var channels: Int

  public init(height: Int, width: Int, channels: Int) {
    self.height = height
    self.width = width
    self.channels = channels
  }

  /// A flat feature vector (`1 x 1 x features`).
  public init(features: Int) { self.init(height: 1, width: 1, channels: features) }

  public var elementCount: Int { height * width * channels }

  /// Packed words per pixel: `ceil(channels / 64)`.
  public var wordsPerPixel: Int { BitPacking.words(forBits: channels) }

  /// Packed words of the whole tensor (one image).
  public var packedWords: Int { height * width * wordsPerPixel }

  public var description: String {
    if height == 1 && width == 1 { return String(channels) }
    return String(height) + "x" + String(width) + "x" + String(channels)
  }
}
