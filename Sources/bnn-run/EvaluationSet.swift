import BinaryNet
import BinaryNetData
import CLISupport
import MNISTLoader

/// The labelled images `bnn-run eval` runs on, already in the model's input shape: an
/// IDX image and label file, or the test part of any data set `DataSet.load` reads.
struct EvaluationSet {
  /// What the images are, for the report (`500 images from t10k-images.gz`).
  var origin: String
  /// The data set's kind (nil for a plain IDX pair).
  var kind: DataSetKind?
  /// The data set's class names (nil for a plain IDX pair).
  var classNames: [String]?
  /// What the loading and adapting did (resized, converted, ...).
  var notes: [String]
  /// `count` images of the model's input shape, back to back.
  var pixels: [UInt8]
  var labels: [UInt8]
  /// Where each image came from (file path or `path#index`).
  var sources: [String]

  var count: Int { labels.count }

  /// An IDX image file and its label file, the first `limit` images.
  static func idx(
    images imagesPath: String, labels labelsPath: String, model: Model, adaptation: ImageAdaptation, limit: Int?
  ) throws(CLIError) -> EvaluationSet {
    let images: IDXImages
    do { images = try loadIDXImages(path: imagesPath) } catch { throw .runtime(error.description) }
    let truth = try loadLabels(labelsPath, for: model)
    guard truth.count == images.count else {
      throw .runtime("\(imagesPath) has \(images.count) images but \(labelsPath) has \(truth.count) labels")
    }
    let count = min(images.count, limit ?? Int.max)
    guard count > 0 else { throw .runtime("\(imagesPath) holds no images") }
    let set = LabeledImageSet(
      shape: TensorShape(height: images.rows, width: images.cols, channels: images.channels),
      pixels: Array(images.pixels[0..<(count * images.imageSize)]), labels: Array(truth.labels[0..<count]),
      sources: (0..<count).map { "\(imagesPath)#\($0)" })
    var result = try adapted(set, model: model, adaptation: adaptation, name: imagesPath)
    result.origin = "\(count) images from \(imagesPath)"
    return result
  }

  /// The test part of the data set at `path` (its first `limit` images); its class count
  /// must be the model's.
  static func dataSet(
    path: String, options: DataSetOptions, model: Model, adaptation: ImageAdaptation, limit: Int?
  ) throws(CLIError) -> EvaluationSet {
    let data: DataSet
    do { data = try DataSet.load(path: path, options: options) } catch { throw .runtime(error.description) }
    guard data.classCount == model.classCount else {
      throw .runtime(
        "\(path) has \(data.classCount) classes but the model has \(model.classCount) ("
          + model.labels.joined(separator: ", ") + ")")
    }
    let count = min(data.test.count, limit ?? Int.max)
    guard count > 0 else { throw .runtime("\(path): the test set holds no images") }
    var test = data.test
    if count < test.count {
      test = LabeledImageSet(
        shape: test.shape, pixels: Array(test.pixels[0..<(count * test.shape.elementCount)]),
        labels: Array(test.labels[0..<count]), sources: Array(test.sources[0..<count]))
    }
    var result = try adapted(test, model: model, adaptation: adaptation, name: path)
    result.origin =
      "\(count) test images from \(path)" + (data.testIsSplit ? " (split off the training images)" : "")
    result.kind = data.kind
    result.classNames = data.classNames
    result.notes = data.notes + result.notes
    if data.classNames != model.labels {
      result.notes.append(
        "the data set's class names (" + data.classNames.joined(separator: ", ")
          + ") differ from the model's labels; classes are matched by index")
    }
    return result
  }

  /// `set` brought to the model's input shape image by image (unchanged when it already
  /// fits); the notes of the change are said once for all images.
  static func adapted(
    _ set: LabeledImageSet, model: Model, adaptation: ImageAdaptation, name: String
  ) throws(CLIError) -> EvaluationSet {
    var result = EvaluationSet(
      origin: name, kind: nil, classNames: nil, notes: [], pixels: set.pixels, labels: set.labels,
      sources: set.sources)
    if adaptation.isIdentity(for: set.shape, input: model.input) { return result }
    var pixels: [UInt8] = []
    pixels.reserveCapacity(set.count * model.input.pixelCount)
    for i in 0..<set.count {
      let (image, notes) = try adaptation.adapt(set.image(i), to: model.input, name: name)
      if i == 0 { result.notes = notes.map { "every image: \($0)" } }
      pixels.append(contentsOf: image.pixels)
    }
    result.pixels = pixels
    return result
  }
}
