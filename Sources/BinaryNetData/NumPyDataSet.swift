import BinaryNet

/// The rules for a data set given as NumPy arrays (a `.npz` archive or `.npy` files):
///
/// - `x_train`, `x_test`: `uint8` (`|u1`), C order, shape `(N, H, W)` (grey) or
///   `(N, H, W, C)` with `C` 1 or 3; train and test of one image shape.
/// - `y_train`, `y_test`: an integer dtype of 1, 2, 4 or 8 bytes, either byte order,
///   shape `(N,)` or `(N, 1)` with `N` the image count; every label in `0...255`.
/// - `class_names` (optional): a 1-D string array (`<U…` or `|S…`) with at least
///   max label + 1 names, 256 at most; else the names are "0", "1", … up to the largest label.
/// - Without `x_test` and `y_test`, the test set is a seeded stratified split of the
///   training arrays (`StratifiedSplit`).
struct NumPyDataSetReader {
  /// Where the data set is (the `.npz` file or the folder), for messages.
  var path: String
  var name: String
  var kind: DataSetKind
  /// The array called `key`, nil when there is none.
  var array: (String) throws(DataSetError) -> NumPyArray?
  /// What to say when a required array is missing.
  var missing: (String) -> DataSetError

  func read(options: DataSetOptions) throws(DataSetError) -> DataSet {
    guard var xTrain = try array("x_train") else { throw missing("x_train") }
    guard let yTrain = try array("y_train") else { throw missing("y_train") }
    var xTest = try array("x_test")
    let yTest = try array("y_test")
    if xTest == nil && yTest != nil { throw missing("x_test") }
    if xTest != nil && yTest == nil { throw missing("y_test") }

    var train = try labeledImages(&xTrain, yTrain)
    var test: LabeledImageSet?
    if xTest != nil, let yTest {
      test = try labeledImages(&xTest!, yTest)
      if test!.shape != train.shape {
        throw xTest!.location.error(
          "holds \(Self.describe(test!.shape)) images but x_train holds \(Self.describe(train.shape))")
      }
    }
    let largestLabel = max(train.labels.max() ?? 0, test?.labels.max() ?? 0)
    let classNames = try self.classNames(largestLabel: Int(largestLabel))
    var notes: [String] = []
    let testIsSplit = test == nil
    if testIsSplit {
      let split = try DataSet.split(train, options: options, path: path)
      (train, test) = (split.train, split.test)
      notes.append(split.note)
    }
    return DataSet(
      name: name, path: path, kind: kind, train: train, test: test!, classNames: classNames,
      testIsSplit: testIsSplit, notes: notes)
  }

  /// Images from `x` and their labels from `y`, checked against each other.
  private func labeledImages(_ x: inout NumPyArray, _ y: NumPyArray) throws(DataSetError) -> LabeledImageSet {
    let shape = try Self.imageShape(of: x)
    let count = x.shape[0]
    let labels = try Self.classIndices(of: y, imageCount: count, imagesKey: x.location.key)
    let prefix = x.location.sourcePrefix
    return LabeledImageSet(
      shape: shape, pixels: x.takeDataBytes(), labels: labels, sources: (0..<count).map { "\(prefix)#\($0)" })
  }

  /// The image shape of an `x` array, after checking its dtype, order and shape.
  static func imageShape(of x: NumPyArray) throws(DataSetError) -> TensorShape {
    if x.dtype.kind != UInt8(ascii: "u") || x.dtype.itemSize != 1 {
      throw x.location.error(
        "has dtype \(x.dtype.text); images must be uint8 (|u1): convert with x.astype('uint8')"
          + " (scale values in 0...1 by 255 first)")
    }
    if x.fortranOrder {
      throw x.location.error("is stored in Fortran order; save np.ascontiguousarray(x) instead")
    }
    guard x.shape.count == 3 || x.shape.count == 4 else {
      throw x.location.error("has shape \(x.shapeText); expected (N, H, W) or (N, H, W, C)")
    }
    let channels = x.shape.count == 4 ? x.shape[3] : 1
    if channels != 1 && channels != 3 {
      throw x.location.error("has shape \(x.shapeText): \(channels) channels, expected 1 (grey) or 3 (RGB)")
    }
    if x.shape[0] == 0 { throw x.location.error("holds no images (shape \(x.shapeText))") }
    if x.shape[1] == 0 || x.shape[2] == 0 { throw x.location.error("has empty images (shape \(x.shapeText))") }
    return TensorShape(height: x.shape[1], width: x.shape[2], channels: channels)
  }

  /// The labels of a `y` array as class indices, after checking dtype, shape and range.
  static func classIndices(of y: NumPyArray, imageCount: Int, imagesKey: String) throws(DataSetError) -> [UInt8] {
    if !y.dtype.isInteger || ![1, 2, 4, 8].contains(y.dtype.itemSize) {
      throw y.location.error("has dtype \(y.dtype.text); labels must be integers: convert with y.astype('int64')")
    }
    guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
      throw y.location.error("has shape \(y.shapeText); expected (N,) or (N, 1)")
    }
    if y.shape[0] != imageCount {
      throw DataSetError(
        "\(y.location.file): \(imagesKey) holds \(imageCount) images but \(y.location.key) holds \(y.shape[0]) labels")
    }
    var labels = [UInt8](repeating: 0, count: imageCount)
    for index in 0..<imageCount {
      let (value, text) = y.integer(at: index)
      guard let value, (0...255).contains(value) else {
        throw DataSetError(
          "\(y.location.file): \(y.location.key)[\(index)] = \(text) is not a class index (0...255)")
      }
      labels[index] = UInt8(value)
    }
    return labels
  }

  /// `class_names` when present (checked to cover every label), else "0", "1", … .
  private func classNames(largestLabel: Int) throws(DataSetError) -> [String] {
    guard let names = try array("class_names") else { return (0...largestLabel).map(String.init) }
    let kind = names.dtype.kind
    guard kind == UInt8(ascii: "U") || kind == UInt8(ascii: "S") else {
      throw names.location.error(
        "has dtype \(names.dtype.text); expected strings: save np.array(names, dtype=str)")
    }
    guard names.shape.count == 1 else { throw names.location.error("has shape \(names.shapeText); expected (K,)") }
    let count = names.shape[0]
    if count > 256 { throw names.location.error("holds \(count) names; at most 256 classes are supported") }
    if count <= largestLabel {
      throw names.location.error("holds \(count) names but the labels go up to \(largestLabel)")
    }
    return names.strings()
  }

  static func describe(_ shape: TensorShape) -> String { "\(shape.height)x\(shape.width)x\(shape.channels)" }
}

extension DataSet {
  /// Fails unless `0 < options.testFraction < 1`.
  static func checkTestFraction(_ options: DataSetOptions) throws(DataSetError) {
    guard options.testFraction > 0 && options.testFraction < 1 else {
      throw DataSetError("the test fraction must be between 0 and 1 (exclusive), not \(options.testFraction)")
    }
  }

  /// A seeded stratified split of `set` (read from `path`) into training and test images,
  /// with the note that tells the user about it.
  static func split(
    _ set: LabeledImageSet, options: DataSetOptions, path: String
  ) throws(DataSetError) -> (train: LabeledImageSet, test: LabeledImageSet, note: String) {
    try checkTestFraction(options)
    let split = StratifiedSplit(labels: set.labels, testFraction: options.testFraction, seed: options.splitSeed)
    if split.test.isEmpty {
      throw DataSetError(
        "\(path): no test set and too few images to split one off (\(set.count); each class needs at least 2)")
    }
    let percent = options.testFraction * 100
    let percentText = percent == percent.rounded() ? String(Int(percent)) : String(percent)
    let note =
      "no test set given: held out \(percentText)% of each class as the test set "
      + "(\(split.test.count) images, seed \(options.splitSeed))"
    return (set.subset(split.train), set.subset(split.test), note)
  }
}
