import BinaryNet

extension BinaryNetwork {
  /// The layers as the inference core's folding takes them: latent weights and each
  /// BatchNorm with its stored statistics (call `reestimateBatchNormStatistics` first).
  /// The BatchNorm sees `z` exactly as this trainer defines it: `sum_i w_i * (x_i / 255)`
  /// for the first layer, the ±1 dot product for the others, after pooling.
  public func trainedLayers() -> [TrainedLayer] {
    layers.map { layer in
      let bn = layer.batchNorm
      let batchNorm = BatchNormParameters(
        gamma: bn.gamma, beta: bn.beta, mean: bn.runningMean, variance: bn.runningVariance,
        epsilon: bn.epsilon)
      let g = layer.geometry
      if g.isDense {
        return .dense(
          TrainedDenseLayer(
            inputCount: layer.inputCount, outputCount: layer.outputCount,
            weights: layer.latent.values, batchNorm: batchNorm))
      }
      return .convolution(
        TrainedConvLayer(
          inputShape: g.input, outputChannels: layer.outputCount, geometry: g.window,
          weights: layer.latent.values, poolAfter: g.pool, batchNorm: batchNorm))
    }
  }

  /// The input description matching `loadInputs` + `scaleFirstLayer`: `x * (1/255) + 0`.
  public static func inputDescription(_ shape: TensorShape) -> InputDescription {
    InputDescription(
      width: shape.width, height: shape.height, channels: shape.channels, scale: inputScale,
      offset: 0)
  }

  /// Folds the network into a runnable engine model (thresholds, packed weights).
  public func fold(labels: [String]) throws(ModelError) -> Model {
    try foldNetwork(
      trainedLayers(), input: Self.inputDescription(architecture.input), labels: labels)
  }
}
