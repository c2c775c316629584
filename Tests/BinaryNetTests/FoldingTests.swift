import BinaryNet
import Testing

@Suite("Folding BatchNorm + sign into integer thresholds")
struct FoldingTests {
  /// The engine's rule for a folded neuron.
  func engineOutputsPlusOne(_ z: Int, threshold: Int32, flip: Bool) -> Bool {
    let bitIsMinusOne = (z < Int(threshold)) != flip
    return !bitIsMinusOne
  }

  func bn(gamma: Float, beta: Float, mean: Float, variance: Float, epsilon: Float = 1e-5) -> BatchNormParameters {
    BatchNormParameters(gamma: [gamma], beta: [beta], mean: [mean], variance: [variance], epsilon: epsilon)
  }

  /// tau = mean - beta * s / gamma is an exact integer here: the float BN is exactly 0 at
  /// z = tau (sign(0) = +1), and the engine must agree at tau - 1, tau, tau + 1.
  @Test(arguments: [Float(1.5), -1.5, 0.25, -0.25])
  func exactIntegerTau(gamma: Float) {
    for tau in [-64, -7, -1, 0, 1, 6, 63] {
      let params = bn(gamma: gamma, beta: 0, mean: Float(tau), variance: 4, epsilon: 0)
      let range = -100...100
      let (t, flip) = Folding.threshold(range: range) { params.apply(Float($0), neuron: 0) >= 0 }
      for z in [tau - 1, tau, tau + 1] {
        let expected = params.apply(Float(z), neuron: 0) >= 0
        #expect(engineOutputsPlusOne(z, threshold: t, flip: flip) == expected, "gamma \(gamma) tau \(tau) z \(z)")
      }
      // At z = tau the BN output is exactly 0, which is +1.
      #expect(engineOutputsPlusOne(tau, threshold: t, flip: flip))
    }
  }

  /// Exhaustive over the whole integer range for random parameters, non-integer tau,
  /// negative and zero gamma, and tau outside the range (constant outputs).
  @Test func exhaustiveAgreementWithFloatBatchNorm() {
    var rng = SplitMix64(seed: 77)
    for trial in 0..<400 {
      let k = Int.random(in: 1...300, using: &rng)
      let gamma: Float = trial % 10 == 0 ? 0 : Float.random(in: -3...3, using: &rng)
      let params = bn(
        gamma: gamma, beta: Float.random(in: -2...2, using: &rng),
        mean: Float.random(in: -1.2...1.2, using: &rng) * Float(k),
        variance: Float.random(in: 0.001...2, using: &rng) * Float(k),
        epsilon: 1e-4)
      let (t, flip) = Folding.threshold(range: -k...k) { params.apply(Float($0), neuron: 0) >= 0 }
      for z in -k...k {
        let expected = params.apply(Float(z), neuron: 0) >= 0
        #expect(engineOutputsPlusOne(z, threshold: t, flip: flip) == expected)
      }
    }
  }

  @Test func zeroGammaIsConstantSignOfBeta() {
    for beta: Float in [-0.5, 0, 0.5] {
      let params = bn(gamma: 0, beta: beta, mean: 3, variance: 1)
      let (t, flip) = Folding.threshold(range: -10...10) { params.apply(Float($0), neuron: 0) >= 0 }
      for z in -10...10 {
        #expect(engineOutputsPlusOne(z, threshold: t, flip: flip) == (beta >= 0))
      }
    }
  }

  /// Through the whole pipeline: a 1-input network whose pre-activation is the pixel
  /// value itself, folded and run by the engine, against float BN for every pixel value.
  @Test(arguments: [Float(1), -1, 0])
  func firstLayerThresholdOnEveryPixelValue(gamma: Float) throws {
    let input = InputDescription(width: 1, height: 1, scale: 1 / 255, offset: 0)
    let means: [Float] = [0.2, 0.5, 100.0 / 255, 254.5 / 255]
    for mean in means {
      let hidden = TrainedDenseLayer(
        inputCount: 1, outputCount: 1, weights: [0.3],
        batchNorm: bn(gamma: gamma, beta: 0.01, mean: mean, variance: 0.04))
      // Output layer: score_0 = value of the hidden unit, score_1 = 0: class 0 iff hidden = +1.
      let output = TrainedDenseLayer(
        inputCount: 1, outputCount: 2, weights: [1, 1],
        batchNorm: BatchNormParameters(gamma: [1, 0], beta: [0, 0], mean: [0, 0], variance: [1, 1], epsilon: 0))
      let model = try foldDenseNetwork([hidden, output], input: input, labels: ["plus", "minus"])
      for pixel in 0...255 {
        let pre = Float(pixel) * input.scale
        let plus = hidden.batchNorm.apply(pre, neuron: 0) >= 0
        let result = try model.classify([UInt8(pixel)])
        #expect(result.label == (plus ? 0 : 1), "gamma \(gamma) mean \(mean) pixel \(pixel)")
      }
    }
  }

  @Test func badParametersAreRefused() {
    let input = InputDescription(width: 2, height: 1)
    func layer(variance: Float = 1, gamma: Float = 1, weights: Int = 4) -> TrainedDenseLayer {
      TrainedDenseLayer(
        inputCount: 2, outputCount: 2, weights: [Float](repeating: 0.5, count: weights),
        batchNorm: BatchNormParameters(
          gamma: [gamma, 1], beta: [0, 0], mean: [0, 0], variance: [variance, 1], epsilon: 0))
    }
    #expect(throws: ModelError.self) { try Folding.denseNetwork([], input: input, labels: ["a", "b"]) }
    #expect(throws: ModelError.self) {
      try Folding.denseNetwork([layer(variance: 0)], input: input, labels: ["a", "b"])
    }
    #expect(throws: ModelError.self) {
      try Folding.denseNetwork([layer(gamma: .nan)], input: input, labels: ["a", "b"])
    }
    #expect(throws: ModelError.self) {
      try Folding.denseNetwork([layer(weights: 3)], input: input, labels: ["a", "b"])
    }
    // Labels must match the output count; layers must chain.
    #expect(throws: ModelError.self) { try Folding.denseNetwork([layer()], input: input, labels: ["a"]) }
    #expect(throws: ModelError.self) {
      try Folding.denseNetwork(
        [layer(), layer(), layer()], input: InputDescription(width: 3, height: 1), labels: ["a", "b"])
    }
  }
}
