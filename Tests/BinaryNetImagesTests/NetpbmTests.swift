import BinaryNet
import BinaryNetImages
import Testing

/// PGM and PPM (P2, P3, P5, P6), maxval 1...65535, comments, strict sizes.
@Suite struct NetpbmTests {
  func decode(_ text: String, _ raster: [UInt8] = []) throws -> PixelImage {
    try ImageFile.decode(Array(text.utf8) + raster, name: "t.pnm")
  }

  func error(_ text: String, _ raster: [UInt8] = []) -> String {
    do {
      _ = try decode(text, raster)
      return "no error"
    } catch let error as ImageFileError {
      #expect(error.description.hasPrefix("t.pnm: "))
      return String(error.description.dropFirst(7))
    } catch {
      return "unexpected error \(error)"
    }
  }

  @Test func asciiAndBinaryGreyWithMaxval255() throws {
    let expected = PixelImage(width: 3, height: 2, channels: 1, pixels: [0, 7, 255, 128, 1, 2])
    #expect(try decode("P2\n# a comment\n3 2\n255\n0 7 255\n128 1 2\n") == expected)
    #expect(try decode("P5 3#c\n2 255\n", [0, 7, 255, 128, 1, 2]) == expected)
    #expect(try decode("P2\t3 2 255 0 7 255 128 1 2") == expected)  // no newline at the end
  }

  @Test func asciiAndBinaryColourWithMaxval255() throws {
    let expected = PixelImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 250, 251, 252])
    #expect(try decode("P3\n2 1\n255\n1 2 3  250 251 252\n") == expected)
    #expect(try decode("P6\n2 1\n255\n", [1, 2, 3, 250, 251, 252]) == expected)
  }

  /// 0...maxval to 0...255: (v * 255 + maxval / 2) / maxval.
  @Test func otherMaxvalsAreScaledAndRounded() throws {
    #expect(try decode("P2 4 1 15 0 1 8 15").pixels == [0, 17, 136, 255])
    #expect(try decode("P2 3 1 2 0 1 2").pixels == [0, 128, 255])
    #expect(try decode("P2 2 1 1 0 1").pixels == [0, 255])
    // 65535: two bytes a sample, big-endian; (v * 255 + 32767) / 65535.
    let samples: [UInt16] = [0, 128, 129, 32768, 65406, 65407, 65535]
    #expect(
      try decode("P5 7 1 65535\n", HandMadePNG.bytes16(samples)).pixels == [0, 0, 1, 128, 254, 255, 255])
    #expect(try decode("P2 7 1 65535 0 128 129 32768 65406 65407 65535").pixels == [0, 0, 1, 128, 254, 255, 255])
    #expect(
      try decode("P6 1 1 1000\n", [0x03, 0xE8, 0x01, 0xF4, 0x00, 0x02]).pixels == [255, 128, 1])
  }

  @Test func badHeadersAreRefused() {
    #expect(error("P5\n3\n") == "the header's height is missing or malformed")
    #expect(error("P5 3x2 255\n") == "the header's width is missing or malformed")
    #expect(error("P2 3 2 0\n0 0 0 0 0 0") == "maxval 0 is not supported (1...65535)")
    #expect(error("P2 3 2 65536\n0 0 0 0 0 0") == "maxval above 65535 is not supported (1...65535)")
    #expect(error("P5 2 2 255", []) == "no whitespace between maxval and the pixels")
    #expect(error("P5 0 2 255\n") == "image is 0x2, it has no pixels")
    #expect(
      error("P5 100000 100000 255\n")
        == "image is 100000x100000, larger than the limit of 67108864 pixels and 65535 on a side")
    #expect(
      error("P6 99999999999999999999 1 255\n")
        == "image is 1000001x1, larger than the limit of 67108864 pixels and 65535 on a side")
  }

  @Test func badRastersAreRefused() {
    #expect(
      error("P5 3 2 255\n", [1, 2, 3, 4, 5])
        == "the pixels are truncated: a 3x2 P5 image needs 6 bytes, the file has 5")
    #expect(
      error("P6 2 2 65535\n", [UInt8](repeating: 0, count: 23))
        == "the pixels are truncated: a 2x2 P6 image needs 24 bytes, the file has 23")
    #expect(
      error("P2 3 2 255\n1 2 3 4 5")
        == "the pixels are truncated: a 3x2 P2 image needs at least 11 bytes, the file has 10")
    #expect(error("P2 3 2 255\n1 2 3 4 5         ") == "the pixels are truncated: 5 of 6 samples")
    #expect(error("P2 3 2 255\n1 2 3 4 x 6  ") == "sample 4 of the P2 pixels is not a number")
    #expect(error("P2 3 2 200\n1 2 3 4 201 6") == "sample 4 is 201, above maxval 200")
    #expect(error("P2 1 1 255\n99999999999") == "sample 0 is above 65535, above maxval 255")
    #expect(error("P5 2 1 7\n", [7, 8]) == "sample 1 is 8, above maxval 7")
  }

  /// Bytes after the first image are ignored (Netpbm allows several images in a file).
  @Test func trailingBytesAreIgnored() throws {
    #expect(try decode("P5 1 1 255\n", [42, 1, 2, 3]).pixels == [42])
  }
}
