import BinaryNet

/// Deterministic PRNG (SplitMix64) so every random test is reproducible.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A random trained dense network with BatchNorm statistics that keep activations
/// varied (mean and spread near the pre-activation's), negative and zero gammas included.
func randomTrainedNetwork(
  widths: [Int], input: InputDescription, rng: inout SplitMix64
) -> [TrainedDenseLayer] {
  var layers: [TrainedDenseLayer] = []
  for l in 0..<(widths.count - 1) {
    let inputs = widths[l]
    let outputs = widths[l + 1]
    let weights = (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &rng) }
    // Pre-activation scale: pixels give up to 255*K*scale, binary layers about sqrt(K).
    let spread: Float = l == 0 ? Float(inputs).squareRoot() * 40 * input.scale : Float(inputs).squareRoot()
    var gamma: [Float] = []
    for j in 0..<outputs {
      switch j % 7 {
      case 0: gamma.append(-Float.random(in: 0.2...2, using: &rng))
      case 6 where l < widths.count - 2: gamma.append(0)
      default: gamma.append(Float.random(in: 0.2...2, using: &rng))
      }
    }
    let beta = (0..<outputs).map { _ in Float.random(in: -1...1, using: &rng) }
    let mean = (0..<outputs).map { _ in Float.random(in: -0.5...0.5, using: &rng) * spread }
    let variance = (0..<outputs).map { _ in spread * spread * Float.random(in: 0.3...1.5, using: &rng) }
    layers.append(
      TrainedDenseLayer(
        inputCount: inputs, outputCount: outputs, weights: weights,
        batchNorm: BatchNormParameters(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: 1e-5)))
  }
  return layers
}

/// Random 8-bit images, with a share of dark pixels as in digit images.
func randomImages(count: Int, pixels: Int, rng: inout SplitMix64) -> [UInt8] {
  (0..<(count * pixels)).map { _ in
    Bool.random(using: &rng) ? 0 : UInt8.random(in: 0...255, using: &rng)
  }
}

func labels(_ n: Int) -> [String] { (0..<n).map { "class" + String($0) } }

/// A small valid model (two hidden layers), for the file-format tests.
func smallModelBytes(seed: UInt64 = 7) throws -> [UInt8] {
  var rng = SplitMix64(seed: seed)
  let input = InputDescription(width: 5, height: 3)
  let trained = randomTrainedNetwork(widths: [15, 70, 9, 3], input: input, rng: &rng)
  return try Folding.denseNetwork(trained, input: input, labels: ["zero", "one", "two"]).serialized()
}
