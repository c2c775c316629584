import BinaryNetData
import FuzzSupport

/// .npz reader: the input is written as a `.npz` file and loaded as a data set (ZIP
/// directory, stored and deflated entries, CRC-32, `.npy` headers, the x/y rules and the
/// stratified split of a train-only archive). A failure must be one line naming the file;
/// a success must hold consistent sets.
let scratch = ScratchFile("data.npz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  scratch.write(data, size)
  do {
    let set = try DataSet.load(path: scratch.path)
    for part in [set.train, set.test] {
      precondition(part.pixels.count == part.count * part.shape.elementCount && part.sources.count == part.count)
      precondition(part.labels.allSatisfy { Int($0) < set.classCount })
    }
    precondition(set.train.shape == set.test.shape)
  } catch {
    precondition(error.description.contains(scratch.path))
    precondition(!error.description.contains("\n"))
  }
  return 0
}
