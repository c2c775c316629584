import Foundation
import Testing

@testable import MNISTLoader

/// Rank-4 IDX image files (N x H x W x C) and the IDX writer.
@Suite struct IDXChannelsTests {
  static func header(_ magic: UInt32, _ dimensions: [UInt32]) -> [UInt8] {
    ([magic] + dimensions).flatMap(IDXTestFiles.bigEndian)
  }

  static func colourImages() -> IDXImages {
    let count = 3
    let (rows, cols, channels) = (2, 5, 3)
    let pixels = (0..<(count * rows * cols * channels)).map { UInt8(truncatingIfNeeded: $0 * 13 + 1) }
    return IDXImages(count: count, rows: rows, cols: cols, channels: channels, pixels: pixels)
  }

  @Test func colourImagesRoundTripThroughRankFour() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let images = Self.colourImages()
    let bytes = encodeIDXImages(images)
    #expect(Array(bytes[0..<20]) == Self.header(0x804, [3, 2, 5, 3]))
    #expect(bytes.count == 20 + 90)
    let plain = try loadIDXImages(path: files.writePlain("colour", bytes))
    let gzipped = try loadIDXImages(path: files.writeGzip("colour.gz", bytes))
    #expect(plain == images)
    #expect(gzipped == images)
    #expect(plain.channels == 3 && plain.imageSize == 30)
  }

  @Test func greyImagesAndLabelsRoundTripThroughRankThree() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let images = IDXImages(count: 2, rows: 3, cols: 4, pixels: (0..<24).map { UInt8($0 * 9) })
    let bytes = encodeIDXImages(images)
    #expect(Array(bytes[0..<16]) == Self.header(0x803, [2, 3, 4]))
    #expect(bytes == Array(IDXTestFiles.imageBytes(count: 2, rows: 3, cols: 4).prefix(16)) + images.pixels)
    #expect(try loadIDXImages(path: files.writePlain("grey", bytes)) == images)
    let labels = IDXLabels(labels: [9, 0, 4])
    let labelBytes = encodeIDXLabels(labels)
    #expect(labelBytes == IDXTestFiles.labelBytes([9, 0, 4]))
    #expect(try loadIDXLabels(path: files.writePlain("labels", labelBytes)) == labels)
  }

  @Test func rankFourWithOneChannelReadsAsGrey() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let path = try files.writePlain("one", Self.header(0x804, [1, 2, 2, 1]) + [1, 2, 3, 4])
    let images = try loadIDXImages(path: path)
    #expect(images == IDXImages(count: 1, rows: 2, cols: 2, pixels: [1, 2, 3, 4]))
  }

  @Test(arguments: [0, 2, 4, 255]) func badChannelCountsAreRefused(channels: UInt32) throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let pixels = [UInt8](repeating: 5, count: 4 * Int(channels))
    let path = try files.writePlain("bad", Self.header(0x804, [1, 2, 2, channels]) + pixels)
    #expect(
      throws: IDXError.badDimensions(path: path, detail: "images have \(channels) channels, expected 1 or 3")
    ) { try loadIDXImages(path: path) }
  }

  @Test func rankFourSizesAreCheckedBeforeAllocating() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    // 2^28 x 2^28 x 2^28 x 3 overflows 64 bits.
    let huge = try files.writePlain("huge", Self.header(0x804, [1 << 28, 1 << 28, 1 << 28, 3]))
    #expect(
      throws: IDXError.badDimensions(
        path: huge, detail: "268435456 images of 268435456x268435456x3 is too large (limit 4294967296 bytes)")
    ) { try loadIDXImages(path: huge) }
    // 1024 x 1024 x 1024 x 3 = 3 GiB announced, 24 bytes present: refused by the file size.
    let short = try files.writePlain("short", Self.header(0x804, [1024, 1024, 1024, 3]) + [1, 2, 3, 4])
    #expect(throws: IDXError.truncated(path: short, expectedBytes: 20 + 3 << 30, actualBytes: 24)) {
      try loadIDXImages(path: short)
    }
    // The same as a gzip stream: the reader grows with what is there, then reports it.
    let gzipped = try files.writeGzip("short.gz", Self.header(0x804, [1024, 1024, 1024, 3]) + [1, 2, 3, 4])
    #expect(throws: IDXError.truncated(path: gzipped, expectedBytes: 20 + 3 << 30, actualBytes: 24)) {
      try loadIDXImages(path: gzipped)
    }
  }

  @Test func truncatedRankFourHeaderIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let path = try files.writePlain("header", Self.header(0x804, [1, 2, 2]))
    #expect(throws: IDXError.truncated(path: path, expectedBytes: 20, actualBytes: 16)) {
      try loadIDXImages(path: path)
    }
  }

  @Test func otherRanksAndTypesAreRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    // Rank 5, and rank 4 of signed bytes (0x0904).
    for magic: UInt32 in [0x805, 0x904] {
      let path = try files.writePlain("m\(magic)", Self.header(magic, [1, 1, 1, 1, 1]) + [0])
      #expect(throws: IDXError.badMagic(path: path, found: magic, expected: 0x803)) {
        try loadIDXImages(path: path)
      }
    }
  }

  @Test func dataSetWithTrainAndTestOfDifferentChannelsIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let colour = Self.colourImages()
    let grey = IDXImages(count: 3, rows: 2, cols: 5, pixels: [UInt8](repeating: 1, count: 30))
    let labels = encodeIDXLabels(IDXLabels(labels: [0, 1, 2]))
    try files.writePlain("train-images-idx3-ubyte", encodeIDXImages(colour))
    try files.writePlain("train-labels-idx1-ubyte", labels)
    let test = try files.writePlain("t10k-images-idx3-ubyte", encodeIDXImages(grey))
    try files.writePlain("t10k-labels-idx1-ubyte", labels)
    #expect(throws: IDXError.channelMismatch(path: test, channels: 1, expectedChannels: 3)) {
      try Dataset.load(directory: files.directory, name: "mixed")
    }
    try files.writePlain("t10k-images-idx3-ubyte", encodeIDXImages(colour))
    let loaded = try Dataset.load(directory: files.directory, name: "colour")
    #expect(loaded.train.images == colour && loaded.test.images.channels == 3)
  }
}
