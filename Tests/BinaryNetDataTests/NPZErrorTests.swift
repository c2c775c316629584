import BinaryNet
import Testing

@testable import BinaryNetData

/// `.npz` archives and `.npy` files that must be refused with one line naming the file.
@Suite struct NPZErrorTests {
  /// Writes an archive of `x_train`/`y_train` (and test) arrays built by `edit` from a valid one.
  func write(
    _ folder: TestFolder, x: [UInt8]? = nil, y: [UInt8]? = nil, xTest: [UInt8]? = nil, yTest: [UInt8]? = nil
  ) throws -> String {
    var zip = ZipBytes()
    zip.add("x_train.npy", x ?? NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4]))
    zip.add("y_train.npy", y ?? NumPyBytes.npy(descr: "<i8", shape: [2], data: NumPyBytes.integers([0, 1], bytes: 8)))
    zip.add("x_test.npy", xTest ?? NumPyBytes.npy(descr: "|u1", shape: [1, 1, 2], data: [5, 6]))
    zip.add("y_test.npy", yTest ?? NumPyBytes.npy(descr: "<i8", shape: [1], data: NumPyBytes.integers([1], bytes: 8)))
    return try folder.write("data.npz", zip.bytes())
  }

  @Test func theValidBaseArchiveLoads() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    #expect(loadError(try write(folder)) == nil)
  }

  @Test func floatImagesAreRefusedNamingTheDtype() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try write(
      folder, x: NumPyBytes.npy(descr: "<f4", shape: [2, 1, 2], data: [UInt8](repeating: 0, count: 16)))
    expectLoadError(path, ["x_train", "<f4", "convert with x.astype('uint8')"])
  }

  @Test func fortranOrderIsRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try write(
      folder, x: NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4], fortranOrder: true))
    expectLoadError(path, ["x_train", "Fortran order"])
  }

  @Test func badImageShapesAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let fourChannels = try write(folder, x: NumPyBytes.npy(descr: "|u1", shape: [2, 1, 1, 4], data: Array(0..<8)))
    expectLoadError(fourChannels, ["x_train", "(2, 1, 1, 4)", "4 channels"])
    let flat = try write(folder, x: NumPyBytes.npy(descr: "|u1", shape: [2, 2], data: [1, 2, 3, 4]))
    expectLoadError(flat, ["x_train", "(2, 2)", "expected (N, H, W) or (N, H, W, C)"])
    let empty = try write(folder, x: NumPyBytes.npy(descr: "|u1", shape: [0, 1, 2], data: []))
    expectLoadError(empty, ["x_train", "no images"])
  }

  @Test func mismatchedCountsAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try write(
      folder, y: NumPyBytes.npy(descr: "<i8", shape: [3], data: NumPyBytes.integers([0, 1, 1], bytes: 8)))
    #expect(loadError(path) == "\(path): x_train holds 2 images but y_train holds 3 labels")
  }

  @Test func labelsOutsideZeroTo255AreRefusedNamingTheIndex() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let negative = try write(
      folder, y: NumPyBytes.npy(descr: "<i8", shape: [2], data: NumPyBytes.integers([0, -1], bytes: 8)))
    #expect(loadError(negative) == "\(negative): y_train[1] = -1 is not a class index (0...255)")
    let large = try write(
      folder,
      yTest: NumPyBytes.npy(descr: ">u2", shape: [1], data: NumPyBytes.integers([256], bytes: 2, bigEndian: true)))
    #expect(loadError(large) == "\(large): y_test[0] = 256 is not a class index (0...255)")
    let huge = try write(
      folder, y: NumPyBytes.npy(descr: "<u8", shape: [2], data: [UInt8](repeating: 0xff, count: 16)))
    #expect(loadError(huge) == "\(huge): y_train[0] = 18446744073709551615 is not a class index (0...255)")
  }

  @Test func badLabelDtypesAndShapesAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let floats = try write(folder, y: NumPyBytes.npy(descr: "<f8", shape: [2], data: [UInt8](repeating: 0, count: 16)))
    expectLoadError(floats, ["y_train", "<f8", "integers"])
    let matrix = try write(folder, y: NumPyBytes.npy(descr: "|u1", shape: [1, 2], data: [0, 1]))
    expectLoadError(matrix, ["y_train", "(1, 2)", "expected (N,) or (N, 1)"])
  }

  @Test func trainAndTestShapesMustAgree() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try write(folder, xTest: NumPyBytes.npy(descr: "|u1", shape: [1, 2, 1], data: [5, 6]))
    expectLoadError(path, ["x_test", "2x1x1", "x_train holds 1x2x1"])
  }

  @Test func halfATestSetIsRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = NPZLoadingTests.archive(trainLabels: [0, 1], testLabels: nil)
    zip.add("x_test.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 1, 1], data: [0]))
    let path = try folder.write("half.npz", zip.bytes())
    expectLoadError(path, ["no y_test", "x_train, y_train"])
    let noLabels = try folder.write(
      "nolabels.npz",
      {
        var zip = ZipBytes()
        zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 1, 1], data: [0]))
        return zip.bytes()
      }())
    expectLoadError(noLabels, ["no y_train", "it holds: x_train"])
  }

  @Test func tooFewClassNamesAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = NPZLoadingTests.archive(trainLabels: [0, 2], testLabels: [1])
    zip.add(
      "class_names.npy", NumPyBytes.npy(descr: "<U1", shape: [2], data: NumPyBytes.unicode(["a", "b"], width: 1)))
    expectLoadError(try folder.write("names.npz", zip.bytes()), ["class_names", "holds 2 names", "up to 2"])
  }

  @Test func aHeaderClaimingAHugeArrayIsRefusedBeforeAllocating() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try write(folder, x: NumPyBytes.npy(descr: "|u1", shape: [100_000, 100_000], data: [1, 2, 3, 4]))
    expectLoadError(path, ["x_train", "(100000, 100000)", "needs 10000000000 bytes", "holds 4"])
    let overflow = try write(
      folder, x: NumPyBytes.npy(descr: "<i8", shape: [1 << 40, 1 << 40, 1 << 40], data: [1, 2, 3, 4]))
    expectLoadError(overflow, ["x_train", "more than 2^63"])
  }

  @Test func broken_npyHeadersAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let garbage = try write(folder, x: Array("not an array".utf8))
    expectLoadError(garbage, ["x_train", "not a .npy array"])
    let version = try write(folder, x: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0])
    expectLoadError(version, ["x_train", "version 4"])
    let unterminated = try write(folder, x: NumPyBytes.npy(header: "{'descr': '|u1", data: []))
    expectLoadError(unterminated, ["x_train", "header that cannot be read", "unterminated string"])
    let noShape = try write(folder, x: NumPyBytes.npy(header: "{'descr': '|u1', 'fortran_order': False}", data: []))
    expectLoadError(noShape, ["x_train", "'shape'"])
    let structured = try write(
      folder, x: NumPyBytes.npy(header: "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,)}", data: []))
    expectLoadError(structured, ["x_train", "structured dtype"])
    let pickled = try write(folder, x: NumPyBytes.npy(descr: "|O", shape: [1], data: [0x80]))
    expectLoadError(pickled, ["x_train", "|O", "not supported"])
    let longHeader = try write(folder, x: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0x7f])
    expectLoadError(longHeader, ["x_train", "header", "limit"])
    let cut = try write(folder, x: Array(NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4])[..<40]))
    expectLoadError(cut, ["x_train", "truncated"])
  }

  @Test func aWrongCRCIsRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    for deflate in [false, true] {
      var zip = ZipBytes()
      zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4]), deflate: deflate)
      let path = try folder.write("crc.npz", zip.bytes { $0.crc ^= 1 })
      expectLoadError(path, ["corrupt ZIP entry x_train.npy", "CRC-32"])
    }
  }

  @Test func truncatedAndDamagedArchivesAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = ZipBytes()
    zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4]), deflate: true)
    let bytes = zip.bytes()
    let half = try folder.write("half.npz", Array(bytes[..<(bytes.count / 2)]))
    expectLoadError(half, ["corrupt ZIP", "truncated"])
    let tiny = try folder.write("tiny.npz", [0x50, 0x4b])
    expectLoadError(tiny, ["not a ZIP archive"])
    let notZip = try folder.write("text.npz", [UInt8](repeating: 0x41, count: 100))
    expectLoadError(notZip, ["not a ZIP archive"])
    // The entry's data reaches past the end of the file.
    let past = try folder.write("past.npz", zip.bytes { $0.compressedSize += 1000 })
    expectLoadError(past, ["x_train.npy", "past the end of the file"])
    // Deflate data cut short inside the archive.
    let short = try folder.write("short.npz", zip.bytes { $0.compressedSize -= 20 })
    expectLoadError(short, ["corrupt ZIP entry x_train.npy"])
    let badLocal = try folder.write("local.npz", zip.bytes { $0.localOffset += 3 })
    expectLoadError(badLocal, ["local header of entry x_train.npy"])
  }

  @Test func declaredSizesAreBoundedBeforeInflating() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = ZipBytes()
    zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4]), deflate: true)
    // A few hundred compressed bytes cannot hold 4 GiB - 2 bytes.
    let bomb = try folder.write("bomb.npz", zip.bytes { $0.uncompressedSize = 0xffff_fffe })
    expectLoadError(bomb, ["x_train.npy", "more than deflate can produce"])
    let more = try folder.write("more.npz", zip.bytes { $0.uncompressedSize -= 10 })
    expectLoadError(more, ["x_train.npy", "more than the recorded"])
    let fewer = try folder.write("fewer.npz", zip.bytes { $0.uncompressedSize += 10 })
    expectLoadError(fewer, ["x_train.npy", "not the recorded"])
    // Real zeros inflate to exactly what they claim: a large ratio is accepted when true.
    var zeros = ZipBytes()
    zeros.add(
      "x_train.npy",
      NumPyBytes.npy(descr: "|u1", shape: [1000, 32, 32], data: [UInt8](repeating: 0, count: 1_024_000)),
      deflate: true)
    zeros.add("y_train.npy", NumPyBytes.npy(descr: "|u1", shape: [1000], data: (0..<1000).map { UInt8($0 % 2) }))
    let data = try DataSet.load(path: folder.write("zeros.npz", zeros.bytes()))
    #expect(data.train.count + data.test.count == 1000)
  }

  @Test func unsupportedZipFeaturesAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = ZipBytes()
    zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2, 1, 2], data: [1, 2, 3, 4]))
    let bzip2 = try folder.write("bzip2.npz", zip.bytes { $0.method = 12 })
    expectLoadError(bzip2, ["x_train.npy", "compression method 12"])
    let encrypted = try folder.write("encrypted.npz", zip.bytes { $0.flags = 1 })
    expectLoadError(encrypted, ["x_train.npy", "encrypted"])
    let entry64 = try folder.write("entry64.npz", zip.bytes { $0.compressedSize = 0xffff_ffff })
    expectLoadError(entry64, ["zip64"])
    // A zip64 end-of-central-directory locator just before the end record.
    var archive = zip.bytes()
    let end = archive.count - 22
    archive.insert(contentsOf: le32(0x0706_4b50) + [UInt8](repeating: 0, count: 16), at: end)
    let zip64 = try folder.write("zip64.npz", archive)
    expectLoadError(zip64, ["zip64 archives", "not supported"])
  }
}

extension NPZErrorTests {
  /// Found by fuzz-npz: an entry name holding a newline made a two-line message.
  @Test func entryNamesInMessagesAreOneLine() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = ZipBytes()
    zip.add("x_train.npy\nnext line", NumPyBytes.npy(descr: "|u1", shape: [1, 1, 1], data: [0]), deflate: true)
    let path = try folder.write("names.npz", zip.bytes { $0.method = 12 })
    expectLoadError(path, ["entry x_train.npy\\nnext line uses compression method 12"])
    let missing = try folder.write("missing.npz", zip.bytes())
    expectLoadError(missing, ["no x_train array", "it holds: x_train.npy\\nnext line"])
  }
}
