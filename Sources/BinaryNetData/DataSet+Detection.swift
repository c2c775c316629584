import Foundation
import MNISTLoader

extension DataSet {
  /// `load(path:options:)` with the image decoder given: what an image folder's files
  /// are read with (tests pass a decoder of their own).
  ///
  /// Detection, in order: a missing path is an error; a file is a `.npz` (by its
  /// extension or the ZIP signature `PK\3\4`); a folder is an image folder if it has
  /// `train/`, a folder of `.npy` files if it has `x_train.npy`, IDX files if it has
  /// `train-images-idx3-ubyte` (plain or `.gz`); anything else is "not a data set".
  /// With `options.size`, arrays and IDX images of another size are resized to it.
  public static func load(
    path: String, options: DataSetOptions, decode: @escaping ImageDecoder
  ) throws(DataSetError) -> DataSet {
    if let size = options.size, !(1...maximumSide).contains(size.height) || !(1...maximumSide).contains(size.width) {
      throw DataSetError(
        "the image size must be between 1x1 and \(maximumSide)x\(maximumSide), not \(size.height)x\(size.width)")
    }
    switch PathKind(path: path) {
    case .missing:
      throw DataSetError("\(path): no such file or folder")
    case .file:
      if (path as NSString).pathExtension.lowercased() == "npz" || startsWithZipSignature(path) {
        return try loadNPZ(path: path, options: options).resizedToRequestedSize(options)
      }
    case .directory:
      if ImageFolderListing.isImageFolder(path) {
        return try loadImageFolder(path: path, options: options, decode: decode)
      }
      if PathKind(path: (path as NSString).appendingPathComponent("x_train.npy")) != .missing {
        return try loadNPYFolder(path: path, options: options).resizedToRequestedSize(options)
      }
      if Dataset.isDatasetDirectory(path) { return try loadIDX(path: path).resizedToRequestedSize(options) }
    }
    throw DataSetError(
      "\(path): not a data set: expected train/<class>/ image folders, a .npz, x_train.npy …, "
        + "or MNIST-layout IDX files")
  }

  /// The largest side `options.size` may ask for.
  static let maximumSide = 65535

  /// Whether the file at `path` starts with a ZIP local header signature.
  private static func startsWithZipSignature(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 4)) ?? Data()
    return head == Data([0x50, 0x4b, 0x03, 0x04])
  }
}
