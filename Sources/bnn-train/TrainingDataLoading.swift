import BinaryNet
import BinaryNetData
import BinaryNetTraining
import CLISupport
import Foundation
import MNISTLoader

/// Reads the data set at `path` (an image folder, a `.npz` file, a folder of `.npy` files or
/// of IDX files): the one place bnn-train loads data. Errors name the file (runtime errors).
func loadDataSet(path: String, options: DataSetOptions) throws(CLIError) -> DataSet {
  do {
    return try DataSet.load(path: path, options: options)
  } catch {
    throw .runtime(error.description)
  }
}

/// The files and folders a data set at `path` may be read from: no output may be one of
/// them (the data path itself, the IDX and `.npy` files of a folder, its `train` and
/// `test` folders).
func dataInputs(path: String) -> [PathUse] {
  var inputs = [PathUse(what: "the data", path: path)]
  var isFolder: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
    return inputs
  }
  let stems = Dataset.fileStems
  for stem in [stems.trainImages, stems.trainLabels, stems.testImages, stems.testLabels] {
    inputs.append(PathUse(what: "the data file", path: Dataset.resolveFile(stem, in: path)))
  }
  for name in ["x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy", "train", "test"] {
    inputs.append(PathUse(what: "the data file", path: (path as NSString).appendingPathComponent(name)))
  }
  return inputs
}

extension TrainingData {
  /// A data set's training images, split for validation as `configuration` says.
  init(_ images: LabeledImageSet, configuration: TrainingConfiguration) {
    self.init(pixels: images.pixels, labels: images.labels, shape: images.shape, configuration: configuration)
  }
}
