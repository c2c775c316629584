extension BinaryNetwork {
  /// Replaces every BatchNorm's stored mean and variance by the exact population
  /// statistics of its pre-activation `z` over images `indices` (and, for convolutions,
  /// over every output pixel of them):
  ///
  ///     mean_j = (1/N) sum_n z_nj        variance_j = (1/N) sum_n z_nj^2 - mean_j^2
  ///
  /// computed layer by layer with the final binary weights, each layer's inputs produced
  /// with the already re-estimated statistics of the layers below. The running averages
  /// collected during training lag the final weights (latent weights near zero keep
  /// flipping sign), which is why this runs before folding (DESIGN.md, "Training").
  public func reestimateBatchNormStatistics(
    pixels: UnsafePointer<UInt8>, indices: [Int], gemm: GEMM, chunk: Int? = nil
  ) {
    guard !indices.isEmpty else { return }
    refreshBinaryWeights(threads: gemm.threads)
    let workspace = FloatInferenceWorkspace(network: self, capacity: chunk)
    for (index, layer) in layers.enumerated() {
      let n = layer.outputCount
      var sum = [Double](repeating: 0, count: n)
      var sumOfSquares = [Double](repeating: 0, count: n)
      for start in stride(from: 0, to: indices.count, by: workspace.capacity) {
        let part = indices[start..<min(indices.count, start + workspace.capacity)]
        Self.loadInputs(
          pixels: pixels, imageSize: inputCount, indices: part, into: workspace.input)
        let z = forwardInference(
          rows: part.count, workspace: workspace, gemm: gemm, layerLimit: index + 1, rawLast: true)
        for row in 0..<(part.count * layer.geometry.outputPixels) {
          let r = z.row(row)
          for j in 0..<n {
            let value = Double(r[j])
            sum[j] += value
            sumOfSquares[j] += value * value
          }
        }
      }
      let count = Double(indices.count * layer.geometry.outputPixels)
      for j in 0..<n {
        let mean = sum[j] / count
        layer.batchNorm.runningMean[j] = Float(mean)
        layer.batchNorm.runningVariance[j] = Float(max(0, sumOfSquares[j] / count - mean * mean))
      }
    }
  }
}
