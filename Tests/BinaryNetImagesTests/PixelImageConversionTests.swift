import BinaryNet
import Testing

/// The laws and hand-computed cases of `converted`, `inverted` and `resized`.
@Suite struct PixelImageConversionTests {
  func randomImage(_ width: Int, _ height: Int, _ channels: Int, seed: UInt64) -> PixelImage {
    PixelImage(
      width: width, height: height, channels: channels, pixels: testBytes(width * height * channels, seed: seed))
  }

  @Test func greyToRGBRepeatsAndComesBack() {
    let grey = randomImage(5, 3, 1, seed: 1)
    let rgb = grey.converted(toChannels: 3)
    #expect(rgb.channels == 3 && rgb.width == 5 && rgb.height == 3)
    #expect(rgb.pixels == grey.pixels.flatMap { [$0, $0, $0] })
    #expect(rgb.converted(toChannels: 1) == grey)
    #expect(grey.converted(toChannels: 1) == grey)
  }

  /// (299 R + 587 G + 114 B + 500) / 1000.
  @Test func rgbToGreyIsRoundedLuma() {
    let rgb = PixelImage(
      width: 5, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30])
    #expect(rgb.converted(toChannels: 1).pixels == [76, 150, 29, 255, 18])
  }

  @Test func invertingTwiceIsTheIdentity() {
    let image = randomImage(4, 6, 3, seed: 2)
    #expect(image.inverted().inverted() == image)
    #expect(PixelImage(width: 3, height: 1, channels: 1, pixels: [0, 100, 255]).inverted().pixels == [255, 155, 0])
  }

  @Test func resizingToTheSameSizeIsTheIdentity() {
    for method in ResizeMethod.allCases {
      for (w, h, c) in [(1, 1, 1), (7, 3, 3), (1, 9, 1), (8, 1, 3)] {
        let image = randomImage(w, h, c, seed: UInt64(w * 10 + h))
        #expect(image.resized(width: w, height: h, method: method) == image)
      }
    }
  }

  /// Shrinking by whole factors: each output pixel is the rounded mean of its block.
  @Test func areaWithWholeFactorsIsTheRoundedBlockMean() {
    for (w, h, fx, fy, c) in [(12, 8, 3, 4, 1), (6, 6, 2, 2, 3), (10, 1, 5, 1, 1), (1, 9, 1, 3, 3), (7, 5, 7, 5, 1)] {
      let image = randomImage(w, h, c, seed: UInt64(w * h + fx))
      let small = image.resized(width: w / fx, height: h / fy, method: .area)
      var expected: [UInt8] = []
      for y in 0..<(h / fy) {
        for x in 0..<(w / fx) {
          for ch in 0..<c {
            var sum = 0
            for j in 0..<fy {
              for i in 0..<fx { sum += Int(image.pixels[((y * fy + j) * w + x * fx + i) * c + ch]) }
            }
            let n = fx * fy
            expected.append(UInt8((2 * sum + n) / (2 * n)))  // round half up
          }
        }
      }
      #expect(small.width == w / fx && small.height == h / fy && small.channels == c)
      #expect(small.pixels == expected, "\(w)x\(h) by \(fx)x\(fy)")
    }
  }

  /// 5 -> 2 across: each output pixel covers 2.5 source pixels (weights 2, 2, 1 in halves).
  @Test func areaWeighsFractionalCoverage() {
    let row = PixelImage(width: 5, height: 1, channels: 1, pixels: [10, 20, 30, 40, 50])
    #expect(row.resized(width: 2, height: 1, method: .area).pixels == [18, 42])
    let column = PixelImage(width: 1, height: 5, channels: 1, pixels: [10, 20, 30, 40, 50])
    #expect(column.resized(width: 1, height: 2, method: .area).pixels == [18, 42])
    // 3 -> 2: (2 a + 1 b) / 3 and (1 b + 2 c) / 3; 0, 1, 1 gives 1/3 -> 0 and 3/3 -> 1.
    #expect(
      PixelImage(width: 3, height: 1, channels: 1, pixels: [0, 1, 1]).resized(width: 2, height: 1, method: .area).pixels
        == [0, 1])
    // Enlarging by whole factors repeats each pixel.
    let two = PixelImage(width: 2, height: 1, channels: 1, pixels: [7, 200])
    #expect(two.resized(width: 4, height: 2, method: .area).pixels == [7, 7, 200, 200, 7, 7, 200, 200])
  }

  /// 2x2 -> 4x4 by hand: source x positions -0.25 (clamped to 0), 0.25, 0.75, 1.25
  /// (clamped to 1); likewise down.
  @Test func bilinearTwoByTwoToFourByFour() {
    let image = PixelImage(width: 2, height: 2, channels: 1, pixels: [0, 100, 200, 255])
    let expected: [UInt8] = [
      0, 25, 75, 100,
      50, 72, 117, 139,
      150, 167, 200, 216,
      200, 214, 241, 255,
    ]
    #expect(image.resized(width: 4, height: 4, method: .bilinear).pixels == expected)
  }

  @Test func bilinearNonSquareAndThinSizes() {
    // 1xN and Nx1: only one axis interpolates. 3 -> 2 samples at 0.25 and 1.75.
    let row = PixelImage(width: 3, height: 1, channels: 1, pixels: [0, 100, 200])
    #expect(row.resized(width: 2, height: 1, method: .bilinear).pixels == [25, 175])
    let column = PixelImage(width: 1, height: 3, channels: 3, pixels: [0, 0, 0, 100, 100, 100, 200, 200, 200])
    #expect(column.resized(width: 1, height: 2, method: .bilinear).pixels == [25, 25, 25, 175, 175, 175])
    // 1x1 to anything is constant; a constant image stays constant at any size.
    let dot = PixelImage(width: 1, height: 1, channels: 3, pixels: [9, 99, 199])
    #expect(
      dot.resized(width: 3, height: 2, method: .bilinear).pixels
        == Array(repeating: [9, 99, 199], count: 6).flatMap { $0 })
    let flat = PixelImage(width: 7, height: 3, channels: 1, pixels: [UInt8](repeating: 77, count: 21))
    for method in ResizeMethod.allCases {
      for (w, h) in [(2, 5), (13, 1), (1, 11), (28, 28)] {
        let resized = flat.resized(width: w, height: h, method: method)
        #expect(resized.width == w && resized.height == h)
        #expect(resized.pixels == [UInt8](repeating: 77, count: w * h), "\(method) \(w)x\(h)")
      }
    }
  }
}
