import CZlib
import Foundation
import Testing

@testable import MNISTLoader

/// Headers that announce more than the file holds: refused with a clear message before
/// anything that size is allocated, and never an arithmetic trap.
@Suite struct IDXBoundsTests {
  static func header(_ magic: UInt32, _ dimensions: [UInt32]) -> [UInt8] {
    ([magic] + dimensions).flatMap(IDXTestFiles.bigEndian)
  }

  @Test func dimensionsWhoseProductOverflowsAreRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    // Three dimensions of 2^28: the product is 2^84 (trapped with "arithmetic overflow").
    let path = try files.writePlain("huge", Self.header(0x803, [1 << 28, 1 << 28, 1 << 28]))
    #expect(
      throws: IDXError.badDimensions(
        path: path, detail: "268435456 images of 268435456x268435456 is too large (limit 4294967296 bytes)")
    ) { try loadIDXImages(path: path) }
  }

  @Test func plainFileSmallerThanItsHeaderIsRefusedBeforeAllocating() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    // 4096 images of 1024x1024 = 4 GiB announced, 20 bytes present.
    let path = try files.writePlain("images", Self.header(0x803, [4096, 1024, 1024]) + [1, 2, 3, 4])
    #expect(throws: IDXError.truncated(path: path, expectedBytes: 16 + (1 << 32), actualBytes: 20)) {
      try loadIDXImages(path: path)
    }
    let labels = try files.writePlain("labels", Self.header(0x801, [1 << 28]) + [1])
    #expect(throws: IDXError.truncated(path: labels, expectedBytes: 8 + (1 << 28), actualBytes: 9)) {
      try loadIDXLabels(path: labels)
    }
  }

  @Test func gzipStreamShorterThanItsHeaderIsRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let path = try files.writeGzip("images.gz", Self.header(0x803, [4096, 1024, 1024]) + [7, 7, 7])
    #expect(throws: IDXError.truncated(path: path, expectedBytes: 16 + (1 << 32), actualBytes: 19)) {
      try loadIDXImages(path: path)
    }
  }

  @Test func gzipStreamLongerThanItsHeaderStopsInflating() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    // 3 labels announced, 8 MiB of zeros follow (compresses to a few KiB).
    let bytes = Self.header(0x801, [3]) + [UInt8](repeating: 0, count: 8 << 20)
    let path = try files.writeGzip("labels.gz", bytes)
    #expect(throws: IDXError.trailingData(path: path, expectedBytes: 11)) {
      try loadIDXLabels(path: path)
    }
  }

  @Test func directoryIsRefusedByName() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    #expect(throws: IDXError.cannotOpen(path: files.directory, reason: "is a directory")) {
      try loadIDXImages(path: files.directory)
    }
    #expect(throws: IDXError.cannotOpen(path: files.directory, reason: "is a directory")) {
      try loadIDXLabels(path: files.directory)
    }
  }
}
