import Testing

@testable import BinaryNetTraining

@Suite struct ShiftAugmentationTests {
  /// Every output pixel equals the input pixel `(r - dy, c - dx)` or 0 outside the frame,
  /// with the offsets the same RNG draws.
  @Test func shiftsMatchTheDefinition() {
    let (width, height) = (5, 4)
    var rng = Xoshiro256(seed: 21)
    let pixels: [UInt8] = (0..<(3 * width * height)).map { UInt8(1 + $0 % 250) }
    let input = Matrix(rows: 3, cols: width * height)
    let augmentation = ShiftAugmentation(maximum: 2, width: width, height: height)
    var predictor = rng
    pixels.withUnsafeBufferPointer {
      augmentation.loadShiftedInputs(
        pixels: $0.baseAddress!, indices: [2, 0, 1], into: input, rng: &rng)
    }
    #expect(predictor != rng)
    for (row, image) in [2, 0, 1].enumerated() {
      let dx = predictor.nextIndex(below: 5) - 2
      let dy = predictor.nextIndex(below: 5) - 2
      for r in 0..<height {
        for c in 0..<width {
          let (sr, sc) = (r - dy, c - dx)
          let expected: Float =
            (0..<height).contains(sr) && (0..<width).contains(sc)
            ? Float(pixels[image * width * height + sr * width + sc]) : 0
          #expect(input[row, r * width + c] == expected)
        }
      }
    }
    #expect(predictor == rng)
  }

  @Test func zeroShiftCopiesTheImage() {
    var rng = Xoshiro256(seed: 1)
    let pixels: [UInt8] = (0..<12).map { UInt8($0 * 20) }
    let input = Matrix(rows: 1, cols: 12)
    pixels.withUnsafeBufferPointer {
      ShiftAugmentation(maximum: 0, width: 4, height: 3)
        .loadShiftedInputs(pixels: $0.baseAddress!, indices: [0], into: input, rng: &rng)
    }
    #expect(input.values == pixels.map(Float.init))
  }
}
