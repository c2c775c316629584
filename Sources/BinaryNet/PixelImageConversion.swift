// SKELETON (interface agreed between helpers); the images helper implements it.

extension PixelImage {
  /// The image with `channels` channels: grey to RGB repeats the grey value; RGB to
  /// grey is the ITU-R BT.601 luma `(299 R + 587 G + 114 B + 500) / 1000`, in integers.
  public func converted(toChannels channels: Int) -> PixelImage {
    fatalError("not implemented yet")
  }

  /// The image resized to `width x height` with `method`.
  public func resized(width: Int, height: Int, method: ResizeMethod) -> PixelImage {
    fatalError("not implemented yet")
  }

  /// `255 - value` for every pixel (dark-on-light to MNIST's light-on-dark).
  public func inverted() -> PixelImage {
    fatalError("not implemented yet")
  }
}
