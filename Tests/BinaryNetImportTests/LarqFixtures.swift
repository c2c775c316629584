import BinaryNet
import BinaryNetData
import MNISTLoader

/// The committed Larq fixtures (`Tests/Fixtures/larq`, made by
/// `tools/larq-export/make_fixtures.py`) and the first MNIST test images they were run on.
enum LarqFixtures {
  /// The repository root, from this file's path.
  static let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/BinaryNetImportTests/LarqFixtures.swift
    return parts.joined(separator: "/")
  }()

  static func path(_ name: String) -> String { root + "/Tests/Fixtures/larq/" + name }

  /// The first `count` images of MNIST's test set (what the fixtures' Keras outputs cover).
  static func mnistTestImages(count: Int) throws -> [UInt8] {
    let images = try loadIDXImages(path: root + "/datasets/mnist/t10k-images-idx3-ubyte.gz")
    return Array(images.pixels[0..<(count * images.imageSize)])
  }

  /// Keras' outputs on those images: `logits` [N, classes] and `predicted` [N].
  struct Expected {
    var logits: [Float]
    var predicted: [Int]
  }

  static func expected(_ name: String) throws -> Expected {
    let archive = try NumPyArchive(path: path(name + ".expected.npz"))
    guard let logits = try archive.array(named: "logits")?.float32Values(),
      let predicted = try archive.array(named: "predicted"), predicted.descr == "<i4"
    else { throw DataSetError("\(name).expected.npz: no float32 logits or int32 predictions") }
    let values = stride(from: 0, to: predicted.data.count, by: 4).map { i in
      Int(
        Int32(
          bitPattern: UInt32(predicted.data[i]) | UInt32(predicted.data[i + 1]) << 8
            | UInt32(predicted.data[i + 2]) << 16 | UInt32(predicted.data[i + 3]) << 24))
    }
    return Expected(logits: logits, predicted: values)
  }
}
