/// The largest images and files `ImageFile` reads. Sizes come from a file's header and are
/// checked here before any pixel buffer is allocated, so a small file cannot claim a huge
/// image and exhaust memory.
public enum ImageSizeLimits {
  /// At most 2^26 = 67,108,864 pixels (8192 x 8192; a 3-channel image then takes 192 MiB).
  public static let maximumPixels = 1 << 26
  /// At most 65535 pixels on a side (PNG allows 2^31 - 1, JPEG 65500, Netpbm any).
  public static let maximumSide = 65535
  /// Files of at most 256 MiB are read.
  public static let maximumFileBytes = 256 << 20

  /// Refuses an empty image, or one over the limits, in words.
  static func check(width: Int, height: Int) throws(ImageCodecFailure) {
    guard width >= 1, height >= 1 else {
      throw ImageCodecFailure("image is \(width)x\(height), it has no pixels")
    }
    let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
    guard width <= maximumSide, height <= maximumSide, !overflow, pixels <= maximumPixels else {
      throw ImageCodecFailure(
        "image is \(width)x\(height), larger than the limit of \(maximumPixels) pixels "
          + "and \(maximumSide) on a side")
    }
  }
}
