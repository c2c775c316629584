/// An 8-bit image: `height x width x channels` pixels in HWC order (row by row, the
/// channels of a pixel side by side), `channels` 1 (grey) or 3 (RGB).
///
/// What a decoder produces, what `Model.classify(image:)` takes, and what the
/// conversions below (grey/colour, resizing, inversion) work on. Plain Swift: it is part
/// of the inference core and builds as Embedded Swift.
public struct PixelImage: Equatable, Sendable {
  public var width: Int
  public var height: Int
  public var channels: Int
  /// `width * height * channels` bytes, HWC.
  public var pixels: [UInt8]

  public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    precondition(width >= 0 && height >= 0 && (channels == 1 || channels == 3), "bad image shape")
    precondition(pixels.count == width * height * channels, "pixel count does not match the shape")
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }

  /// The shape as a tensor shape (`height x width x channels`).
  public var shape: TensorShape { TensorShape(height: height, width: width, channels: channels) }
}

/// How `PixelImage.resized` computes a pixel of the new size.
public enum ResizeMethod: String, Sendable, CaseIterable {
  /// Each output pixel is the mean of the input area it covers (fractional coverage
  /// weighted); the right choice for shrinking.
  case area
  /// Bilinear interpolation between the four nearest input pixel centres (half-pixel
  /// centres, edges clamped).
  case bilinear
}
