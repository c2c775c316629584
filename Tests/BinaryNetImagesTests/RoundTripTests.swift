import BinaryNet
import BinaryNetImages
import Testing

/// Images written by `ImageFile.write` and read back by `ImageFile.read`.
@Suite struct RoundTripTests {
  let folder = TemporaryFolder()

  /// A smooth image (gradients), which JPEG keeps close.
  func smoothImage(width: Int, height: Int, channels: Int) -> PixelImage {
    var pixels: [UInt8] = []
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<channels { pixels.append(UInt8(min(255, 10 + x * 4 + y * 3 + c * 20))) }
      }
    }
    return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
  }

  @Test func pngKeepsGreyAndRGBExactly() throws {
    for channels in [1, 3] {
      let image = PixelImage(
        width: 7, height: 5, channels: channels, pixels: testBytes(7 * 5 * channels, seed: UInt64(channels)))
      let path = folder.path + "/round-\(channels).png"
      try ImageFile.write(image, toFile: path, format: .png)
      #expect(try ImageFile.read(path: path) == image)
    }
  }

  @Test func netpbmKeepsPixelsAndConvertsChannels() throws {
    let grey = PixelImage(width: 6, height: 4, channels: 1, pixels: testBytes(24, seed: 9))
    let colour = PixelImage(width: 3, height: 2, channels: 3, pixels: testBytes(18, seed: 10))
    try ImageFile.write(grey, toFile: folder.path + "/g.pgm", format: .pgm)
    try ImageFile.write(colour, toFile: folder.path + "/c.ppm", format: .ppm)
    #expect(try ImageFile.read(path: folder.path + "/g.pgm") == grey)
    #expect(try ImageFile.read(path: folder.path + "/c.ppm") == colour)
    // PGM is always grey, PPM always colour.
    try ImageFile.write(colour, toFile: folder.path + "/c.pgm", format: .pgm)
    try ImageFile.write(grey, toFile: folder.path + "/g.ppm", format: .ppm)
    #expect(try ImageFile.read(path: folder.path + "/c.pgm") == colour.converted(toChannels: 1))
    #expect(try ImageFile.read(path: folder.path + "/g.ppm") == grey.converted(toChannels: 3))
    let bytes = try ImageFile.encode(grey, format: .pgm, name: "g")
    #expect(Array(bytes.prefix(11)) == Array("P5\n6 4\n255\n".utf8))
  }

  @Test func jpegStaysCloseAndKeepsItsChannelCount() throws {
    for channels in [1, 3] {
      let image = smoothImage(width: 32, height: 24, channels: channels)
      let path = folder.path + "/photo-\(channels).jpg"
      try ImageFile.write(image, toFile: path, format: .jpeg, quality: 95)
      let back = try ImageFile.read(path: path)
      #expect(back.width == 32 && back.height == 24 && back.channels == channels)
      let errors = zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
      let mean = Double(errors.reduce(0, +)) / Double(errors.count)
      #expect(mean < 3, "mean error \(mean)")
      #expect(errors.max()! <= 24, "largest error \(errors.max()!)")
    }
  }

  @Test func jpegQualityChangesTheSizeAndIsChecked() throws {
    let image = PixelImage(width: 40, height: 30, channels: 3, pixels: testBytes(40 * 30 * 3, seed: 4))
    let low = try ImageFile.encode(image, format: .jpeg, quality: 10, name: "q")
    let high = try ImageFile.encode(image, format: .jpeg, quality: 100, name: "q")
    #expect(low.count < high.count)
    #expect(low.starts(with: [0xFF, 0xD8, 0xFF]))
    for bad in [0, 101] {
      #expect {
        try ImageFile.write(image, toFile: folder.path + "/bad.jpg", format: .jpeg, quality: bad)
      } throws: { error in
        "\(error)" == folder.path + "/bad.jpg: JPEG quality \(bad) is outside 1...100"
      }
    }
  }

  @Test func theFormatComesFromTheBytesNotTheName() throws {
    let image = PixelImage(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
    let path = folder.path + "/really-a-png.jpg"
    try ImageFile.write(image, toFile: path, format: .png)
    #expect(try ImageFile.read(path: path) == image)
  }

  @Test func writingReplacesAFileAtomicallyAndNamesTheFileOnFailure() throws {
    let image = PixelImage(width: 1, height: 1, channels: 1, pixels: [9])
    let path = folder.path + "/again.png"
    try ImageFile.write(PixelImage(width: 1, height: 1, channels: 1, pixels: [1]), toFile: path, format: .png)
    try ImageFile.write(image, toFile: path, format: .png)
    #expect(try ImageFile.read(path: path) == image)
    let missing = folder.path + "/no/such/folder/x.png"
    #expect {
      try ImageFile.write(image, toFile: missing, format: .png)
    } throws: { error in
      "\(error)".hasPrefix(missing + ": cannot write: ")
    }
    #expect {
      try ImageFile.write(PixelImage(width: 0, height: 3, channels: 1, pixels: []), toFile: path, format: .png)
    } throws: { error in
      "\(error)" == path + ": cannot write an image of 0x3 pixels"
    }
  }

  @Test func extensionsNameFormats() {
    #expect(ImageFileFormat(pathExtensionOf: "a/b/photo.JPG") == .jpeg)
    #expect(ImageFileFormat(pathExtensionOf: "x.jpeg") == .jpeg)
    #expect(ImageFileFormat(pathExtensionOf: "x.Png") == .png)
    #expect(ImageFileFormat(pathExtensionOf: "digit.pgm") == .pgm)
    #expect(ImageFileFormat(pathExtensionOf: "c.ppm") == .ppm)
    #expect(ImageFileFormat(pathExtensionOf: "notes.txt") == nil)
    #expect(ImageFileFormat(pathExtensionOf: "folder.png/file") == nil)
    #expect(ImageFileFormat(pathExtensionOf: ".png") == nil)
    #expect(ImageFileFormat(pathExtensionOf: "png") == nil)
  }
}
