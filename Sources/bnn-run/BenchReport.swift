import BinaryNet
import CLISupport
import Foundation

/// `bnn-run bench` figures as text or JSON.
struct BenchReport {
  let model: Model
  let path: String
  let settings: BenchSettings
  let results: BenchResults

  var binaryMACs: Double { Double(model.binaryMACs) }
  var gopsBatch1: Double { 2 * binaryMACs / results.p50 / 1e9 }
  var gopsThroughput: Double { 2 * binaryMACs * results.rate / 1e9 }

  var json: JSON {
    let r = results
    return JSON.object([
      ("model", .string(path)), ("kernel", .string(model.kernelPath.name)),
      ("first_layer_form", .string(model.usesInt8FirstLayer ? "int8" : "bit-planes")),
      ("threads", .int(settings.threads)), ("batch", .int(settings.batch)),
      (
        "latency_batch1_seconds",
        .object([
          ("p50", .number(r.p50)), ("p99", .number(r.p99)), ("mean", .number(r.mean)),
          ("min", .number(r.latencies.first!)), ("max", .number(r.latencies.last!)),
          ("calls", .int(r.latencies.count)),
        ])
      ),
      (
        "latency_batch1_threaded_seconds",
        r.threadedLatencies.isEmpty
          ? .null
          : .object([
            ("threads", .int(settings.threads)), ("p50", .number(r.threadedP50)),
            ("p99", .number(percentile(r.threadedLatencies, 0.99))), ("min", .number(r.threadedLatencies.first!)),
            ("ratio_to_one_thread", .number(r.threadedP50 / r.p50)), ("calls", .int(r.threadedLatencies.count)),
          ])
      ),
      (
        "throughput_images_per_second",
        .object([
          ("median", .number(r.rate)), ("min", .number(r.rates.first!)), ("max", .number(r.rates.last!)),
          ("runs", .int(r.rates.count)),
        ])
      ),
      ("binary_macs_per_image", .int(model.binaryMACs)), ("pixel_macs_per_image", .int(model.pixelMACs)),
      ("binary_gops_batch1", .number(gopsBatch1)), ("binary_gops_throughput", .number(gopsThroughput)),
      (
        "layers",
        .array(
          r.layers.map { t in
            .object([
              ("index", .int(t.index)), ("kind", .string(t.kind.name)), ("macs", .int(t.macs)),
              ("seconds_batch1", .number(t.secondsBatch1)),
              ("seconds_per_image_batched", .number(t.secondsBatched)),
              ("gmacs_batch1", .number(Double(t.macs) / t.secondsBatch1 / 1e9)),
              ("gmacs_batched", .number(Double(t.macs) / t.secondsBatched / 1e9)),
            ])
          })
      ),
    ])
  }

  var text: String {
    let r = results
    let totalMACs = Double(model.binaryMACs + model.pixelMACs)
    var lines = [
      "model        \(path)",
      "kernels      \(model.kernelPath.name)",
      "work         \(model.binaryMACs) binary MACs + \(model.pixelMACs) pixel MACs per image",
      "",
      "batch-1 latency (1 thread, \(r.latencies.count) calls)",
      "  p50 \(micro(r.p50))   p99 \(micro(r.p99))   mean \(micro(r.mean))   min \(micro(r.latencies.first!))",
      "  binary GOPS at p50: \(fixed(gopsBatch1, 1))   (\(fixed(totalMACs / r.p50 / 1e9, 1)) G MAC/s all layers)",
    ]
    if !r.threadedLatencies.isEmpty {
      let t = r.threadedLatencies
      lines += [
        "",
        "batch-1 latency (\(settings.threads) threads sharing each image, \(t.count) calls)",
        "  p50 \(micro(r.threadedP50))   p99 \(micro(percentile(t, 0.99)))   min \(micro(t.first!))   "
          + "p50 / 1-thread p50: \(fixed(r.threadedP50 / r.p50, 2))",
      ]
    }
    lines += [
      "",
      "throughput (\(settings.threads) thread(s), batch \(settings.batch), median of \(r.rates.count) runs)",
      "  \(fixed(r.rate, 0)) images/s  (min \(fixed(r.rates.first!, 0)), max \(fixed(r.rates.last!, 0)))",
      "  binary GOPS: \(fixed(gopsThroughput, 1))   (\(fixed(binaryMACs * r.rate / 1e9, 1)) G binary MAC/s)",
      "",
      "per layer (1 thread)        batch 1                    batch \(settings.batch)",
      " #  kind                time      G MAC/s           time/image   G MAC/s",
    ]
    for t in r.layers {
      lines.append(
        pad(String(t.index), 2) + "  " + t.kind.name.padding(toLength: 15, withPad: " ", startingAt: 0)
          + pad(micro(t.secondsBatch1), 10) + pad(fixed(Double(t.macs) / t.secondsBatch1 / 1e9, 1), 11)
          + pad(micro(t.secondsBatched), 19) + pad(fixed(Double(t.macs) / t.secondsBatched / 1e9, 1), 10))
    }
    lines.append(
      "(pixel layers: 8-bit x 1-bit MACs, "
        + (model.usesInt8FirstLayer ? "on int8 weights" : "on 8 bit-planes") + "; the others: binary MACs)")
    return lines.joined(separator: "\n")
  }

  func micro(_ seconds: Double) -> String { fixed(seconds * 1e6, 1) + " us" }
}
