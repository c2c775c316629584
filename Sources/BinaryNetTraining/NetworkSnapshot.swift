/// A copy of what a `BinaryNetwork` folds into a model: every layer's latent weights and
/// BatchNorm parameters and running statistics (the kept epoch under `KeptEpoch.best`).
public struct NetworkSnapshot: Equatable, Sendable {
  public struct Layer: Equatable, Sendable {
    public var weights: [Float]
    public var gamma: [Float]
    public var beta: [Float]
    public var runningMean: [Float]
    public var runningVariance: [Float]
  }

  public var layers: [Layer]

  /// The checkpoint's tensor names of layer `index`'s values, prefixed by `prefix`.
  static func tensorNames(prefix: String, layer index: Int) -> [String] {
    ["weights", "gamma", "beta", "runningMean", "runningVariance"].map { "\(prefix)layer\(index).\($0)" }
  }
}

extension NetworkSnapshot.Layer {
  /// The values in `tensorNames` order.
  var tensors: [[Float]] { [weights, gamma, beta, runningMean, runningVariance] }

  init(tensors: [[Float]]) {
    precondition(tensors.count == 5)
    self.init(
      weights: tensors[0], gamma: tensors[1], beta: tensors[2], runningMean: tensors[3],
      runningVariance: tensors[4])
  }
}

extension BinaryNetwork {
  /// The current weights and BatchNorm state.
  public func snapshot() -> NetworkSnapshot {
    NetworkSnapshot(
      layers: layers.map { layer in
        let bn = layer.batchNorm
        return NetworkSnapshot.Layer(
          weights: layer.latent.values, gamma: bn.gamma, beta: bn.beta, runningMean: bn.runningMean,
          runningVariance: bn.runningVariance)
      })
  }

  /// Puts `snapshot` (taken from a network of this architecture) back; the binary weights
  /// follow at the next `refreshBinaryWeights`.
  public func restore(_ snapshot: NetworkSnapshot) {
    precondition(snapshot.layers.count == layers.count)
    for (layer, stored) in zip(layers, snapshot.layers) {
      layer.latent.assign(stored.weights)
      layer.batchNorm.gamma = stored.gamma
      layer.batchNorm.beta = stored.beta
      layer.batchNorm.runningMean = stored.runningMean
      layer.batchNorm.runningVariance = stored.runningVariance
    }
  }
}
