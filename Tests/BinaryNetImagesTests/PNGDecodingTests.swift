import BinaryNet
import BinaryNetImages
import Testing

/// PNG files made by hand (not by libpng) decode to the pixels the rules say.
@Suite struct PNGDecodingTests {
  func decode(_ bytes: [UInt8]) throws -> PixelImage { try ImageFile.decode(bytes, name: "test.png") }

  @Test func eightBitGreyAndRGBAsTheyAre() throws {
    let grey = testBytes(5 * 3, seed: 1)
    let greyFile = HandMadePNG.file(
      width: 5, height: 3, bitDepth: 8, colorType: HandMadePNG.grey,
      rows: (0..<3).map { Array(grey[($0 * 5)..<($0 * 5 + 5)]) })
    #expect(try decode(greyFile) == PixelImage(width: 5, height: 3, channels: 1, pixels: grey))

    let rgb = testBytes(4 * 2 * 3, seed: 2)
    let rgbFile = HandMadePNG.file(
      width: 4, height: 2, bitDepth: 8, colorType: HandMadePNG.rgb,
      rows: (0..<2).map { Array(rgb[($0 * 12)..<($0 * 12 + 12)]) })
    #expect(try decode(rgbFile) == PixelImage(width: 4, height: 2, channels: 3, pixels: rgb))
  }

  /// 16 bits to 8 by png_set_scale_16: round(v * 255 / 65535), i.e. round(v / 257).
  @Test func sixteenBitSamplesAreScaledAndRounded() throws {
    let samples: [UInt16] = [0, 128, 129, 257, 385, 386, 32767, 32768, 65278, 65406, 65407, 65535]
    let expected: [UInt8] = [0, 0, 1, 1, 1, 2, 127, 128, 254, 254, 255, 255]
    #expect(samples.map { UInt8((Int($0) * 255 + 32767) / 65535) } == expected)
    let file = HandMadePNG.file(
      width: 4, height: 3, bitDepth: 16, colorType: HandMadePNG.grey,
      rows: (0..<3).map { HandMadePNG.bytes16(Array(samples[($0 * 4)..<($0 * 4 + 4)])) })
    #expect(try decode(file) == PixelImage(width: 4, height: 3, channels: 1, pixels: expected))

    let rgb16 = HandMadePNG.file(
      width: 2, height: 2, bitDepth: 16, colorType: HandMadePNG.rgb,
      rows: [HandMadePNG.bytes16([0, 65535, 257, 512, 32768, 129]), HandMadePNG.bytes16([1, 2, 3, 4, 5, 6])])
    #expect(try decode(rgb16).pixels == [0, 255, 1, 2, 128, 1, 0, 0, 0, 0, 0, 0])
  }

  @Test func lowBitDepthGreyIsStretchedToEightBits() throws {
    // 1 bit: 0 -> 0, 1 -> 255; rows padded to whole bytes.
    let oneBit = HandMadePNG.file(
      width: 10, height: 2, bitDepth: 1, colorType: HandMadePNG.grey,
      rows: [[0b1010_0000, 0b0100_0000], [0xFF, 0xC0]])
    #expect(
      try decode(oneBit).pixels == [255, 0, 255, 0, 0, 0, 0, 0, 0, 255] + [UInt8](repeating: 255, count: 10))
    // 4 bits: v -> 17 v.
    let fourBit = HandMadePNG.file(
      width: 3, height: 1, bitDepth: 4, colorType: HandMadePNG.grey, rows: [[0x0F, 0x70]])
    #expect(try decode(fourBit).pixels == [0, 255, 119])
  }

  @Test func paletteIsExpandedToRGB() throws {
    let palette: [UInt8] = [10, 20, 30, 200, 100, 0, 255, 255, 255]
    let file = HandMadePNG.file(
      width: 3, height: 2, bitDepth: 8, colorType: HandMadePNG.palette, rows: [[0, 1, 2], [2, 2, 0]],
      palette: palette)
    let image = try decode(file)
    #expect(image.channels == 3)
    #expect(image.pixels == [10, 20, 30, 200, 100, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 10, 20, 30])
    // 2-bit indices, four a byte: 0 1 2 3 / 3 2 1 0.
    let small = HandMadePNG.file(
      width: 4, height: 2, bitDepth: 2, colorType: HandMadePNG.palette, rows: [[0b0001_1011], [0b1110_0100]],
      palette: palette + [1, 2, 3])
    let expanded = try decode(small)
    #expect(
      expanded.pixels == [
        10, 20, 30, 200, 100, 0, 255, 255, 255, 1, 2, 3, 1, 2, 3, 255, 255, 255, 200, 100, 0, 10, 20, 30,
      ])
  }

  /// tRNS gives palette entries an alpha, flattened onto white.
  @Test func paletteTransparencyIsFlattenedOntoWhite() throws {
    let palette: [UInt8] = [0, 0, 0, 200, 100, 0, 40, 80, 120]
    let alphas: [UInt8] = [0, 128]  // the third entry has no tRNS value: opaque
    let file = HandMadePNG.file(
      width: 3, height: 1, bitDepth: 8, colorType: HandMadePNG.palette, rows: [[0, 1, 2]], palette: palette,
      transparency: alphas)
    let image = try decode(file)
    let expected: [UInt8] =
      [255, 255, 255] + [200, 100, 0].map { flattenedOnWhite($0, 128) } + [40, 80, 120]
    #expect(image == PixelImage(width: 3, height: 1, channels: 3, pixels: expected))
    #expect(expected[3...5] == [227, 177, 127])  // (v 128 + 255 127 + 127) / 255, by hand
  }

  @Test func rgbaIsFlattenedToThreeChannels() throws {
    let row: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 128, 100, 150, 200, 64]
    let file = HandMadePNG.file(width: 4, height: 1, bitDepth: 8, colorType: HandMadePNG.rgba, rows: [row])
    let image = try decode(file)
    #expect(image.channels == 3)
    #expect(image.pixels == [255, 255, 255, 0, 0, 0, 127, 127, 127, 216, 229, 241])
  }

  @Test func greyAlphaIsFlattenedToOneChannel() throws {
    let file = HandMadePNG.file(
      width: 3, height: 2, bitDepth: 8, colorType: HandMadePNG.greyAlpha,
      rows: [[0, 0, 0, 255, 0, 128], [50, 10, 200, 250, 255, 1]])
    let image = try decode(file)
    #expect(image == PixelImage(width: 3, height: 2, channels: 1, pixels: [255, 0, 127, 247, 201, 255]))
    #expect(flattenedOnWhite(50, 10) == 247 && flattenedOnWhite(200, 250) == 201)
  }

  /// A grey tRNS names one grey value as fully transparent (white after flattening).
  @Test func greyTransparencyKeyBecomesWhite() throws {
    let file = HandMadePNG.file(
      width: 3, height: 1, bitDepth: 8, colorType: HandMadePNG.grey, rows: [[7, 8, 9]], transparency: [0, 8])
    #expect(try decode(file).pixels == [7, 255, 9])
  }

  @Test func interlacedImagesDecodeLikeTheirPlainForm() throws {
    for (width, height, colorType, channels) in [
      (9, 7, HandMadePNG.rgb, 3), (1, 5, HandMadePNG.grey, 1), (13, 2, HandMadePNG.grey, 1),
    ] {
      let pixels = testBytes(width * height * channels, seed: UInt64(width * 100 + height))
      let rows = (0..<height).map { Array(pixels[($0 * width * channels)..<(($0 + 1) * width * channels)]) }
      let plain = HandMadePNG.file(width: width, height: height, bitDepth: 8, colorType: colorType, rows: rows)
      let interlaced = HandMadePNG.file(
        width: width, height: height, bitDepth: 8, colorType: colorType, rows: rows, interlaced: true)
      #expect(interlaced != plain)
      let expected = PixelImage(width: width, height: height, channels: channels, pixels: pixels)
      #expect(try decode(plain) == expected)
      #expect(try decode(interlaced) == expected)
    }
    // Interlaced RGBA: de-interlaced, then flattened.
    let rgba: [[UInt8]] = [[10, 20, 30, 0, 40, 50, 60, 255], [70, 80, 90, 100, 1, 2, 3, 4]]
    let file = HandMadePNG.file(
      width: 2, height: 2, bitDepth: 8, colorType: HandMadePNG.rgba, rows: rgba, interlaced: true)
    let expected =
      [255, 255, 255, 40, 50, 60] + [70, 80, 90].map { flattenedOnWhite($0, 100) }
      + [1, 2, 3].map { flattenedOnWhite($0, 4) }
    #expect(try decode(file).pixels == expected)
  }
}
