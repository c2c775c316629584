import BinaryNet
import BinaryNetImages
import Foundation

/// Turns an image file's path into pixels (`ImageFile.read` by default); tests pass their own.
public typealias ImageDecoder = @Sendable (String) throws(ImageFileError) -> PixelImage

extension DataSet {
  /// Most pixel bytes an image folder may decode to (after resizing): 8 GiB, so a folder of
  /// large photos stops with a message instead of exhausting memory.
  static let maximumDecodedBytes = 1 << 33

  /// An image folder (`ImageFolderListing`): files decoded in parallel, in a fixed order.
  ///
  /// Sizes: without `options.size`, every image must have the size of the first; with it,
  /// every image of another size is resized with `options.resizeMethod`. Channels: when
  /// any image is colour, grey ones are repeated to RGB. Without `test/`, the test set is a
  /// stratified split (`StratifiedSplit`). Notes say what was resized, converted, ignored, split.
  static func loadImageFolder(
    path: String, options: DataSetOptions, decode: @escaping ImageDecoder
  ) throws(DataSetError) -> DataSet {
    let listing = try ImageFolderListing(path: path)
    if listing.test == nil { try checkTestFraction(options) }  // before decoding anything
    let budget = PixelBudget(limit: maximumDecodedBytes)
    let trainImages = try decodeInParallel(listing.train.map(\.path), options: options, budget: budget, decode: decode)
    let testImages = try listing.test.map { files throws(DataSetError) in
      try decodeInParallel(files.map(\.path), options: options, budget: budget, decode: decode)
    }
    let allFiles = listing.train + (listing.test ?? [])
    let allImages = trainImages + (testImages ?? [])

    let first = allImages[0].image
    let (height, width) = options.size ?? (first.height, first.width)
    if let index = allImages.firstIndex(where: { $0.image.height != height || $0.image.width != width }) {
      let other = allImages[index].image
      throw DataSetError(
        "\(allFiles[0].path) is \(height)x\(width) but \(allFiles[index].path) is \(other.height)x\(other.width) "
          + "(height x width); give --size HxW to resize them all")
    }
    let channels = allImages.contains { $0.image.channels == 3 } ? 3 : 1
    let shape = TensorShape(height: height, width: width, channels: channels)

    var notes: [String] = []
    let resized = allImages.filter(\.wasResized).count
    if resized > 0 {
      notes.append("resized \(resized) of \(allImages.count) images to \(height)x\(width) (\(options.resizeMethod))")
    }
    let grey = allImages.filter { $0.image.channels == 1 }.count
    if channels == 3 && grey > 0 {
      notes.append("converted \(grey) grey images to colour (the data set mixes grey and colour images)")
    }
    if listing.ignoredCount > 0 {
      notes.append(
        "ignored \(listing.ignoredCount) files that are not images (.png, .jpg, .jpeg, .pgm, .ppm) or class folders")
    }
    var train = labeledImageSet(trainImages, files: listing.train, shape: shape)
    var test: LabeledImageSet
    if let testImages, let testFiles = listing.test {
      test = labeledImageSet(testImages, files: testFiles, shape: shape)
    } else {
      let split = try split(train, options: options, path: path)
      (train, test) = (split.train, split.test)
      notes.append(split.note)
    }
    return DataSet(
      name: folderName(path), path: path, kind: .imageFolder, train: train, test: test,
      classNames: listing.classNames, testIsSplit: listing.test == nil, notes: notes)
  }

  /// Images one after another in `shape` (grey ones repeated to RGB when `shape` has 3 channels).
  private static func labeledImageSet(
    _ images: [DecodedImage], files: [ImageFolderListing.LabeledFile], shape: TensorShape
  ) -> LabeledImageSet {
    let size = shape.elementCount
    var pixels = [UInt8](repeating: 0, count: images.count * size)
    for (index, decoded) in images.enumerated() {
      let image = decoded.image.converted(toChannels: shape.channels)
      pixels.replaceSubrange(index * size..<(index + 1) * size, with: image.pixels)
    }
    return LabeledImageSet(shape: shape, pixels: pixels, labels: files.map(\.label), sources: files.map(\.path))
  }
}

/// An image as decoded (and, with `--size`, resized).
struct DecodedImage: Sendable {
  var image: PixelImage
  var wasResized: Bool
}

/// Decodes `paths` on all cores (`parallelResults`), each result at its file's index, so
/// the order never depends on the threads. The first failure (in file order among the
/// files tried) is reported; no new file is started once one has failed.
func decodeInParallel(
  _ paths: [String], options: DataSetOptions, budget: PixelBudget, decode: @escaping ImageDecoder
) throws(DataSetError) -> [DecodedImage] {
  let size = options.size
  let method = options.resizeMethod
  let isFailure: @Sendable (Result<DecodedImage, DataSetError>) -> Bool = {
    if case .failure = $0 { true } else { false }
  }
  let results = parallelResults(count: paths.count, isFailure: isFailure) { index in
    let result = decodeOne(paths[index], size: size, method: method, decode: decode)
    if case .success(let decoded) = result, !budget.take(decoded.image.pixels.count) {
      return .failure(
        DataSetError(
          "\(paths[index]): the images decoded up to this one exceed \(budget.limit >> 20) MiB of pixels; "
            + "give --size HxW to make them smaller"))
    }
    return result
  }
  var images: [DecodedImage] = []
  images.reserveCapacity(paths.count)
  for result in results {
    switch result {
    case .success(let image)?: images.append(image)
    case .failure(let error)?: throw error
    case nil: continue  // skipped after another file failed: that failure comes later in the list
    }
  }
  return images
}

/// One file decoded, checked not to be empty, and resized when `size` asks for another size.
private func decodeOne(
  _ path: String, size: (height: Int, width: Int)?, method: ResizeMethod, decode: ImageDecoder
) -> Result<DecodedImage, DataSetError> {
  let image: PixelImage
  do {
    image = try decode(path)
  } catch {
    return .failure(DataSetError(error.description))
  }
  if image.width < 1 || image.height < 1 {
    return .failure(DataSetError("\(path): empty image (\(image.height)x\(image.width))"))
  }
  guard let size, size.height != image.height || size.width != image.width else {
    return .success(DecodedImage(image: image, wasResized: false))
  }
  return .success(
    DecodedImage(image: image.resized(width: size.width, height: size.height, method: method), wasResized: true))
}

/// The pixel bytes decoded so far, shared by the workers, against a limit.
// @unchecked: `used` is only read and written with `lock` held.
final class PixelBudget: @unchecked Sendable {
  let limit: Int
  private let lock = NSLock()
  private var used = 0

  init(limit: Int) { self.limit = limit }

  /// Adds `bytes`; false once the total is over the limit.
  func take(_ bytes: Int) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    used += bytes
    return used <= limit
  }
}
