import BinaryNet
import BinaryNetImages

/// Labelled images of one shape, back to back: image `i` is
/// `pixels[i * shape.elementCount ..< (i + 1) * shape.elementCount]` (HWC, 8-bit).
public struct LabeledImageSet: Sendable {
  public var shape: TensorShape
  public var pixels: [UInt8]
  public var labels: [UInt8]
  /// Where image `i` came from, for messages and file names: a file path for an image
  /// folder, `path#index` for arrays and IDX files.
  public var sources: [String]

  public init(shape: TensorShape, pixels: [UInt8], labels: [UInt8], sources: [String]) {
    precondition(pixels.count == labels.count * shape.elementCount && sources.count == labels.count)
    self.shape = shape
    self.pixels = pixels
    self.labels = labels
    self.sources = sources
  }

  public var count: Int { labels.count }

  /// Image `index` as a `PixelImage`.
  public func image(_ index: Int) -> PixelImage {
    let size = shape.elementCount
    return PixelImage(
      width: shape.width, height: shape.height, channels: shape.channels,
      pixels: Array(pixels[index * size..<(index + 1) * size]))
  }
}

/// What kind of files a data set was read from (stated in the tools' output).
public enum DataSetKind: String, Sendable {
  case imageFolder = "image folder"
  case npz = "NumPy .npz"
  case npy = "NumPy .npy files"
  case idx = "IDX files"
}

/// How to read a data set: the size images are brought to, and the split of a folder
/// that has no `test/`.
public struct DataSetOptions: Sendable {
  /// `--size HxW`: resize every image to this size (nil: all images must share one size).
  public var size: (height: Int, width: Int)?
  public var resizeMethod: ResizeMethod
  /// Seed of the stratified train/test split of an image folder without `test/`.
  public var splitSeed: UInt64
  /// The fraction of each class held out as the test set in that split.
  public var testFraction: Double

  public init(
    size: (height: Int, width: Int)? = nil, resizeMethod: ResizeMethod = .area, splitSeed: UInt64 = 1,
    testFraction: Double = 0.2
  ) {
    self.size = size
    self.resizeMethod = resizeMethod
    self.splitSeed = splitSeed
    self.testFraction = testFraction
  }
}

/// A data set that could not be read: one line naming the file and what is wrong.
public struct DataSetError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// A training and a test set with class names, read from an image folder, a NumPy
/// `.npz` / `.npy` files, or IDX files (plain or gzip'd).
public struct DataSet: Sendable {
  /// The data set's name (the folder or file name without extension, or a known name).
  public var name: String
  /// The path it was read from.
  public var path: String
  public var kind: DataSetKind
  public var train: LabeledImageSet
  public var test: LabeledImageSet
  /// `classCount` names: folder names (sorted), or "0", "1", ... .
  public var classNames: [String]
  /// True when `test` was split off `train`'s folder (no `test/` there).
  public var testIsSplit: Bool
  /// Lines worth telling the user (e.g. "resized 120 images to 28x28").
  public var notes: [String]

  public init(
    name: String, path: String, kind: DataSetKind, train: LabeledImageSet, test: LabeledImageSet,
    classNames: [String], testIsSplit: Bool = false, notes: [String] = []
  ) {
    self.name = name
    self.path = path
    self.kind = kind
    self.train = train
    self.test = test
    self.classNames = classNames
    self.testIsSplit = testIsSplit
    self.notes = notes
  }

  public var classCount: Int { classNames.count }

  /// Reads the data set at `path`, its kind found from what is there:
  /// - a folder with `train/<class>/` image files (and `test/<class>/`, else a seeded,
  ///   stratified split) is an image folder;
  /// - a `.npz` file with `x_train, y_train, x_test, y_test` (uint8 `N,H,W` or `N,H,W,C`);
  /// - a folder with `x_train.npy, y_train.npy, x_test.npy, y_test.npy`;
  /// - a folder with the four MNIST-layout IDX files (any image size).
  public static func load(path: String, options: DataSetOptions = DataSetOptions()) throws(DataSetError) -> DataSet {
    try load(path: path, options: options, decode: { path throws(ImageFileError) in try ImageFile.read(path: path) })
  }
}
