import BinaryNet
import CPopcount
import Testing

/// One image's layers shared by a workspace's worker pool (`threads > 1`) give the very
/// bits and scores of one thread, on every kernel path, for dense layers split by rows
/// or by outputs, convolutions on bits or pixels (both pixel kernels) split by output
/// rows (border thresholds included), and batches. Run under `--sanitize=thread` by scripts/sanitizers.sh.
@Suite("Threaded inference: a worker pool per workspace")
struct ThreadedInferenceTests {
  @Test func thePoolRunsEveryTaskOnceInEveryRun() {
    for threads in [2, 3, 5] {
      guard let pool = bnn_pool_create(threads) else {
        Issue.record("no pool")
        return
      }
      #expect(bnn_pool_threads(pool) == threads)
      // How often each task ran: tasks write distinct slots of a plain buffer.
      let counts = UnsafeMutablePointer<Int>.allocate(capacity: 17)
      counts.initialize(repeating: 0, count: 17)
      let runs = 400
      for run in 0..<runs {
        bnn_pool_run(
          pool, 1 + run % 17, { context, task in context!.assumingMemoryBound(to: Int.self)[task] += 1 }, counts)
      }
      // Task i runs in every run with more than i tasks.
      let expected = (0..<17).map { i in (0..<runs).filter { 1 + $0 % 17 > i }.count }
      #expect(Array(UnsafeBufferPointer(start: counts, count: 17)) == expected, "\(threads) threads")
      counts.deallocate()
      bnn_pool_destroy(pool)
    }
    #expect(bnn_pool_create(1) == nil && bnn_pool_threads(nil) == 1)
  }

  func denseModel(rng: inout SplitMix64) throws -> Model {
    let input = InputDescription(width: 28, height: 28)
    // 784 x 200 pixel MACs on 8 planes, 200 x 1400 and 1400 x 300: each over the threshold
    // at batch 1 (split by outputs, in groups of 64) and split by rows in batches.
    let trained = randomTrainedNetwork(widths: [784, 200, 1400, 300, 10], input: input, rng: &rng)
    return try foldDenseNetwork(trained, input: input, labels: labels(10))
  }

  func convModel(rng: inout SplitMix64) throws -> Model {
    let input = InputDescription(width: 20, height: 20, channels: 1, scale: 0.25, offset: -32)
    let shape = TensorShape(height: 20, width: 20, channels: 1)
    let g = Geometry(kernelHeight: 3, kernelWidth: 3)
    func weights(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
    let conv1 = TrainedConvLayer(
      inputShape: shape, outputChannels: 40, geometry: g, weights: weights(9 * 40), poolAfter: false,
      inputPadValue: 0, batchNorm: randomBatchNorm(40, spread: 3, rng: &rng))
    let conv2 = TrainedConvLayer(
      inputShape: conv1.outputShape!, outputChannels: 70, geometry: g, weights: weights(9 * 40 * 70), poolAfter: true,
      inputPadValue: 0, batchNorm: randomBatchNorm(70, spread: 19, rng: &rng))
    let k = conv2.outputShape!.elementCount
    let output = TrainedDenseLayer(
      inputCount: k, outputCount: 6, weights: weights(k * 6), batchNorm: randomBatchNorm(6, spread: 40, rng: &rng))
    let definition = try Folding.network(
      [.inputSign, .convolution(conv1), .convolution(conv2), .dense(output)], input: input, labels: labels(6))
    return try Model(definition: definition)
  }

  /// A first convolution on pixels, 'same' padded with another value than pixel 0 (border
  /// thresholds): K = 5x5x3 = 75 runs the direct kernel, 7x7x6 = 294 the bit-plane one.
  func pixelConvModel(bitPlanes: Bool, rng: inout SplitMix64) throws -> Model {
    let (size, c, k) = bitPlanes ? (12, 6, 7) : (18, 3, 5)
    let input = InputDescription(width: size, height: size, channels: c, scale: 0.25, offset: -32)
    let shape = TensorShape(height: size, width: size, channels: c)
    func weights(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
    let conv = TrainedConvLayer(
      inputShape: shape, outputChannels: 24, geometry: Geometry(kernelHeight: k, kernelWidth: k),
      weights: weights(k * k * c * 24), poolAfter: true, inputPadValue: 0,
      batchNorm: randomBatchNorm(24, spread: 40 * Float(k), rng: &rng))
    let n = conv.outputShape!.elementCount
    let output = TrainedDenseLayer(
      inputCount: n, outputCount: 5, weights: weights(n * 5), batchNorm: randomBatchNorm(5, spread: 30, rng: &rng))
    let definition = try Folding.network([.convolution(conv), .dense(output)], input: input, labels: labels(5))
    return try Model(definition: definition)
  }

  /// Labels and score bit patterns of `count` images in batches of `batch`.
  func run(_ model: Model, _ images: [UInt8], count: Int, batch: Int, threads: Int) throws -> ([Int32], [UInt32]) {
    let workspace = model.makeWorkspace(batchCapacity: batch, threads: threads)
    #expect(workspace.threads == threads)
    var labels = [Int32](repeating: -1, count: count)
    var scores: [UInt32] = []
    let size = model.input.pixelCount
    try images.withUnsafeBufferPointer { pixels in
      var start = 0
      while start < count {
        let n = min(batch, count - start)
        try labels.withUnsafeMutableBufferPointer { out in
          try model.predictLabels(
            UnsafeBufferPointer(rebasing: pixels[(start * size)..<((start + n) * size)]), count: n,
            into: UnsafeMutableBufferPointer(rebasing: out[start..<(start + n)]), workspace: workspace)
        }
        for i in 0..<n { scores += workspace.scores(ofImage: i).map(\.bitPattern) }
        start += n
      }
    }
    return (labels, scores)
  }

  @Test(arguments: ["dense", "sign and binary convolutions", "direct pixel convolution", "bit-plane convolution"])
  func threadsGiveTheBitsOfOneThread(network: String) throws {
    var rng = SplitMix64(seed: 60 + UInt64(network.count))
    let model: Model
    switch network {
    case "dense": model = try denseModel(rng: &rng)
    case "sign and binary convolutions": model = try convModel(rng: &rng)
    default: model = try pixelConvModel(bitPlanes: network.hasPrefix("bit"), rng: &rng)
    }
    let count = 24
    let images = randomImages(count: count, pixels: model.input.pixelCount, rng: &rng)
    for path in KernelPath.available {
      let onPath = try model.using(path)
      for batch in [1, 5] {
        let (labels, scores) = try run(onPath, images, count: count, batch: batch, threads: 1)
        #expect(Set(labels).count > 1, "degenerate random network")
        for threads in [2, 3] {
          let (l, s) = try run(onPath, images, count: count, batch: batch, threads: threads)
          #expect(l == labels, "\(path.name), batch \(batch), \(threads) threads")
          #expect(s == scores, "\(path.name), batch \(batch), \(threads) threads: scores differ")
        }
      }
    }
  }
}
