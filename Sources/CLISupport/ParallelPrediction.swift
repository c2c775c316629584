import BinaryNet

extension Model {
  /// The predicted class of each of `count` images, split between up to `threads` workers,
  /// each with its own workspace of `batch` images (the model itself is immutable and shared).
  public func predictLabelsInParallel(
    _ pixels: [UInt8], count: Int, threads: Int, batch: Int
  ) throws(CLIError) -> [Int32] {
    var labels = [Int32](repeating: -1, count: count)
    let size = input.pixelCount
    let failure = FirstError()
    pixels.withUnsafeBufferPointer { all in
      labels.withUnsafeMutableBufferPointer { out in
        let outBase = out.baseAddress!
        forEachWorkerRange(count: count, threads: threads, batch: batch) { range, workspace in
          let slice = UnsafeBufferPointer(rebasing: all[(range.lowerBound * size)..<(range.upperBound * size)])
          let target = UnsafeMutableBufferPointer(start: outBase + range.lowerBound, count: range.count)
          do throws(ModelError) {
            try predictLabels(slice, count: range.count, into: target, workspace: workspace)
          } catch {
            failure.record(error.description)
          }
        }
      }
    }
    if let message = failure.first { throw .runtime(message) }
    return labels
  }

  /// Every class score of each of `count` images (`classCount` per image, back to back),
  /// split between up to `threads` workers as `predictLabelsInParallel` does. The
  /// predicted label of image `i` is `Model.argmax` of its row.
  public func scoresInParallel(
    _ pixels: [UInt8], count: Int, threads: Int, batch: Int
  ) throws(CLIError) -> [Float] {
    let size = input.pixelCount
    guard count >= 0, pixels.count == count * size else {
      throw .runtime("\(pixels.count) bytes are not \(count) images of \(size) pixels")
    }
    if count == 0 { return [] }
    let classes = classCount
    var scores = [Float](repeating: 0, count: count * classes)
    pixels.withUnsafeBufferPointer { all in
      scores.withUnsafeMutableBufferPointer { out in
        let outBase = out.baseAddress!
        forEachWorkerRange(count: count, threads: threads, batch: batch) { range, workspace in
          var first = range.lowerBound
          while first < range.upperBound {
            let n = min(workspace.batchCapacity, range.upperBound - first)
            let chunk = UnsafeBufferPointer(rebasing: all[(first * size)..<((first + n) * size)])
            computeScores(chunk, count: n, workspace: workspace)
            for i in 0..<n {
              let row = workspace.scores(ofImage: i)
              (outBase + (first + i) * classes).update(from: row.baseAddress!, count: classes)
            }
            first += n
          }
        }
      }
    }
    return scores
  }

  /// Splits images `0..<count` into up to `threads` contiguous ranges (no more ranges than
  /// batches of `batch`) and runs `body` on each range in parallel, with a workspace of
  /// `batch` images of its own.
  func forEachWorkerRange(
    count: Int, threads: Int, batch: Int, _ body: (Range<Int>, InferenceWorkspace) -> Void
  ) {
    let batch = max(batch, 1)
    let workers = max(1, min(threads, (count + batch - 1) / batch))
    parallelFor(workers) { w in
      let range = (count * w / workers)..<(count * (w + 1) / workers)
      if range.isEmpty { return }
      body(range, InferenceWorkspace(model: self, batchCapacity: batch))
    }
  }
}
