import BinaryNet
import Foundation
import Testing

@testable import BinaryNetData

/// Image folders read with the tests' own decoder (`TestImageFiles`).
@Suite struct ImageFolderTests {
  func load(_ path: String, options: DataSetOptions = DataSetOptions()) throws -> DataSet {
    try DataSet.load(path: path, options: options, decode: TestImageFiles.decode)
  }

  @Test func classesAreFolderNamesInByteOrderAndFilesAreSortedByName() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    // Byte order: upper case before lower case, "b" before "ba".
    for (name, value) in [("b", 1), ("Zebra", 2), ("ba", 3)] {
      try folder.write("set/train/\(name)/2.png", TestImageFiles.bytes(width: 2, height: 1, fill: UInt8(value)))
      try folder.write("set/train/\(name)/10.PNG", TestImageFiles.bytes(width: 2, height: 1, fill: UInt8(value + 10)))
      try folder.write("set/test/\(name)/x.jpeg", TestImageFiles.bytes(width: 2, height: 1, fill: UInt8(value + 20)))
    }
    let data = try load(folder.file("set"))
    #expect(data.kind == .imageFolder && data.name == "set" && !data.testIsSplit)
    #expect(data.classNames == ["Zebra", "b", "ba"])
    #expect(data.train.shape == TensorShape(height: 1, width: 2, channels: 1))
    #expect(data.train.labels == [0, 0, 1, 1, 2, 2])
    #expect(data.train.pixels == [12, 12, 2, 2, 11, 11, 1, 1, 13, 13, 3, 3])
    #expect(data.train.sources.first == folder.file("set/train/Zebra/10.PNG"))
    #expect(data.test.labels == [0, 1, 2] && data.test.pixels == [22, 22, 21, 21, 23, 23])
    #expect(data.notes.isEmpty)
  }

  @Test func hiddenFilesAreSkippedAndOtherFilesIgnoredWithANote() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let image = TestImageFiles.bytes(width: 1, height: 1, fill: 5)
    try folder.write("set/train/a/1.pgm", image)
    try folder.write("set/train/a/2.ppm", image)
    try folder.write("set/train/a/.hidden.png", [0])  // would fail to decode
    try folder.write("set/train/.cache/1.png", [0])  // a hidden folder is no class
    try folder.write("set/train/a/readme.txt", [0])
    try folder.write("set/train/README.md", [0])
    try folder.write("set/test/a/3.jpg", image)
    let data = try load(folder.file("set"))
    #expect(data.classNames == ["a"] && data.train.count == 2 && data.test.count == 1)
    #expect(data.notes == ["ignored 2 files that are not images (.png, .jpg, .jpeg, .pgm, .ppm) or class folders"])
  }

  @Test func withoutTestFolderTheSplitIsStratifiedAndReproducible() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    // Class sizes 10, 5, 2, 1: 20% holds out 2, 1, 1 (at least one), 0 (a single image stays).
    for (name, count) in [("a", 10), ("b", 5), ("c", 2), ("d", 1)] {
      for index in 0..<count {
        try folder.write(
          "set/train/\(name)/\(index).png", TestImageFiles.bytes(width: 1, height: 1, fill: UInt8(index)))
      }
    }
    let data = try load(folder.file("set"), options: DataSetOptions(splitSeed: 3))
    #expect(data.testIsSplit)
    let testCounts = (0..<4).map { label in data.test.labels.filter { $0 == label }.count }
    #expect(testCounts == [2, 1, 1, 0])
    #expect(data.train.count == 14)
    #expect(Set(data.train.sources).isDisjoint(with: data.test.sources))
    #expect(data.notes.contains("no test set given: held out 20% of each class as the test set (4 images, seed 3)"))
    let again = try load(folder.file("set"), options: DataSetOptions(splitSeed: 3))
    #expect(again.test.sources == data.test.sources && again.train.sources == data.train.sources)
    let others = try (4..<12).map { seed in
      try load(folder.file("set"), options: DataSetOptions(splitSeed: UInt64(seed))).test.sources
    }
    #expect(others.contains { $0 != data.test.sources })
  }

  @Test func anEmptyClassFolderIsAnErrorNamingIt() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("set/train/a/1.png", TestImageFiles.bytes(width: 1, height: 1, fill: 0))
    try folder.write("set/train/b/notes.txt", [0])
    expectLoadError(
      folder.file("set"), prefix: folder.file("set/train/b"), ["empty class folder"], decode: TestImageFiles.decode)
  }

  @Test func aTestClassThatTrainLacksIsAnErrorNamingIt() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("set/train/cat/1.png", TestImageFiles.bytes(width: 1, height: 1, fill: 0))
    try folder.write("set/test/dog/1.png", TestImageFiles.bytes(width: 1, height: 1, fill: 0))
    expectLoadError(
      folder.file("set"), prefix: folder.file("set/test/dog"), ["'dog'", "not a class of train/", "cat"],
      decode: TestImageFiles.decode)
  }

  @Test func moreThan256ClassesAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    for index in 0..<257 { try folder.makeFolder("set/train/class\(index)") }
    expectLoadError(
      folder.file("set"), prefix: folder.file("set/train"), ["257 class folders", "at most 256"],
      decode: TestImageFiles.decode)
  }

  @Test func differingSizesAreAnErrorNamingBothFiles() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("set/train/a/1.png", TestImageFiles.bytes(width: 4, height: 3, fill: 0))
    try folder.write("set/train/a/2.png", TestImageFiles.bytes(width: 4, height: 3, fill: 0))
    try folder.write("set/test/a/9.png", TestImageFiles.bytes(width: 5, height: 3, fill: 0))
    expectLoadError(
      folder.file("set"), prefix: folder.file("set/train/a/1.png"),
      ["is 3x4 but \(folder.file("set/test/a/9.png")) is 3x5", "give --size HxW to resize them all"],
      decode: TestImageFiles.decode)
  }

  @Test func greyAndColourMixedBecomeColourWithANote() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("set/train/a/1.png", TestImageFiles.bytes(width: 2, height: 1, channels: 1) { UInt8($0 + 1) })
    try folder.write("set/train/a/2.png", TestImageFiles.bytes(width: 2, height: 1, channels: 3) { UInt8($0 + 10) })
    try folder.write("set/test/a/3.png", TestImageFiles.bytes(width: 2, height: 1, channels: 1, fill: 7))
    let data = try load(folder.file("set"))
    #expect(data.train.shape == TensorShape(height: 1, width: 2, channels: 3))
    #expect(data.train.pixels == [1, 1, 1, 2, 2, 2, 10, 11, 12, 13, 14, 15])
    #expect(data.test.pixels == [UInt8](repeating: 7, count: 6))
    #expect(data.notes == ["converted 2 grey images to colour (the data set mixes grey and colour images)"])
  }

  @Test func decoderErrorsKeepTheFileName() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("set/train/a/1.png", TestImageFiles.bytes(width: 1, height: 1, fill: 0))
    try folder.write("set/train/a/2.png", [1, 2])
    expectLoadError(
      folder.file("set"), prefix: folder.file("set/train/a/2.png"), ["not a test image"], decode: TestImageFiles.decode)
  }

  @Test func decodedPixelsAreBoundedByABudget() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let paths = try (0..<4).map { try folder.write("\($0).png", TestImageFiles.bytes(width: 2, height: 2, fill: 1)) }
    let within = try decodeInParallel(
      paths, options: DataSetOptions(), budget: PixelBudget(limit: 16), decode: TestImageFiles.decode)
    #expect(within.count == 4)
    #expect {
      try decodeInParallel(
        paths, options: DataSetOptions(), budget: PixelBudget(limit: 15), decode: TestImageFiles.decode)
    } throws: { error in
      (error as? DataSetError)?.description.contains("give --size HxW to make them smaller") == true
    }
  }

  @Test func manyFilesDecodeInParallelInFileOrder() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    for index in 0..<600 {
      let name = String(repeating: "0", count: 3 - String(index).count) + String(index)
      try folder.write(
        "set/train/\(index % 3)/\(name).pgm", TestImageFiles.bytes(width: 1, height: 1, fill: UInt8(index % 251)))
    }
    try folder.makeFolder("set/test")
    try folder.write("set/test/1/x.pgm", TestImageFiles.bytes(width: 1, height: 1, fill: 0))
    let data = try load(folder.file("set"))
    let expected = (0..<3).flatMap { label in stride(from: label, to: 600, by: 3).map { UInt8($0 % 251) } }
    #expect(data.train.pixels == expected)
    #expect(data.test.labels == [1])
  }

  @Test func withSizeImagesAlreadyOfThatSizeAreKept() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("set/train/a/1.png", TestImageFiles.bytes(width: 3, height: 2, fill: 9))
    try folder.write("set/test/a/1.png", TestImageFiles.bytes(width: 3, height: 2, fill: 8))
    let data = try load(folder.file("set"), options: DataSetOptions(size: (height: 2, width: 3)))
    #expect(data.train.shape == TensorShape(height: 2, width: 3, channels: 1) && data.notes.isEmpty)
  }

  /// Runs once `PixelImage.resized` is implemented (the images helper's work, merged by the
  /// lead); until then it is a `fatalError` skeleton and this test is skipped, not passed.
  @Test
  func withSizeOtherSizesAreResizedWithANote() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    // Uniform images stay uniform under any resizing (area or bilinear).
    try folder.write("set/train/a/1.png", TestImageFiles.bytes(width: 8, height: 6, fill: 40))
    try folder.write("set/train/a/2.png", TestImageFiles.bytes(width: 4, height: 3, fill: 50))
    try folder.write("set/train/b/1.png", TestImageFiles.bytes(width: 2, height: 2, channels: 3, fill: 60))
    try folder.write("set/test/b/1.png", TestImageFiles.bytes(width: 5, height: 7, fill: 70))
    for method in ResizeMethod.allCases {
      let data = try load(
        folder.file("set"), options: DataSetOptions(size: (height: 3, width: 4), resizeMethod: method))
      #expect(data.train.shape == TensorShape(height: 3, width: 4, channels: 3))
      #expect(data.train.pixels == [40, 50, 60].flatMap { [UInt8](repeating: $0, count: 36) })
      #expect(data.test.pixels == [UInt8](repeating: 70, count: 36))
      #expect(data.notes.contains("resized 3 of 4 images to 3x4 (\(method.rawValue))"))
    }
  }
}
