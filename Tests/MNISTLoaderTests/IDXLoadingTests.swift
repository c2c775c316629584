import Foundation
import Testing

@testable import MNISTLoader

@Suite struct IDXLoadingTests {
  @Test func plainAndGzipFilesLoadTheSameImages() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let bytes = IDXTestFiles.imageBytes(count: 3, rows: 4, cols: 5)
    let plain = try loadIDXImages(path: files.writePlain("images", bytes))
    let gzipped = try loadIDXImages(path: files.writeGzip("images.gz", bytes))
    #expect(plain == gzipped)
    #expect(plain.count == 3 && plain.rows == 4 && plain.cols == 5)
    #expect(plain.imageSize == 20)
    #expect(plain.pixels == Array(bytes[16...]))
  }

  @Test func plainAndGzipFilesLoadTheSameLabels() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let bytes = IDXTestFiles.labelBytes([3, 1, 4, 1, 5, 9])
    let plain = try loadIDXLabels(path: files.writePlain("labels", bytes), classCount: 10)
    let gzipped = try loadIDXLabels(path: files.writeGzip("labels.gz", bytes))
    #expect(plain == gzipped)
    #expect(plain.labels == [3, 1, 4, 1, 5, 9])
  }

  @Test func zeroImagesIsValid() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let images = try loadIDXImages(
      path: files.writePlain("empty", IDXTestFiles.imageBytes(count: 0, rows: 28, cols: 28)))
    #expect(images.count == 0 && images.pixels.isEmpty)
  }

  @Test func truncatedPlainImageFileIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let bytes = IDXTestFiles.imageBytes(count: 3, rows: 4, cols: 5)
    let path = try files.writePlain("images", Array(bytes.dropLast(7)))
    #expect(throws: IDXError.truncated(path: path, expectedBytes: 76, actualBytes: 69)) {
      try loadIDXImages(path: path)
    }
  }

  @Test func truncatedHeaderIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let path = try files.writePlain(
      "images", Array(IDXTestFiles.imageBytes(count: 1, rows: 2, cols: 2)[..<10]))
    #expect(throws: IDXError.truncated(path: path, expectedBytes: 16, actualBytes: 10)) {
      try loadIDXImages(path: path)
    }
  }

  @Test func truncatedGzipFileIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    // Incompressible-ish content so the gzip stream is long enough to cut in the middle.
    var bytes = IDXTestFiles.imageBytes(count: 50, rows: 28, cols: 28)
    var state: UInt32 = 12345
    for index in 16..<bytes.count {
      state = state &* 1_664_525 &+ 1_013_904_223
      bytes[index] = UInt8(state >> 24)
    }
    let whole = try Data(contentsOf: URL(fileURLWithPath: files.writeGzip("whole.gz", bytes)))
    let path = try files.writePlain("cut.gz", Array(whole.prefix(whole.count / 2)))
    #expect(throws: IDXError.self) { try loadIDXImages(path: path) }
    do {
      _ = try loadIDXImages(path: path)
    } catch {
      #expect("\(error)".contains(path))
    }
  }

  @Test func corruptGzipFileIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let bytes = IDXTestFiles.labelBytes(Array(repeating: 1, count: 1000))
    var gz = try [UInt8](Data(contentsOf: URL(fileURLWithPath: files.writeGzip("l.gz", bytes))))
    gz[gz.count - 6] ^= 0xff  // inside the CRC-32 / length trailer
    let path = try files.writePlain("bad.gz", gz)
    #expect(throws: IDXError.self) { try loadIDXLabels(path: path) }
  }

  @Test func trailingBytesAreRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let path = try files.writePlain("labels", IDXTestFiles.labelBytes([1, 2, 3]) + [0])
    #expect(throws: IDXError.trailingData(path: path, expectedBytes: 11)) {
      try loadIDXLabels(path: path)
    }
  }

  @Test func wrongMagicIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let labels = try files.writePlain("labels", IDXTestFiles.labelBytes([1, 2]))
    #expect(throws: IDXError.badMagic(path: labels, found: 0x801, expected: 0x803)) {
      try loadIDXImages(path: labels)
    }
    let images = try files.writeGzip(
      "images.gz", IDXTestFiles.imageBytes(count: 1, rows: 2, cols: 2))
    #expect(throws: IDXError.badMagic(path: images, found: 0x803, expected: 0x801)) {
      try loadIDXLabels(path: images)
    }
    let message = IDXError.badMagic(path: labels, found: 0x801, expected: 0x803).description
    #expect(
      message == "\(labels) is not an IDX image file: magic 0x00000801, expected 0x00000803 (N x H x W) "
        + "or 0x00000804 (N x H x W x C)")
  }

  @Test func zeroAndHugeDimensionsAreRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let flat = try files.writePlain("flat", IDXTestFiles.imageBytes(count: 2, rows: 0, cols: 5))
    #expect(throws: IDXError.badDimensions(path: flat, detail: "images are 0x5")) {
      try loadIDXImages(path: flat)
    }
    var huge = IDXTestFiles.imageBytes(count: 0, rows: 1, cols: 1)
    huge.replaceSubrange(4..<8, with: IDXTestFiles.bigEndian(0xffff_ffff))
    let hugePath = try files.writePlain("huge", huge)
    #expect(throws: IDXError.self) { try loadIDXImages(path: hugePath) }
  }

  @Test func labelsOutOfRangeAreRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let path = try files.writeGzip("labels.gz", IDXTestFiles.labelBytes([0, 9, 10, 3]))
    #expect(throws: IDXError.labelOutOfRange(path: path, index: 2, label: 10, classCount: 10)) {
      try loadIDXLabels(path: path, classCount: 10)
    }
    #expect(try loadIDXLabels(path: path, classCount: 11).count == 4)
    #expect(try loadIDXLabels(path: path).count == 4)
  }

  @Test func missingFileIsRefusedWithItsPath() throws {
    let path = "/nonexistent-\(UUID().uuidString)/train-images-idx3-ubyte.gz"
    #expect(throws: IDXError.cannotOpen(path: path, reason: "No such file or directory")) {
      try loadIDXImages(path: path)
    }
  }

  @Test func imageLabelCountMismatchIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let images = try files.writePlain("i", IDXTestFiles.imageBytes(count: 3, rows: 2, cols: 2))
    let labels = try files.writePlain("l", IDXTestFiles.labelBytes([1, 2]))
    #expect(
      throws: IDXError.countMismatch(
        imagesPath: images, imageCount: 3, labelsPath: labels, labelCount: 2)
    ) {
      try LabeledImages.load(imagesPath: images, labelsPath: labels, classCount: 10)
    }
  }

  @Test func everyErrorDescribesItselfOnOneLineWithThePath() {
    let errors: [IDXError] = [
      .cannotOpen(path: "/p", reason: "r"), .readFailed(path: "/p", reason: "r"),
      .truncated(path: "/p", expectedBytes: 2, actualBytes: 1),
      .trailingData(path: "/p", expectedBytes: 1),
      .badMagic(path: "/p", found: 1, expected: 0x801), .badDimensions(path: "/p", detail: "d"),
      .labelOutOfRange(path: "/p", index: 0, label: 12, classCount: 10),
      .countMismatch(imagesPath: "/p", imageCount: 1, labelsPath: "/q", labelCount: 2),
      .shapeMismatch(path: "/p", rows: 1, cols: 1, expectedRows: 2, expectedCols: 2),
      .dataNotFound(name: "mnist", searched: ["/p"]),
    ]
    for error in errors {
      #expect(error.description.contains("/p"))
      #expect(!error.description.contains("\n"))
    }
  }
}
