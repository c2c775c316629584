import BinaryNet

/// Random changes to training images, cheap regularisers (validation and test images are
/// never changed):
///
/// - a horizontal flip (`flip`): image `i` in epoch `e` is mirrored when
///   `flipsImage(i, epoch: e)` says so, a coin toss hashed from the seed, the epoch and the
///   image's index, so it does not depend on the order or the thread that loads images;
/// - a translation (`shiftMaximum > 0`): image `i` is moved by `(dx_i, dy_i)`, uniform in
///   `-maximum...maximum`, drawn from the trainer's RNG in batch order; pixels shifted in
///   from outside the frame are 0 (background), all channels of a pixel move together.
///
/// With `m(c) = width - 1 - c` when the image is flipped and `m(c) = c` otherwise:
///
///     out[r][c][k] = in[r - dy][m(c - dx)][k]   inside the frame, else 0
public struct ImageAugmentation: Sendable {
  public var shiftMaximum: Int
  public var flip: Bool
  public var shape: TensorShape
  /// Seed of the flips (the run's seed).
  public var seed: UInt64

  public init(shiftMaximum: Int, flip: Bool, shape: TensorShape, seed: UInt64) {
    self.shiftMaximum = shiftMaximum
    self.flip = flip
    self.shape = shape
    self.seed = seed
  }

  /// Whether image `image` is mirrored in (0-based) epoch `epoch`: false without `flip`.
  public func flipsImage(_ image: Int, epoch: Int) -> Bool {
    guard flip else { return false }
    // h = F(seed ^ tag), then h = F((h + c) ^ epoch), h = F((h + c) ^ image); F = SplitMix64.finalize.
    let c: UInt64 = 0x9E37_79B9_7F4A_7C15
    var hash = SplitMix64.finalize(seed ^ 0xF11B_0000_0000_0000)
    hash = SplitMix64.finalize((hash &+ c) ^ UInt64(epoch))
    hash = SplitMix64.finalize((hash &+ c) ^ UInt64(image))
    return hash & 1 == 1
  }

  /// Writes the augmented raw pixels of images `indices` into the rows of `input`, drawing
  /// the shifts (when `shiftMaximum > 0`) from `rng` in the order of `indices`.
  public func loadInputs(
    pixels: UnsafePointer<UInt8>, indices: some Collection<Int>, epoch: Int, into input: Matrix,
    rng: inout Xoshiro256
  ) {
    let (width, height, channels) = (shape.width, shape.height, shape.channels)
    let size = shape.elementCount
    precondition(input.cols == size && input.rows >= indices.count)
    for (row, image) in indices.enumerated() {
      var (dx, dy) = (0, 0)
      if shiftMaximum > 0 {
        dx = rng.nextIndex(below: 2 * shiftMaximum + 1) - shiftMaximum
        dy = rng.nextIndex(below: 2 * shiftMaximum + 1) - shiftMaximum
      }
      let mirrored = flipsImage(image, epoch: epoch)
      let source = pixels + image * size
      let target = input.row(row)
      target.update(repeating: 0, count: size)
      for r in max(0, dy)..<min(height, height + dy) {
        let from = source + (r - dy) * width * channels
        let to = target + r * width * channels
        for c in max(0, dx)..<min(width, width + dx) {
          let column = mirrored ? width - 1 - (c - dx) : c - dx
          for k in 0..<channels { to[c * channels + k] = Float(from[column * channels + k]) }
        }
      }
    }
  }
}
