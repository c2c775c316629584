/// Random translation of training images, a cheap regulariser for MNIST-like data:
/// image `i` is moved by `(dx_i, dy_i)`, uniform in `-maximum...maximum`, pixels shifted in
/// from outside the frame are 0 (background):
///
///     out[r][c] = in[r - dy][c - dx]   if 0 <= r - dy < height and 0 <= c - dx < width, else 0
public struct ShiftAugmentation: Sendable {
  public var maximum: Int
  public var width: Int
  public var height: Int

  public init(maximum: Int, width: Int, height: Int) {
    self.maximum = maximum
    self.width = width
    self.height = height
  }

  /// Draws one offset per image from `rng` (in image order, so runs are reproducible) and
  /// writes the shifted raw pixels of images `indices` into the rows of `input`.
  public func loadShiftedInputs(
    pixels: UnsafePointer<UInt8>, indices: some Collection<Int>, into input: Matrix,
    rng: inout Xoshiro256
  ) {
    let size = width * height
    precondition(input.cols == size && input.rows >= indices.count)
    for (row, image) in indices.enumerated() {
      let dx = rng.nextIndex(below: 2 * maximum + 1) - maximum
      let dy = rng.nextIndex(below: 2 * maximum + 1) - maximum
      let source = pixels + image * size
      let target = input.row(row)
      target.update(repeating: 0, count: size)
      let columns = max(0, dx)..<min(width, width + dx)
      for r in max(0, dy)..<min(height, height + dy) {
        let from = source + (r - dy) * width
        let to = target + r * width
        for c in columns { to[c] = Float(from[c - dx]) }
      }
    }
  }
}
