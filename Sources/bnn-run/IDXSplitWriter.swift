import BinaryNet
import BinaryNetData
import BinaryNetImages
import CLISupport
import Foundation
import MNISTLoader

/// Writes the splits of a data set as IDX files in the MNIST layout: images rank 3
/// (N x H x W) when grey, rank 4 (N x H x W x C) when coloured, under the MNIST file names
/// whatever the rank, so every IDX loader finds them. Each file is written atomically.
struct IDXSplitWriter {
  var out: String
  var colourSeed: UInt64?

  /// Writes the first `limit` images of `set` in data-set order as `<stem>-images-idx3-ubyte`
  /// and `<stem>-labels-idx1-ubyte` (`stem`: train or t10k); returns how many.
  func export(_ set: LabeledImageSet, split: Int, stem: String, limit: Int) throws(CLIError) -> Int {
    let count = min(set.count, limit)
    var shape = set.shape
    var pixels: [UInt8]
    if let seed = colourSeed {
      shape = TensorShape(height: shape.height, width: shape.width, channels: 3)
      pixels = []
      pixels.reserveCapacity(count * shape.elementCount)
      for i in 0..<count {
        pixels += ColourisedImage(seed: seed, split: split, index: i).apply(to: set.image(i)).pixels
      }
    } else {
      pixels = Array(set.pixels[0..<(count * shape.elementCount)])
    }
    let images = IDXImages(
      count: count, rows: shape.height, cols: shape.width, channels: shape.channels, pixels: pixels)
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
      throw .runtime("\(out): cannot create the folder: \(error.localizedDescription)")
    }
    let folder = out as NSString
    try write(
      encodeIDXImages(images), to: folder.appendingPathComponent("\(stem)-images-idx3-ubyte"))
    try write(
      encodeIDXLabels(IDXLabels(labels: Array(set.labels[0..<count]))),
      to: folder.appendingPathComponent("\(stem)-labels-idx1-ubyte"))
    return count
  }
}
