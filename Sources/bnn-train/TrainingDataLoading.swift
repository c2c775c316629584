import BinaryNetTraining
import MNISTLoader

/// The glue between the data set loader and the trainer, which takes plain arrays.
extension TrainingData {
  /// The images and labels of a loaded IDX pair, the last `validationCount` held out.
  init(_ images: LabeledImages, validationCount: Int) {
    self.init(
      pixels: images.images.pixels, labels: images.labels, width: images.images.cols,
      height: images.images.rows, validationCount: validationCount)
  }
}
