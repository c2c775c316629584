import BinaryNet

extension BinaryMLP {
  /// The layers as the inference core's folding takes them: latent weights and each
  /// BatchNorm with its stored statistics (call `reestimateBatchNormStatistics` first).
  /// The BatchNorm sees `z` exactly as this trainer defines it: `sum_i w_i * (x_i / 255)`
  /// for the first layer, the ±1 dot product for the others.
  public func trainedLayers() -> [TrainedDenseLayer] {
    layers.map { layer in
      let bn = layer.batchNorm
      return TrainedDenseLayer(
        inputCount: layer.inputCount, outputCount: layer.outputCount, weights: layer.latent.values,
        batchNorm: BatchNormParameters(
          gamma: bn.gamma, beta: bn.beta, mean: bn.runningMean, variance: bn.runningVariance,
          epsilon: bn.epsilon))
    }
  }

  /// The input description matching `loadInputs` + `scaleFirstLayer`: `x * (1/255) + 0`.
  public static func inputDescription(width: Int, height: Int) -> InputDescription {
    InputDescription(width: width, height: height, channels: 1, scale: inputScale, offset: 0)
  }

  /// Folds the network into a runnable engine model (thresholds, packed weights).
  public func fold(width: Int, height: Int, labels: [String]) throws(ModelError) -> Model {
    try foldDenseNetwork(
      trainedLayers(), input: Self.inputDescription(width: width, height: height), labels: labels)
  }
}
