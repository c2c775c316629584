import BinaryNet
import CLISupport

/// What `bnn-run bench` runs: threads and batch of the throughput run, time per measurement.
struct BenchSettings {
  var threads: Int
  var batch: Int
  var seconds: Double
  var repeats: Int
}

/// The figures `bnn-run bench` measures: batch-1 latencies, throughput runs, per-layer times.
struct BenchResults {
  struct LayerTiming {
    var index: Int
    var kind: LayerKind
    var macs: Int
    var secondsBatch1: Double
    var secondsBatched: Double  // per image
  }

  /// Seconds per batch-1 call, ascending.
  var latencies: [Double]
  /// Seconds per batch-1 call with the workspace's pool sharing each image across
  /// `threads` threads, ascending; empty for one thread.
  var threadedLatencies: [Double]
  /// Images/s of each throughput run, ascending.
  var rates: [Double]
  var layers: [LayerTiming]

  var p50: Double { percentile(latencies, 0.50) }
  var p99: Double { percentile(latencies, 0.99) }
  var mean: Double { latencies.reduce(0, +) / Double(latencies.count) }
  var rate: Double { percentile(rates, 0.5) }
  var threadedP50: Double { percentile(threadedLatencies, 0.50) }

  /// Measures `model` on random images (fixed seed: the work per image does not depend
  /// on pixel values).
  static func measure(_ model: Model, settings: BenchSettings) -> BenchResults {
    let imageCount = max(settings.batch, 64)
    let pixels = randomPixels(imageCount * model.input.pixelCount)
    let workspace = InferenceWorkspace(model: model, batchCapacity: settings.batch)
    var latencies: [Double] = []
    var threaded: [Double] = []
    latencies.reserveCapacity(1_000_000)  // no allocation inside the timed loops
    // In 10 slices, one thread and the shared workspace alternating: a machine whose speed
    // drifts (a shared VM) slows both alike, so their ratio holds.
    let shared =
      settings.threads > 1 ? InferenceWorkspace(model: model, batchCapacity: 1, threads: settings.threads) : nil
    if shared != nil { threaded.reserveCapacity(1_000_000) }
    let slices = 10
    let slice = settings.seconds / Double(slices)
    for _ in 0..<slices {
      batch1Latencies(model, pixels: pixels, imageCount: imageCount, workspace: workspace, seconds: slice, &latencies)
      if let shared {
        batch1Latencies(model, pixels: pixels, imageCount: imageCount, workspace: shared, seconds: slice, &threaded)
      }
    }
    // Throughput: `threads` workers, `batch` images per call, `repeats` runs.
    let rates = (0..<settings.repeats).map { _ in
      throughput(
        model: model, pixels: pixels, imageCount: imageCount, threads: settings.threads, batch: settings.batch,
        seconds: settings.seconds / Double(settings.repeats) + 0.05)
    }
    let layers = layerTimings(model, pixels: pixels, workspace: workspace, settings)
    return BenchResults(
      latencies: latencies.sorted(), threadedLatencies: threaded.sorted(), rates: rates.sorted(), layers: layers)
  }

  static func randomPixels(_ count: Int) -> [UInt8] {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    return (0..<count).map { _ -> UInt8 in
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return UInt8(truncatingIfNeeded: state)
    }
  }

  /// Appends the seconds of one-image calls to `latencies`, for about `seconds` (at least
  /// 10 calls; at most 1,000,000 in all), after 20 untimed calls.
  static func batch1Latencies(
    _ model: Model, pixels: [UInt8], imageCount: Int, workspace: InferenceWorkspace, seconds: Double,
    _ latencies: inout [Double]
  ) {
    let size = model.input.pixelCount
    let first = latencies.count
    pixels.withUnsafeBufferPointer { all in
      let deadline = monotonicSeconds() + seconds
      var i = 0
      for _ in 0..<20 {
        model.computeScores(UnsafeBufferPointer(rebasing: all[0..<size]), count: 1, workspace: workspace)
      }
      while latencies.count - first < 10 || (monotonicSeconds() < deadline && latencies.count < 1_000_000) {
        let image = UnsafeBufferPointer(rebasing: all[(i * size)..<((i + 1) * size)])
        let t0 = monotonicSeconds()
        model.computeScores(image, count: 1, workspace: workspace)
        latencies.append(monotonicSeconds() - t0)
        i = (i + 1) % imageCount
      }
    }
  }

  /// Per-layer time, one thread, batch 1 and batch B.
  static func layerTimings(
    _ model: Model, pixels: [UInt8], workspace: InferenceWorkspace, _ settings: BenchSettings
  ) -> [LayerTiming] {
    let size = model.input.pixelCount
    let batch = settings.batch
    let summaries = model.layerSummaries
    let seconds = settings.seconds / Double(summaries.count)
    pixels.withUnsafeBufferPointer { all in
      model.computeScores(UnsafeBufferPointer(rebasing: all[0..<(batch * size)]), count: batch, workspace: workspace)
    }
    return summaries.enumerated().map { index, summary in
      let (one, many) = pixels.withUnsafeBufferPointer { all in
        let one = medianTime(seconds: seconds) {
          model.runLayerForProfiling(index, count: 1, pixels: all, workspace: workspace)
        }
        let many =
          medianTime(seconds: seconds) {
            model.runLayerForProfiling(index, count: batch, pixels: all, workspace: workspace)
          } / Double(batch)
        return (one, many)
      }
      return LayerTiming(index: index, kind: summary.kind, macs: summary.macs, secondsBatch1: one, secondsBatched: many)
    }
  }

  /// Median wall time of `body`, repeated for about `seconds` (at least 9 samples), each
  /// sample timing enough calls to last >= 50 us.
  static func medianTime(seconds: Double, _ body: () -> Void) -> Double {
    body()
    var calls = 1
    while true {
      let t0 = monotonicSeconds()
      for _ in 0..<calls { body() }
      if monotonicSeconds() - t0 >= 50e-6 || calls >= 1 << 20 { break }
      calls *= 2
    }
    var samples: [Double] = []
    samples.reserveCapacity(10_000)
    let deadline = monotonicSeconds() + seconds
    while samples.count < 9 || (monotonicSeconds() < deadline && samples.count < 10_000) {
      let t0 = monotonicSeconds()
      for _ in 0..<calls { body() }
      samples.append((monotonicSeconds() - t0) / Double(calls))
    }
    samples.sort()
    return percentile(samples, 0.5)
  }

  /// Images/s with `threads` workers running batches until `seconds` have passed.
  static func throughput(model: Model, pixels: [UInt8], imageCount: Int, threads: Int, batch: Int, seconds: Double)
    -> Double
  {
    let size = model.input.pixelCount
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: threads)
    defer { counts.deallocate() }
    let start = monotonicSeconds()
    let deadline = start + seconds
    pixels.withUnsafeBufferPointer { all in
      parallelFor(threads) { w in
        let workspace = InferenceWorkspace(model: model, batchCapacity: batch)
        var done = 0
        var offset = (w * batch) % max(1, imageCount - batch + 1)
        repeat {
          model.computeScores(
            UnsafeBufferPointer(rebasing: all[(offset * size)..<((offset + batch) * size)]), count: batch,
            workspace: workspace)
          done += batch
          offset = (offset + 1) % max(1, imageCount - batch + 1)
        } while monotonicSeconds() < deadline
        counts[w] = done
      }
    }
    let elapsed = monotonicSeconds() - start
    var total = 0
    for w in 0..<threads { total += counts[w] }
    return Double(total) / elapsed
  }
}
