import BinaryNet

/// An independent float reference of a binarized dense network: plain `Float` math on
/// ±1 values, the way a trainer evaluates it. Shares no code with the engine (no
/// packing, no thresholds, no kernels), only the BatchNorm definition below.
struct FloatReferenceNetwork {
  let layers: [TrainedDenseLayer]
  let input: InputDescription

  /// Scores of the last layer for one image.
  func scores(_ pixels: ArraySlice<UInt8>) -> [Float] {
    var activations = pixels.map { Float($0) }
    for (index, layer) in layers.enumerated() {
      let k = layer.inputCount
      var next = [Float](repeating: 0, count: layer.outputCount)
      for j in 0..<layer.outputCount {
        var dot: Float = 0  // sums of integers below 2^24: exact in Float
        var weightSum: Float = 0
        for i in 0..<k {
          let w: Float = layer.weights[j * k + i] < 0 ? -1 : 1
          dot += w * activations[i]
          weightSum += w
        }
        let pre = index == 0 ? dot * input.scale + input.offset * weightSum : dot
        let bn = layer.batchNorm
        let y = bn.gamma[j] * ((pre - bn.mean[j]) / (bn.variance[j] + bn.epsilon).squareRoot()) + bn.beta[j]
        next[j] = index == layers.count - 1 ? y : (y >= 0 ? 1 : -1)
      }
      activations = next
    }
    return activations
  }

  func predict(_ pixels: ArraySlice<UInt8>) -> Int {
    let s = scores(pixels)
    var best = 0
    for j in 1..<s.count where s[j] > s[best] { best = j }
    return best
  }
}
