import BinaryNet
import MNISTLoader

extension DataSet {
  /// A folder of the four MNIST-layout IDX files (gzip'd or plain), images of any
  /// `H x W`: grey (rank 3) or with C channels (rank 4, HWC). The class count is the
  /// largest label + 1 over both sets; the class names are
  /// `Dataset.classNames(for:classCount:)` (clothing names for `fashion-mnist`, digits
  /// otherwise); the name is the folder's.
  static func loadIDX(path: String) throws(DataSetError) -> DataSet {
    let name = folderName(path)
    let idx: Dataset
    do {
      idx = try Dataset.load(directory: path, name: name, classCount: 256)
    } catch {
      throw DataSetError(error.description)
    }
    if idx.train.count == 0 { throw DataSetError("\(idx.train.imagesPath): holds no images") }
    if idx.test.count == 0 { throw DataSetError("\(idx.test.imagesPath): holds no images") }
    let classCount = Int(max(idx.train.labels.max() ?? 0, idx.test.labels.max() ?? 0)) + 1
    return DataSet(
      name: name, path: path, kind: .idx, train: labeledImages(idx.train), test: labeledImages(idx.test),
      classNames: Dataset.classNames(for: name, classCount: classCount))
  }

  private static func labeledImages(_ set: LabeledImages) -> LabeledImageSet {
    let images = set.images
    return LabeledImageSet(
      shape: TensorShape(height: images.rows, width: images.cols, channels: images.channels), pixels: images.pixels,
      labels: set.labels, sources: (0..<set.count).map { "\(set.imagesPath)#\($0)" })
  }
}
