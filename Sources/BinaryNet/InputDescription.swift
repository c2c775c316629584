/// What a model takes as input: an image of `height x width x channels` 8-bit pixels
/// (HWC order), and the normalisation the trainer applied before the first layer.
///
/// The normalisation `x * scale + offset` is affine, so folding absorbs it into the
/// first layer's thresholds; at inference the engine works on the raw 8-bit pixels.
/// It is stored so that importers and tools can describe the model.
public struct InputDescription: Equatable, Sendable {
  public var width: Int
  public var height: Int
  public var channels: Int
  public var scale: Float
  public var offset: Float

  public init(width: Int, height: Int, channels: Int = 1, scale: Float = 1 / 255, offset: Float = 0) {
    self.width = width
    self.height = height
    self.channels = channels
    self.scale = scale
    self.offset = offset
  }

  /// Bytes per image: `width * height * channels`.
  public var pixelCount: Int { width * height * channels }
}
