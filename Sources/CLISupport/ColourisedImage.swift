import BinaryNet

/// A deterministic "coloured MNIST": every grey image gets its own random foreground
/// and background colour, seeded from a seed and the image's place, so the same seed
/// always gives the same colours.
///
/// - Seeding: image `index` of split `split` (0 train, 1 test) draws from SplitMix64
///   started at `seed &+ 0x9E3779B97F4A7C15 &* UInt64(2 * index + split + 1)`.
/// - Colours: each draw gives one colour, its low three bytes being R, G, B. The first
///   draw is the foreground, the next the background; the background is drawn again
///   until the two colours' BT.601 lumas `(299 R + 587 G + 114 B + 500) / 1000` differ by
///   at least `minimumContrast` (96), so the digit stays readable; after 64 draws without
///   one (practically never) the pair is white on black.
/// - Pixels: grey value `v` becomes, per channel, `bg + (fg - bg) * v / 255` rounded to
///   the nearest integer, computed exactly as `(bg * (255 - v) + fg * v + 127) / 255`
///   (no ties: 255 is odd). So `v = 0` is the background, `v = 255` the foreground.
public struct ColourisedImage {
  public static let minimumContrast = 96

  public var foreground: (r: UInt8, g: UInt8, b: UInt8)
  public var background: (r: UInt8, g: UInt8, b: UInt8)

  /// The colours of image `index` of `split` under `seed`.
  public init(seed: UInt64, split: Int, index: Int) {
    var generator = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(2 * index + split + 1))
    func colour() -> (r: UInt8, g: UInt8, b: UInt8) {
      let bits = generator.next()
      return (
        UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits)
      )
    }
    let foreground = colour()
    for _ in 0..<64 {
      let background = colour()
      if abs(ColourisedImage.luma(foreground) - ColourisedImage.luma(background)) >= ColourisedImage.minimumContrast {
        self.foreground = foreground
        self.background = background
        return
      }
    }
    self.foreground = (255, 255, 255)
    self.background = (0, 0, 0)
  }

  /// BT.601 luma in integers, as `PixelImage.converted(toChannels: 1)` computes it.
  public static func luma(_ c: (r: UInt8, g: UInt8, b: UInt8)) -> Int {
    (299 * Int(c.r) + 587 * Int(c.g) + 114 * Int(c.b) + 500) / 1000
  }

  /// `grey` (1 channel) coloured: 3 channels, `bg + (fg - bg) * v / 255` rounded.
  public func apply(to grey: PixelImage) -> PixelImage {
    precondition(grey.channels == 1, "only grey images are coloured")
    let fg = [Int(foreground.r), Int(foreground.g), Int(foreground.b)]
    let bg = [Int(background.r), Int(background.g), Int(background.b)]
    var pixels = [UInt8](repeating: 0, count: grey.pixels.count * 3)
    for (i, value) in grey.pixels.enumerated() {
      let v = Int(value)
      for c in 0..<3 { pixels[3 * i + c] = UInt8((bg[c] * (255 - v) + fg[c] * v + 127) / 255) }
    }
    return PixelImage(width: grey.width, height: grey.height, channels: 3, pixels: pixels)
  }
}
