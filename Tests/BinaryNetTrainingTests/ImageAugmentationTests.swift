import BinaryNet
import Testing

@testable import BinaryNetTraining

@Suite struct ImageAugmentationTests {
  /// Every output pixel equals the input pixel `(r - dy, c - dx)` or 0 outside the frame,
  /// with the offsets the same RNG draws; all channels of a pixel move together.
  @Test(arguments: [1, 3])
  func shiftsMatchTheDefinition(channels: Int) {
    let (width, height) = (5, 4)
    let shape = TensorShape(height: height, width: width, channels: channels)
    let size = shape.elementCount
    var rng = Xoshiro256(seed: 21)
    let pixels: [UInt8] = (0..<(3 * size)).map { UInt8(1 + $0 % 250) }
    let input = Matrix(rows: 3, cols: size)
    let augmentation = ImageAugmentation(shiftMaximum: 2, flip: false, shape: shape, seed: 1)
    var predictor = rng
    pixels.withUnsafeBufferPointer {
      augmentation.loadInputs(pixels: $0.baseAddress!, indices: [2, 0, 1], epoch: 0, into: input, rng: &rng)
    }
    #expect(predictor != rng)
    for (row, image) in [2, 0, 1].enumerated() {
      let dx = predictor.nextIndex(below: 5) - 2
      let dy = predictor.nextIndex(below: 5) - 2
      for r in 0..<height {
        for c in 0..<width {
          for k in 0..<channels {
            let (sr, sc) = (r - dy, c - dx)
            let expected: Float =
              (0..<height).contains(sr) && (0..<width).contains(sc)
              ? Float(pixels[image * size + (sr * width + sc) * channels + k]) : 0
            #expect(input[row, (r * width + c) * channels + k] == expected)
          }
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
      ImageAugmentation(
        shiftMaximum: 0, flip: false, shape: TensorShape(height: 3, width: 4, channels: 1), seed: 1
      )
      .loadInputs(pixels: $0.baseAddress!, indices: [0], epoch: 0, into: input, rng: &rng)
    }
    #expect(input.values == pixels.map(Float.init))
  }

  /// A flipped colour image is the mirrored pixels (each pixel's channels kept in order);
  /// an image not flipped is copied; no RNG draw without a shift.
  @Test func flippedImageIsTheMirroredPixels() {
    let shape = TensorShape(height: 3, width: 4, channels: 3)
    let size = shape.elementCount
    let augmentation = ImageAugmentation(shiftMaximum: 0, flip: true, shape: shape, seed: 5)
    let images = 40
    let pixels: [UInt8] = (0..<(images * size)).map { UInt8(($0 * 7) % 256) }
    let input = Matrix(rows: images, cols: size)
    var rng = Xoshiro256(seed: 3)
    let untouched = rng
    pixels.withUnsafeBufferPointer {
      augmentation.loadInputs(pixels: $0.baseAddress!, indices: 0..<images, epoch: 2, into: input, rng: &rng)
    }
    #expect(rng == untouched)
    var flips = 0
    for image in 0..<images {
      let flipped = augmentation.flipsImage(image, epoch: 2)
      flips += flipped ? 1 : 0
      for r in 0..<3 {
        for c in 0..<4 {
          let source = flipped ? 3 - c : c
          for k in 0..<3 {
            let expected = Float(pixels[image * size + (r * 4 + source) * 3 + k])
            #expect(input[image, (r * 4 + c) * 3 + k] == expected)
          }
        }
      }
    }
    // A fair coin: 40 tosses give neither none nor all.
    #expect(flips > 5 && flips < 35, "\(flips) of \(images) flipped")
  }

  /// The flips depend on the seed, the epoch and the image only: not on the order images
  /// are loaded in, and they change from epoch to epoch.
  @Test func flipsAreSeededPerImageAndEpoch() {
    let shape = TensorShape(height: 2, width: 2, channels: 1)
    let a = ImageAugmentation(shiftMaximum: 0, flip: true, shape: shape, seed: 9)
    let b = ImageAugmentation(shiftMaximum: 0, flip: true, shape: shape, seed: 10)
    let epoch0 = (0..<200).map { a.flipsImage($0, epoch: 0) }
    #expect(epoch0 == (0..<200).map { a.flipsImage($0, epoch: 0) })
    #expect(epoch0 != (0..<200).map { a.flipsImage($0, epoch: 1) })
    #expect(epoch0 != (0..<200).map { b.flipsImage($0, epoch: 0) })
    let off = ImageAugmentation(shiftMaximum: 0, flip: false, shape: shape, seed: 9)
    #expect((0..<200).allSatisfy { !off.flipsImage($0, epoch: 0) })
  }
}
