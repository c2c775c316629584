import Foundation

/// Images with one label each, plus the files they came from (for error messages).
public struct LabeledImages: Sendable {
  public var images: IDXImages
  public var labels: [UInt8]
  public var imagesPath: String
  public var labelsPath: String

  public init(images: IDXImages, labels: [UInt8], imagesPath: String, labelsPath: String) {
    precondition(images.count == labels.count)
    self.images = images
    self.labels = labels
    self.imagesPath = imagesPath
    self.labelsPath = labelsPath
  }

  public var count: Int { labels.count }

  /// Loads an image file and a label file and checks that they belong together:
  /// same item count, every label in `0..<classCount`.
  public static func load(
    imagesPath: String, labelsPath: String, classCount: Int
  ) throws(IDXError) -> LabeledImages {
    let images = try loadIDXImages(path: imagesPath)
    let labels = try loadIDXLabels(path: labelsPath, classCount: classCount)
    if images.count != labels.count {
      throw .countMismatch(
        imagesPath: imagesPath, imageCount: images.count,
        labelsPath: labelsPath, labelCount: labels.count)
    }
    return LabeledImages(
      images: images, labels: labels.labels, imagesPath: imagesPath, labelsPath: labelsPath)
  }
}

/// A data set in the MNIST layout: a folder holding `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`,
/// each gzip'd (`.gz`) or plain.
public struct Dataset: Sendable {
  public var name: String
  public var directory: String
  public var train: LabeledImages
  public var test: LabeledImages
  public var classCount: Int
  /// Human-readable class names, `classCount` of them.
  public var classNames: [String]

  /// The four files of the MNIST layout, without extension.
  public static let fileStems = (
    trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
    testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte"
  )

  /// Loads the four files from `directory`. `name` picks the class names
  /// (`fashion-mnist` gets clothing names; anything else gets "0", "1", ...).
  public static func load(
    directory: String, name: String, classCount: Int = 10
  ) throws(IDXError) -> Dataset {
    let stems = fileStems
    let train = try LabeledImages.load(
      imagesPath: resolveFile(stems.trainImages, in: directory),
      labelsPath: resolveFile(stems.trainLabels, in: directory), classCount: classCount)
    let test = try LabeledImages.load(
      imagesPath: resolveFile(stems.testImages, in: directory),
      labelsPath: resolveFile(stems.testLabels, in: directory), classCount: classCount)
    if test.images.rows != train.images.rows || test.images.cols != train.images.cols {
      throw .shapeMismatch(
        path: test.imagesPath, rows: test.images.rows, cols: test.images.cols,
        expectedRows: train.images.rows, expectedCols: train.images.cols)
    }
    if test.images.channels != train.images.channels {
      throw .channelMismatch(
        path: test.imagesPath, channels: test.images.channels, expectedChannels: train.images.channels)
    }
    return Dataset(
      name: name, directory: directory, train: train, test: test, classCount: classCount,
      classNames: classNames(for: name, classCount: classCount))
  }

  /// Class names of the known data sets; digits for anything else.
  public static func classNames(for name: String, classCount: Int) -> [String] {
    let fashion = [
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    if name == "fashion-mnist" && classCount == fashion.count { return fashion }
    return (0..<classCount).map { String($0) }
  }

  /// The path of `stem` in `directory`: `stem.gz` if present, else `stem`, else the
  /// original MNIST spelling (`train-images.idx3-ubyte`). If none exists, returns
  /// `stem.gz` so that opening it reports a clear "no such file" error.
  public static func resolveFile(_ stem: String, in directory: String) -> String {
    let dotted = stem.replacingOccurrences(of: "-idx", with: ".idx")
    let candidates = [stem + ".gz", stem, dotted, dotted + ".gz"]
    for candidate in candidates {
      let path = (directory as NSString).appendingPathComponent(candidate)
      if FileManager.default.isReadableFile(atPath: path) { return path }
    }
    return (directory as NSString).appendingPathComponent(candidates[0])
  }

  /// Whether `directory` looks like a data set folder (holds the training images).
  public static func isDatasetDirectory(_ directory: String) -> Bool {
    let path = resolveFile(fileStems.trainImages, in: directory)
    return FileManager.default.isReadableFile(atPath: path)
  }
}
