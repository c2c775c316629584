import BinaryNet
import CPopcount
import Testing

/// One image's layers shared by a workspace's worker pool (`threads > 1`) give the very
/// bits and scores of one thread, on every kernel path, for dense layers split by rows
/// or by outputs, binary convolutions split by output rows (border thresholds included),
/// and batches. Run under `--sanitize=thread` by scripts/sanitizers.sh.
@Suite("Threaded inference: a worker pool per workspace")
struct ThreadedInferenceTests {
  /// Counts how often each task ran; tasks write distinct slots.
  final class TaskCounts {
    var counts: [Int]
    init(_ n: Int) { counts = [Int](repeating: 0, count: n) }
  }

  @Test func thePoolRunsEveryTaskOnceInEveryRun() {
    for threads in [2, 3, 5] {
      guard let pool = bnn_pool_create(threads) else {
        Issue.record("no pool")
        return
      }
      #expect(bnn_pool_threads(pool) == threads)
      let tally = TaskCounts(17)
      let runs = 400
      for run in 0..<runs {
        let tasks = 1 + run % 17
        withUnsafeMutablePointer(to: &tally.counts) { counts in
          bnn_pool_run(
            pool, tasks,
            { context, task in
              let counts = context!.assumingMemoryBound(to: [Int].self)
              counts.pointee.withUnsafeMutableBufferPointer { $0[task] += 1 }
            }, counts)
        }
      }
      // Task i runs in every run with more than i tasks.
      let expected = (0..<17).map { i in (0..<runs).filter { 1 + $0 % 17 > i }.count }
      #expect(tally.counts == expected, "\(threads) threads")
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

  @Test(arguments: [false, true])
  func threadsGiveTheBitsOfOneThread(convolutional: Bool) throws {
    var rng = SplitMix64(seed: convolutional ? 61 : 60)
    let model = try convolutional ? convModel(rng: &rng) : denseModel(rng: &rng)
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
