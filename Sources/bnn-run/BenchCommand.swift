import BinaryNet
import CLISupport
import Foundation

/// `bnn-run bench MODEL`: latency, throughput and achieved binary GOPS on random images.
///
/// Figures are medians of repeated runs; 1 binary MAC counts as 2 ops (XNOR, accumulate).
enum BenchCommand {
  struct LayerTiming {
    var index: Int
    var kind: LayerKind
    var macs: Int
    var secondsBatch1: Double
    var secondsBatched: Double  // per image
  }

  static func run(_ arguments: [String]) throws(CLIError) {
    let parsed = try parse(
      arguments, usage: Usage.bench, valued: ["threads", "batch", "seconds", "repeats", "kernel", "arch"])
    let arch = parsed.string("arch")
    guard parsed.positionals.count == (arch == nil ? 1 : 0) else {
      throw .usage("bench takes exactly one MODEL argument, or --arch without a MODEL")
    }
    let threads = try parsed.int("threads", default: defaultThreadCount, in: 1...1024)
    let batch = try parsed.int("batch", default: 64, in: 1...65536)
    let seconds = try parsed.double("seconds", default: 1, in: 0.01...3600)
    let repeats = try parsed.int("repeats", default: 5, in: 1...1000)
    let kernel = try parseKernel(parsed.string("kernel"))
    let path = arch.map { "random " + $0 } ?? parsed.positionals[0]
    let model: Model
    if let arch {
      model = try randomModel(arch, kernel: kernel)
    } else {
      model = try loadModel(path, kernel: kernel)
    }
    let json = parsed.flag("json")

    // Random images, fixed seed: the work per image does not depend on pixel values.
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    let size = model.input.pixelCount
    let imageCount = max(batch, 64)
    let pixels = (0..<(imageCount * size)).map { _ -> UInt8 in
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return UInt8(truncatingIfNeeded: state)
    }
    if !json {
      Console.err("bnn-run bench: \(path) on \(model.kernelPath.name) kernels, \(threads) thread(s), batch \(batch)")
    }

    // 1. Batch-1 latency.
    let workspace = InferenceWorkspace(model: model, batchCapacity: batch)
    var latencies: [Double] = []
    latencies.reserveCapacity(1_000_000)  // no allocation inside the timed loop
    pixels.withUnsafeBufferPointer { all in
      let deadline = monotonicSeconds() + seconds
      var i = 0
      for _ in 0..<20 {
        model.computeScores(UnsafeBufferPointer(rebasing: all[0..<size]), count: 1, workspace: workspace)
      }
      while latencies.count < 100 || (monotonicSeconds() < deadline && latencies.count < 1_000_000) {
        let image = UnsafeBufferPointer(rebasing: all[(i * size)..<((i + 1) * size)])
        let t0 = monotonicSeconds()
        model.computeScores(image, count: 1, workspace: workspace)
        latencies.append(monotonicSeconds() - t0)
        i = (i + 1) % imageCount
      }
    }
    latencies.sort()
    let p50 = percentile(latencies, 0.50)
    let p99 = percentile(latencies, 0.99)
    let mean = latencies.reduce(0, +) / Double(latencies.count)

    // 2. Throughput: `threads` workers, `batch` images per call, median of `repeats` runs.
    var rates: [Double] = []
    for _ in 0..<repeats {
      rates.append(
        throughput(
          model: model, pixels: pixels, imageCount: imageCount, threads: threads, batch: batch,
          seconds: seconds / Double(repeats) + 0.05))
    }
    rates.sort()
    let rate = percentile(rates, 0.5)

    // 3. Per-layer time, one thread, batch 1 and batch B.
    var timings: [LayerTiming] = []
    let summaries = model.layerSummaries
    pixels.withUnsafeBufferPointer { all in
      model.computeScores(UnsafeBufferPointer(rebasing: all[0..<(batch * size)]), count: batch, workspace: workspace)
    }
    for (index, summary) in summaries.enumerated() {
      let (one, many) = pixels.withUnsafeBufferPointer { all in
        let one = medianTime(seconds: seconds / Double(summaries.count)) {
          model.runLayerForProfiling(index, count: 1, pixels: all, workspace: workspace)
        }
        let many =
          medianTime(seconds: seconds / Double(summaries.count)) {
            model.runLayerForProfiling(index, count: batch, pixels: all, workspace: workspace)
          } / Double(batch)
        return (one, many)
      }
      timings.append(
        LayerTiming(index: index, kind: summary.kind, macs: summary.macs, secondsBatch1: one, secondsBatched: many))
    }

    let binaryMACs = Double(model.binaryMACs)
    let totalMACs = Double(model.binaryMACs + model.pixelMACs)
    let gopsBatch1 = 2 * binaryMACs / p50 / 1e9
    let gopsThroughput = 2 * binaryMACs * rate / 1e9
    if json {
      Console.out(
        JSON.object([
          ("model", .string(path)), ("kernel", .string(model.kernelPath.name)),
          ("threads", .int(threads)), ("batch", .int(batch)),
          (
            "latency_batch1_seconds",
            .object([
              ("p50", .number(p50)), ("p99", .number(p99)), ("mean", .number(mean)),
              ("min", .number(latencies.first!)), ("max", .number(latencies.last!)), ("calls", .int(latencies.count)),
            ])
          ),
          (
            "throughput_images_per_second",
            .object([
              ("median", .number(rate)), ("min", .number(rates.first!)), ("max", .number(rates.last!)),
              ("runs", .int(rates.count)),
            ])
          ),
          ("binary_macs_per_image", .int(model.binaryMACs)), ("pixel_macs_per_image", .int(model.pixelMACs)),
          ("binary_gops_batch1", .number(gopsBatch1)), ("binary_gops_throughput", .number(gopsThroughput)),
          (
            "layers",
            .array(
              timings.map { t in
                .object([
                  ("index", .int(t.index)), ("kind", .string(t.kind.name)), ("macs", .int(t.macs)),
                  ("seconds_batch1", .number(t.secondsBatch1)),
                  ("seconds_per_image_batched", .number(t.secondsBatched)),
                  ("gmacs_batch1", .number(Double(t.macs) / t.secondsBatch1 / 1e9)),
                  ("gmacs_batched", .number(Double(t.macs) / t.secondsBatched / 1e9)),
                ])
              })
          ),
        ]).text)
      return
    }
    Console.out("model        \(path)")
    Console.out("kernels      \(model.kernelPath.name)")
    Console.out("work         \(model.binaryMACs) binary MACs + \(model.pixelMACs) pixel MACs per image")
    Console.out("")
    Console.out("batch-1 latency (1 thread, \(latencies.count) calls)")
    Console.out("  p50 \(micro(p50))   p99 \(micro(p99))   mean \(micro(mean))   min \(micro(latencies.first!))")
    Console.out(
      "  binary GOPS at p50: \(fixed(gopsBatch1, 1))   (\(fixed(totalMACs / p50 / 1e9, 1)) G MAC/s all layers)")
    Console.out("")
    Console.out("throughput (\(threads) thread(s), batch \(batch), median of \(rates.count) runs)")
    Console.out("  \(fixed(rate, 0)) images/s  (min \(fixed(rates.first!, 0)), max \(fixed(rates.last!, 0)))")
    Console.out("  binary GOPS: \(fixed(gopsThroughput, 1))   (\(fixed(binaryMACs * rate / 1e9, 1)) G binary MAC/s)")
    Console.out("")
    Console.out("per layer (1 thread)        batch 1                    batch \(batch)")
    Console.out(" #  kind                time      G MAC/s           time/image   G MAC/s")
    for t in timings {
      Console.out(
        pad(String(t.index), 2) + "  " + t.kind.name.padding(toLength: 15, withPad: " ", startingAt: 0)
          + pad(micro(t.secondsBatch1), 10) + pad(fixed(Double(t.macs) / t.secondsBatch1 / 1e9, 1), 11)
          + pad(micro(t.secondsBatched), 19) + pad(fixed(Double(t.macs) / t.secondsBatched / 1e9, 1), 10))
    }
    Console.out("(pixel layers: 8-bit x 1-bit MACs on 8 bit-planes; the others: binary MACs)")
  }

  static func micro(_ seconds: Double) -> String { fixed(seconds * 1e6, 1) + " us" }

  static func percentile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
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
