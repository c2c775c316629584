import BinaryNet
import BinaryNetData
import CZlib
import Foundation
import Testing

/// IDX folders through `DataSet.load`, and the bundled MNIST.
@Suite struct IDXDataSetTests {
  static func imageBytes(count: Int, rows: Int, cols: Int) -> [UInt8] {
    var bytes = bigEndian(0x803) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols))
    for index in 0..<(count * rows * cols) { bytes.append(UInt8(truncatingIfNeeded: index * 7)) }
    return bytes
  }

  static func labelBytes(_ labels: [UInt8]) -> [UInt8] { bigEndian(0x801) + bigEndian(UInt32(labels.count)) + labels }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
  }

  static func gzip(_ bytes: [UInt8], to path: String) {
    let file = gzopen(path, "wb")!
    _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
  }

  @Test func anyImageSizeLoadsWithTheClassCountFromTheLabels() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("letters/train-images-idx3-ubyte", Self.imageBytes(count: 3, rows: 5, cols: 7))
    try folder.write("letters/train-labels-idx1-ubyte", Self.labelBytes([0, 4, 2]))
    try folder.makeFolder("letters")
    Self.gzip(Self.imageBytes(count: 2, rows: 5, cols: 7), to: folder.file("letters/t10k-images-idx3-ubyte.gz"))
    Self.gzip(Self.labelBytes([1, 1]), to: folder.file("letters/t10k-labels-idx1-ubyte.gz"))
    let data = try DataSet.load(path: folder.file("letters") + "/")
    #expect(data.kind == .idx && data.name == "letters")
    #expect(data.train.shape == TensorShape(height: 5, width: 7, channels: 1))
    #expect(data.train.count == 3 && data.test.count == 2)
    #expect(data.train.pixels == Array(Self.imageBytes(count: 3, rows: 5, cols: 7)[16...]))
    #expect(data.classNames == ["0", "1", "2", "3", "4"])
    #expect(data.test.sources[1] == folder.file("letters/t10k-images-idx3-ubyte.gz") + "#1")
  }

  /// Rank-4 IDX files (N x H x W x 3) load as H x W x 3, pixels HWC as stored.
  @Test func colourIDXLoadsWithThreeChannels() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    func colour(_ count: Int) -> [UInt8] {
      [0x804, UInt32(count), 4, 6, 3].flatMap(Self.bigEndian) + (0..<(count * 72)).map { UInt8($0 % 251) }
    }
    try folder.makeFolder("rgb")
    try folder.write("rgb/train-images-idx3-ubyte", colour(3))
    try folder.write("rgb/train-labels-idx1-ubyte", Self.labelBytes([0, 1, 2]))
    try folder.write("rgb/t10k-images-idx3-ubyte", colour(2))
    try folder.write("rgb/t10k-labels-idx1-ubyte", Self.labelBytes([2, 1]))
    let data = try DataSet.load(path: folder.file("rgb"))
    #expect(data.kind == .idx)
    #expect(data.train.shape == TensorShape(height: 4, width: 6, channels: 3) && data.test.shape == data.train.shape)
    #expect(data.train.pixels == Array(colour(3)[20...]))
    #expect(data.test.image(1).channels == 3 && data.test.image(1).pixels == Array(colour(2)[92...]))
  }

  @Test func fashionMNISTGetsClothingNames() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("fashion-mnist/train-images-idx3-ubyte", Self.imageBytes(count: 10, rows: 2, cols: 2))
    try folder.write("fashion-mnist/train-labels-idx1-ubyte", Self.labelBytes(Array(0..<10)))
    try folder.write("fashion-mnist/t10k-images-idx3-ubyte", Self.imageBytes(count: 1, rows: 2, cols: 2))
    try folder.write("fashion-mnist/t10k-labels-idx1-ubyte", Self.labelBytes([9]))
    let data = try DataSet.load(path: folder.file("fashion-mnist"))
    #expect(data.classNames.first == "T-shirt/top" && data.classNames.last == "Ankle boot")
  }

  @Test func idxErrorsNameTheFile() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    try folder.write("d/train-images-idx3-ubyte", Self.imageBytes(count: 3, rows: 2, cols: 2))
    try folder.write("d/train-labels-idx1-ubyte", Self.labelBytes([0, 1]))
    expectLoadError(
      folder.file("d"), prefix: folder.file("d/train-images-idx3-ubyte"), ["3 images", "2 labels"])
  }

  @Test func missingPathsAndUnrecognisedFoldersAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    #expect(loadError(folder.file("nothing")) == "\(folder.file("nothing")): no such file or folder")
    try folder.write("other/readme.txt", [0])
    let other = folder.file("other")
    #expect(
      loadError(other)
        == "\(other): not a data set: expected train/<class>/ image folders, a .npz, x_train.npy …, "
        + "or MNIST-layout IDX files")
    let text = try folder.write("notes.txt", Array("hello".utf8))
    expectLoadError(text, ["not a data set"])
  }

  @Test func theBundledMNISTLoads() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
    let start = Date()
    let data = try DataSet.load(path: root + "/datasets/mnist")
    let seconds = Date().timeIntervalSince(start)
    #expect(data.kind == .idx && data.name == "mnist")
    #expect(data.train.count == 60000 && data.test.count == 10000)
    #expect(data.train.shape == TensorShape(height: 28, width: 28, channels: 1))
    #expect(data.classCount == 10 && data.classNames == (0..<10).map(String.init))
    #expect(data.train.pixels.count == 60000 * 784)
    print("bundled MNIST through DataSet.load: \(String(format: "%.2f", seconds)) s")
  }
}
