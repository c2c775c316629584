import BinaryNet
import Testing

@testable import BinaryNetData

/// `.npz` archives that load: the shapes, dtypes and layouts users save.
@Suite struct NPZLoadingTests {
  @Test func numpySavezLoadsGreyImagesWithInt64AndColumnLabels() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try folder.write("digits.npz", NumPyFixtures.savez)
    let data = try DataSet.load(path: path)
    #expect(data.kind == .npz && data.name == "digits" && data.path == path)
    #expect(data.train.shape == TensorShape(height: 3, width: 2, channels: 1))
    #expect(data.train.pixels == (0..<24).map { UInt8($0) })
    #expect(data.train.labels == [0, 1, 2, 1])
    #expect(data.test.pixels == (100..<112).map { UInt8($0) })
    #expect(data.test.labels == [2, 0])
    #expect(data.classNames == ["0", "1", "2"])
    #expect(data.test.sources == ["\(path):x_test#0", "\(path):x_test#1"])
    #expect(!data.testIsSplit && data.notes.isEmpty)
  }

  @Test func numpySavezCompressedLoadsColourWithBigEndianLabelsAndClassNames() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let data = try DataSet.load(path: folder.write("pets.npz", NumPyFixtures.savezCompressedColour))
    #expect(data.train.shape == TensorShape(height: 2, width: 2, channels: 3))
    #expect(data.train.pixels == (0..<36).map { UInt8($0) })
    #expect(data.train.labels == [1, 0, 1])
    #expect(data.test.pixels == [UInt8](repeating: 7, count: 12) && data.test.labels == [0])
    #expect(data.classNames == ["cat", "dog"])
  }

  @Test func handWrittenArchiveWithEveryLabelDtype() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let labels = [3, 0, 2]
    for (descr, bytes, bigEndian) in [
      ("|u1", 1, false), ("|i1", 1, false), ("<u2", 2, false), ("<i2", 2, false), ("<u4", 4, false),
      ("<i4", 4, false), ("<u8", 8, false), ("<i8", 8, false), (">u2", 2, true), (">i4", 4, true),
      (">i8", 8, true), (">u8", 8, true),
    ] {
      var zip = ZipBytes()
      zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [3, 1, 2], data: [1, 2, 3, 4, 5, 6]))
      zip.add(
        "y_train.npy",
        NumPyBytes.npy(
          descr: descr, shape: [3], data: NumPyBytes.integers(labels, bytes: bytes, bigEndian: bigEndian)),
        deflate: true)
      zip.add("x_test.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 1, 2], data: [9, 9]), deflate: true)
      zip.add(
        "y_test.npy",
        NumPyBytes.npy(descr: descr, shape: [1, 1], data: NumPyBytes.integers([1], bytes: bytes, bigEndian: bigEndian)))
      let data = try DataSet.load(path: folder.write("labels.npz", zip.bytes()))
      #expect(data.train.labels == [3, 0, 2], "\(descr)")
      #expect(data.test.labels == [1], "\(descr)")
      #expect(data.classCount == 4, "\(descr)")
    }
  }

  @Test func numpyStyleLocalHeadersAndVersion2And3HeadersLoad() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = ZipBytes()
    zip.numpyStyle = true
    zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2, 2, 2, 1], data: Array(0..<8), version: 2))
    zip.add(
      "y_train.npy",
      NumPyBytes.npy(descr: "<i8", shape: [2, 1], data: NumPyBytes.integers([0, 1], bytes: 8), version: 3))
    zip.add("x_test.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 2, 2, 1], data: [4, 3, 2, 1]), deflate: true)
    zip.add("y_test.npy", NumPyBytes.npy(descr: "<i8", shape: [1], data: NumPyBytes.integers([1], bytes: 8)))
    let data = try DataSet.load(path: folder.write("v2.npz", zip.bytes()))
    #expect(data.train.shape == TensorShape(height: 2, width: 2, channels: 1))
    #expect(data.train.pixels == Array(0..<8) && data.test.pixels == [4, 3, 2, 1])
  }

  @Test func classNamesGiveTheClassCountEvenAboveTheLargestLabel() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = Self.archive(trainLabels: [0, 1], testLabels: [0])
    zip.add(
      "class_names.npy",
      NumPyBytes.npy(descr: "<U5", shape: [3], data: NumPyBytes.unicode(["zéro", "one", "two"], width: 5)))
    let data = try DataSet.load(path: folder.write("names.npz", zip.bytes()))
    #expect(data.classNames == ["zéro", "one", "two"])
  }

  @Test func trainOnlyArchiveIsSplitStratifiedWithTheSeed() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let labels = (0..<50).map { $0 % 2 == 0 ? 0 : ($0 % 5 == 0 ? 2 : 1) }
    var zip = ZipBytes()
    zip.add("x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [50, 1, 1], data: (0..<50).map { UInt8($0) }))
    zip.add("y_train.npy", NumPyBytes.npy(descr: "<i8", shape: [50], data: NumPyBytes.integers(labels, bytes: 8)))
    let path = try folder.write("trainonly.npz", zip.bytes())
    let data = try DataSet.load(path: path, options: DataSetOptions(splitSeed: 7, testFraction: 0.2))
    #expect(data.testIsSplit)
    #expect(data.train.count + data.test.count == 50)
    // Class sizes 25, 20, 5 hold out 5, 4, 1.
    #expect(data.test.labels.filter { $0 == 0 }.count == 5)
    #expect(data.test.labels.filter { $0 == 1 }.count == 4)
    #expect(data.test.labels.filter { $0 == 2 }.count == 1)
    // Each image keeps its label and says where it came from.
    for index in 0..<data.test.count {
      let original = Int(data.test.pixels[index])
      #expect(Int(data.test.labels[index]) == labels[original])
      #expect(data.test.sources[index] == "\(path):x_train#\(original)")
    }
    #expect(data.notes.contains { $0.contains("20% of each class") && $0.contains("seed 7") })
    let again = try DataSet.load(path: path, options: DataSetOptions(splitSeed: 7, testFraction: 0.2))
    #expect(again.test.pixels == data.test.pixels)
    let other = try DataSet.load(path: path, options: DataSetOptions(splitSeed: 8, testFraction: 0.2))
    #expect(other.test.pixels != data.test.pixels)
  }

  @Test func npyFolderLoads() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("arrays/x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2, 1, 3, 3], data: Array(0..<18)))
    try folder.write(
      "arrays/y_train.npy", NumPyBytes.npy(descr: "<i4", shape: [2], data: NumPyBytes.integers([1, 0], bytes: 4)))
    try folder.write("arrays/x_test.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 1, 3, 3], data: Array(20..<29)))
    try folder.write(
      "arrays/y_test.npy", NumPyBytes.npy(descr: "<i4", shape: [1], data: NumPyBytes.integers([1], bytes: 4)))
    try folder.write(
      "arrays/class_names.npy", NumPyBytes.npy(descr: "|S3", shape: [2], data: Array("no\0yes".utf8)))
    let data = try DataSet.load(path: folder.file("arrays"))
    #expect(data.kind == .npy && data.name == "arrays")
    #expect(data.train.shape == TensorShape(height: 1, width: 3, channels: 3))
    #expect(data.test.pixels == Array(20..<29) && data.train.labels == [1, 0])
    #expect(data.classNames == ["no", "yes"])
    #expect(data.test.sources == [folder.file("arrays/x_test.npy") + "#0"])
  }

  @Test func npyFolderWithoutLabelsIsRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("arrays/x_train.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 1, 1], data: [0]))
    expectLoadError(folder.file("arrays"), ["no y_train.npy"])
  }

  @Test func aSizeOutsideTheLimitsIsRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try folder.write("digits.npz", NumPyFixtures.savez)
    for size in [(height: 0, width: 5), (height: 3, width: 70000)] {
      expectLoadError(
        path, prefix: "the image size must be between 1x1 and 65535x65535", [], options: DataSetOptions(size: size))
    }
    // The size the arrays already have changes nothing.
    let same = try DataSet.load(path: path, options: DataSetOptions(size: (height: 3, width: 2)))
    #expect(same.train.pixels == (0..<24).map { UInt8($0) } && same.notes.isEmpty)
  }

  @Test
  func arraysAreResizedToTheRequestedSize() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    var zip = ZipBytes()
    // Uniform images stay uniform under any resizing.
    zip.add(
      "x_train.npy",
      NumPyBytes.npy(
        descr: "|u1", shape: [2, 4, 6, 3], data: [UInt8](repeating: 9, count: 72) + [UInt8](repeating: 200, count: 72)))
    zip.add("y_train.npy", NumPyBytes.npy(descr: "|u1", shape: [2], data: [0, 1]))
    zip.add("x_test.npy", NumPyBytes.npy(descr: "|u1", shape: [1, 4, 6, 3], data: [UInt8](repeating: 50, count: 72)))
    zip.add("y_test.npy", NumPyBytes.npy(descr: "|u1", shape: [1], data: [1]))
    let path = try folder.write("colour.npz", zip.bytes())
    let data = try DataSet.load(path: path, options: DataSetOptions(size: (height: 2, width: 3)))
    #expect(data.train.shape == TensorShape(height: 2, width: 3, channels: 3))
    #expect(data.train.pixels == [UInt8](repeating: 9, count: 18) + [UInt8](repeating: 200, count: 18))
    #expect(data.test.pixels == [UInt8](repeating: 50, count: 18) && data.test.sources == ["\(path):x_test#0"])
    #expect(data.notes == ["resized all 3 images from 4x6 to 2x3 (area)"])
  }

  /// An archive of 1x1 grey images with the given labels (stored entries).
  static func archive(trainLabels: [Int], testLabels: [Int]?, labelDescr: String = "<i8") -> ZipBytes {
    var zip = ZipBytes()
    let size = labelDescr.hasSuffix("8") ? 8 : (labelDescr.hasSuffix("4") ? 4 : (labelDescr.hasSuffix("2") ? 2 : 1))
    zip.add(
      "x_train.npy",
      NumPyBytes.npy(
        descr: "|u1", shape: [trainLabels.count, 1, 1], data: trainLabels.map { UInt8(truncatingIfNeeded: $0) }))
    zip.add(
      "y_train.npy",
      NumPyBytes.npy(descr: labelDescr, shape: [trainLabels.count], data: NumPyBytes.integers(trainLabels, bytes: size))
    )
    if let testLabels {
      zip.add(
        "x_test.npy",
        NumPyBytes.npy(
          descr: "|u1", shape: [testLabels.count, 1, 1], data: testLabels.map { UInt8(truncatingIfNeeded: $0) }))
      zip.add(
        "y_test.npy",
        NumPyBytes.npy(descr: labelDescr, shape: [testLabels.count], data: NumPyBytes.integers(testLabels, bytes: size))
      )
    }
    return zip
  }
}
