import BinaryNet
import Foundation
import Testing

/// Eight OS threads (not pool tasks: the pool has as many threads as cores) share one
/// `Model`; every thread's predictions must equal the single-threaded ones. Run under
/// `--sanitize=thread` by scripts/sanitizers.sh.
@Suite struct ConcurrentInferenceTests {
  @Test func eightThreadsSharingOneModelPredictLikeOne() throws {
    var rng = SplitMix64(seed: 21)
    let input = InputDescription(width: 28, height: 28)
    let trained = randomTrainedNetwork(widths: [784, 96, 32, 10], input: input, rng: &rng)
    let model = try foldDenseNetwork(trained, input: input, labels: labels(10))
    let count = 40
    let images = randomImages(count: count, pixels: 784, rng: &rng)
    let expected = try model.predictLabels(images, count: count)
    let expectedScores = try model.classify(Array(images[0..<784])).scores

    final class Results: @unchecked Sendable {
      let lock = NSLock()
      var labels: [[Int]] = []
      var scores: [[Float]] = []
      var failures: [String] = []
    }
    let results = Results()
    let done = DispatchGroup()
    for thread in 0..<8 {
      done.enter()
      let worker = Thread {
        defer { done.leave() }
        do {
          var mine: [Int] = []
          for _ in 0..<3 {
            mine = try model.predictLabels(images, count: count, batchSize: 1 + thread % 5)
          }
          let scores = try model.classify(Array(images[0..<784])).scores
          results.lock.lock()
          results.labels.append(mine)
          results.scores.append(scores)
          results.lock.unlock()
        } catch {
          results.lock.lock()
          results.failures.append("\(error)")
          results.lock.unlock()
        }
      }
      worker.start()
    }
    done.wait()
    #expect(results.failures.isEmpty, "\(results.failures)")
    #expect(results.labels.count == 8)
    for labels in results.labels { #expect(labels == expected) }
    for scores in results.scores { #expect(scores == expectedScores) }
  }
}
