import BinaryNet
import Foundation
import Testing

@Suite("classification: probabilities, top-k, classify(image:)")
struct ClassificationTests {
  /// Softmax in Double, the reference.
  static func softmax(_ scores: [Float]) -> [Double] {
    let m = Double(scores.max()!)
    let e = scores.map { Foundation.exp(Double($0) - m) }
    let sum = e.reduce(0, +)
    return e.map { $0 / sum }
  }

  @Test func probabilitiesAreTheSoftmaxOfTheScores() {
    var rng = SplitMix64(seed: 3)
    for count in [1, 2, 3, 10, 100] {
      let scores = (0..<count).map { _ in Float.random(in: -40...40, using: &rng) }
      let p = Classification(scores: scores).probabilities
      let reference = ClassificationTests.softmax(scores)
      #expect(p.count == count)
      #expect(abs(Double(p.reduce(0, +)) - 1) < 1e-5)
      for j in 0..<count { #expect(abs(Double(p[j]) - reference[j]) <= 1e-6 + 1e-5 * reference[j], "\(j)") }
    }
  }

  /// Subtracting the largest score keeps huge scores finite: e^1000 would overflow.
  @Test func probabilitiesAreStableForLargeScores() {
    let p = Classification(scores: [1000, 999, -1000]).probabilities
    #expect(p.allSatisfy { $0.isFinite })
    #expect(abs(p[0] - 0.731_058_6) < 1e-6 && abs(p[1] - 0.268_941_4) < 1e-6 && p[2] == 0)
    #expect(Classification(scores: [5, 5, 5, 5]).probabilities == [0.25, 0.25, 0.25, 0.25])
  }

  @Test func topOrdersByScoreThenLowerLabel() {
    let c = Classification(scores: [1, 3, 3, -2, 3, 0])
    #expect(c.label == 1)
    #expect(c.top(4).map(\.label) == [1, 2, 4, 0])
    #expect(c.top(100).map(\.label) == [1, 2, 4, 0, 5, 3])
    #expect(c.top(0).isEmpty)
    let first = c.top(1)[0]
    #expect(first.score == 3 && first.probability == c.probabilities[1])
  }

  /// `top(1)` is the engine's argmax on random scores with many ties.
  @Test func topOneIsTheEngineArgmax() {
    var rng = SplitMix64(seed: 11)
    for _ in 0..<500 {
      let scores = (0..<7).map { _ in Float(Int.random(in: -3...3, using: &rng)) }
      let expected = scores.withUnsafeBufferPointer { Model.argmax($0) }
      let c = Classification(scores: scores)
      #expect(c.label == expected && c.top(1)[0].label == expected)
    }
  }

  @Test func classifyImageMatchesClassifyPixels() throws {
    var rng = SplitMix64(seed: 5)
    let input = InputDescription(width: 5, height: 3)
    let model = try Model(
      definition: Folding.denseNetwork(
        randomTrainedNetwork(widths: [15, 32, 4], input: input, rng: &rng), input: input, labels: labels(4)))
    for _ in 0..<20 {
      let pixels = randomImages(count: 1, pixels: 15, rng: &rng)
      let image = PixelImage(width: 5, height: 3, channels: 1, pixels: pixels)
      #expect(try model.classify(image: image) == model.classify(pixels))
    }
  }

  @Test func classifyImageRefusesAnotherShapeNamingBoth() throws {
    var rng = SplitMix64(seed: 5)
    let input = InputDescription(width: 5, height: 3)
    let model = try Model(
      definition: Folding.denseNetwork(
        randomTrainedNetwork(widths: [15, 8, 2], input: input, rng: &rng), input: input, labels: labels(2)))
    let cases = [
      PixelImage(width: 3, height: 5, channels: 1, pixels: [UInt8](repeating: 0, count: 15)),
      PixelImage(width: 5, height: 3, channels: 3, pixels: [UInt8](repeating: 0, count: 45)),
    ]
    let expected = [
      "image is 5x3x1, the model takes 3x5x1 (height x width x channels)",
      "image is 3x5x3, the model takes 3x5x1 (height x width x channels)",
    ]
    for (image, message) in zip(cases, expected) {
      #expect(throws: ModelError.invalidArgument(message)) { try model.classify(image: image) }
    }
  }
}
