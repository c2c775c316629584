import BinaryNet

extension Model {
  /// The predicted class of each of `count` images, split between up to `threads` workers,
  /// each with its own workspace of `batch` images (the model itself is immutable and shared).
  public func predictLabelsInParallel(
    _ pixels: [UInt8], count: Int, threads: Int, batch: Int
  ) throws(CLIError) -> [Int32] {
    var labels = [Int32](repeating: -1, count: count)
    let size = input.pixelCount
    let batch = max(batch, 1)
    let workers = max(1, min(threads, (count + batch - 1) / batch))
    let failure = FirstError()
    pixels.withUnsafeBufferPointer { all in
      labels.withUnsafeMutableBufferPointer { out in
        let outBase = out.baseAddress!
        parallelFor(workers) { w in
          let start = count * w / workers
          let end = count * (w + 1) / workers
          if start == end { return }
          let workspace = InferenceWorkspace(model: self, batchCapacity: batch)
          let slice = UnsafeBufferPointer(rebasing: all[(start * size)..<(end * size)])
          let target = UnsafeMutableBufferPointer(start: outBase + start, count: end - start)
          do throws(ModelError) {
            try predictLabels(slice, count: end - start, into: target, workspace: workspace)
          } catch {
            failure.record(error.description)
          }
        }
      }
    }
    if let message = failure.first { throw .runtime(message) }
    return labels
  }
}
