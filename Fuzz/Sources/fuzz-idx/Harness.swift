import FuzzSupport
import MNISTLoader

/// IDX reader: the input is written as a file and loaded as images and as labels. Seeds
/// that are gzip streams (heads of datasets/) exercise the gzip path, the others the plain one.
let scratch = ScratchFile("data-idx")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  scratch.write(data, size)
  do {
    let images = try loadIDXImages(path: scratch.path)
    precondition(images.pixels.count == images.count * images.imageSize && [1, 3].contains(images.channels))
  } catch {
    precondition(error.description.contains(scratch.path))
  }
  do {
    let labels = try loadIDXLabels(path: scratch.path, classCount: 10)
    precondition(labels.labels.allSatisfy { $0 < 10 })
  } catch {
    precondition(error.description.contains(scratch.path))
  }
  return 0
}
