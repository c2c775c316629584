import BinaryNet

extension LabeledImageSet {
  /// Every image resized to `height x width` with `method` (`PixelImage.resized`), on all
  /// cores; labels and sources unchanged.
  func resized(height: Int, width: Int, method: ResizeMethod) -> LabeledImageSet {
    let source = self
    let images = parallelResults(count: count) { index in
      source.image(index).resized(width: width, height: height, method: method).pixels
    }
    let shape = TensorShape(height: height, width: width, channels: shape.channels)
    var pixels: [UInt8] = []
    pixels.reserveCapacity(count * shape.elementCount)
    for image in images { pixels += image ?? [] }
    return LabeledImageSet(shape: shape, pixels: pixels, labels: labels, sources: sources)
  }
}

extension DataSet {
  /// The data set with every image brought to `options.size` when it has another size
  /// (arrays and IDX files hold one size; image folders are resized file by file as they
  /// are decoded), with a note saying so.
  func resizedToRequestedSize(_ options: DataSetOptions) -> DataSet {
    guard let size = options.size, size.height != train.shape.height || size.width != train.shape.width else {
      return self
    }
    var resized = self
    resized.train = train.resized(height: size.height, width: size.width, method: options.resizeMethod)
    resized.test = test.resized(height: size.height, width: size.width, method: options.resizeMethod)
    resized.notes.append(
      "resized all \(train.count + test.count) images from \(train.shape.height)x\(train.shape.width) "
        + "to \(size.height)x\(size.width) (\(options.resizeMethod))")
    return resized
  }
}
