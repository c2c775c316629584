import BinaryNet
import BinaryNetImages
import Testing

/// Every bad input gives one line that names the file and says what is wrong; none crashes,
/// and sizes from headers are refused before pixels are allocated.
@Suite struct BadImageFileTests {
  let folder = TemporaryFolder()

  /// The error of reading `bytes` from a file called `name`.
  func readError(_ name: String, _ bytes: [UInt8]) -> String {
    let path = folder.file(name, bytes)
    do {
      _ = try ImageFile.read(path: path)
      return "no error"
    } catch {
      #expect(!error.description.contains("\n"))
      #expect(error.description.hasPrefix(path + ": "), "\(error.description)")
      return String(error.description.dropFirst(path.count + 2))
    }
  }

  var smallPNG: [UInt8] {
    HandMadePNG.file(
      width: 4, height: 4, bitDepth: 8, colorType: HandMadePNG.grey, rows: Array(repeating: [1, 2, 3, 4], count: 4))
  }

  var smallJPEG: [UInt8] {
    let image = PixelImage(width: 32, height: 32, channels: 3, pixels: testBytes(32 * 32 * 3, seed: 3))
    return try! ImageFile.encode(image, format: .jpeg, name: "jpeg")
  }

  @Test func textAndUnknownFilesAreNotImages() {
    #expect(readError("notes.jpg", Array("hello, this is text\n".utf8)) == "not a PNG, JPEG, PGM or PPM image")
    #expect(readError("bitmap.png", [0x42, 0x4D, 0, 0, 0, 0]) == "not a PNG, JPEG, PGM or PPM image")
    #expect(readError("p4.pgm", Array("P4\n1 1\n\u{0}".utf8)) == "not a PNG, JPEG, PGM or PPM image")
    #expect(readError("empty.png", []) == "empty file, not an image")
  }

  @Test func missingFilesAndFoldersAreNamed() {
    let missing = folder.path + "/missing.png"
    #expect {
      try ImageFile.read(path: missing)
    } throws: { error in
      "\(error)" == missing + ": cannot open: No such file or directory"
    }
    #expect {
      try ImageFile.read(path: folder.path)
    } throws: { error in
      "\(error)" == folder.path + ": cannot read: is a directory"
    }
  }

  @Test func corruptPNGsAreRefused() {
    var badCRC = smallPNG
    badCRC[badCRC.count - 16] ^= 0x55  // IDAT's CRC (IEND is the last 12 bytes)
    let crcError = readError("crc.png", badCRC)
    #expect(crcError == "invalid PNG file: IDAT: CRC error", "\(crcError)")

    var badPixel = smallPNG
    badPixel[badPixel.count - 28] ^= 0x55  // a pixel byte: CRC-32 and zlib's Adler-32 disagree
    #expect(readError("pixel.png", badPixel).hasPrefix("invalid PNG file: IDAT: "))

    var badHeaderCRC = smallPNG
    badHeaderCRC[29] ^= 1  // IHDR's CRC
    #expect(readError("ihdr.png", badHeaderCRC).contains("CRC"))

    let png = smallPNG
    let idatEnd = png.count - 12  // IEND is the last 12 bytes
    for cut in [9, 20, 33, 45, 60, idatEnd - 4] {
      let error = readError("cut.png", Array(png.prefix(cut)))
      #expect(error.hasPrefix("invalid PNG file: "), "cut at \(cut): \(error)")
    }
    #expect(readError("signature.png", Array(png.prefix(8))).hasPrefix("invalid PNG file: "))
    // All pixels there, only IEND missing: decoded (as browsers do).
    #expect(readError("no-end.png", Array(png.prefix(idatEnd))) == "no error")
  }

  @Test func pngWithoutPixelsIsRefused() {
    var zeroWidth = HandMadePNG.signature
    zeroWidth += HandMadePNG.chunk(
      "IHDR", HandMadePNG.header(width: 0, height: 4, bitDepth: 8, colorType: 0, interlaced: false))
    zeroWidth += HandMadePNG.chunk("IDAT", HandMadePNG.zlibStored([0, 0, 0, 0]))
    zeroWidth += HandMadePNG.chunk("IEND", [])
    #expect(readError("zero.png", zeroWidth).hasPrefix("invalid PNG file: "))
  }

  /// A valid IHDR (with its CRC) claiming 100000 x 100000, then a tiny IDAT: refused from
  /// the header, before 10^10 bytes would be allocated.
  @Test func hugePNGHeaderIsRefusedBeforeAllocation() {
    var file = HandMadePNG.signature
    file += HandMadePNG.chunk(
      "IHDR", HandMadePNG.header(width: 100_000, height: 100_000, bitDepth: 8, colorType: 2, interlaced: false))
    file += HandMadePNG.chunk("IDAT", HandMadePNG.zlibStored([0, 1, 2, 3]))
    file += HandMadePNG.chunk("IEND", [])
    #expect(
      readError("huge.png", file)
        == "image is 100000x100000, larger than the limit of 67108864 pixels and 65535 on a side")
    // Within each side's limit but over the pixel count.
    var wide = HandMadePNG.signature
    wide += HandMadePNG.chunk(
      "IHDR", HandMadePNG.header(width: 65535, height: 1025, bitDepth: 16, colorType: 6, interlaced: true))
    wide += HandMadePNG.chunk("IDAT", HandMadePNG.zlibStored([0]))
    #expect(readError("wide.png", wide).hasPrefix("image is 65535x1025, larger than the limit"))
  }

  /// A real JPEG whose SOF0 is patched to claim 65500 x 65500: refused from the header.
  @Test func hugeJPEGHeaderIsRefusedBeforeAllocation() throws {
    var jpeg = smallJPEG
    let sof = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
    // FF C0, length (2), precision (1), height (2), width (2).
    jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xFF, 0xDC, 0xFF, 0xDC])
    #expect(
      readError("huge.jpg", jpeg)
        == "image is 65500x65500, larger than the limit of 67108864 pixels and 65535 on a side")
  }

  @Test func truncatedAndCorruptJPEGsAreRefused() {
    let jpeg = smallJPEG
    let truncated = readError("cut.jpg", Array(jpeg.prefix(jpeg.count * 2 / 3)))
    #expect(truncated.hasPrefix("invalid JPEG file: ") && truncated.contains("Premature end"), "\(truncated)")
    #expect(readError("head.jpg", Array(jpeg.prefix(40))).hasPrefix("invalid JPEG file: "))
    #expect(readError("soi.jpg", [0xFF, 0xD8, 0xFF]).hasPrefix("invalid JPEG file: "))
    var badPrecision = jpeg
    if let sof = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) {
      badPrecision[sof + 4] = 7  // 7-bit samples
    }
    let precision = readError("precision.jpg", badPrecision)
    #expect(precision.hasPrefix("invalid JPEG file: ") && precision.contains("precision"), "\(precision)")
    // Zero height in SOF.
    var zero = jpeg
    if let sof = (0..<(zero.count - 1)).first(where: { zero[$0] == 0xFF && zero[$0 + 1] == 0xC0 }) {
      zero[sof + 5] = 0
      zero[sof + 6] = 0
    }
    #expect(readError("zero.jpg", zero).hasPrefix("invalid JPEG file: "))
  }

  /// A JPEG whose pixels are cut off before the end of the scan: an error, not grey rows.
  @Test func everyTruncationOfAJPEGIsAnError() {
    let jpeg = smallJPEG
    for cut in stride(from: 3, to: jpeg.count - 2, by: 97) {
      do {
        _ = try ImageFile.decode(Array(jpeg.prefix(cut)), name: "cut.jpg")
        Issue.record("a JPEG cut at \(cut) of \(jpeg.count) bytes decoded")
      } catch {
        #expect(error.description.hasPrefix("cut.jpg: invalid JPEG file: "))
      }
    }
  }
}
