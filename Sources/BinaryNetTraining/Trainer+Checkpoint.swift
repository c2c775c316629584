extension Trainer {
  /// Names and matrices of every tensor the checkpoint stores, in file order.
  private func stateTensors() -> [(
    name: String, matrix: Matrix?, vector: WritableKeyPath<BatchNorm, [Float]>?, layer: Int
  )] {
    var entries: [(String, Matrix?, WritableKeyPath<BatchNorm, [Float]>?, Int)] = []
    for index in model.layers.indices {
      let prefix = "layer\(index)."
      entries.append((prefix + "weights", model.layers[index].latent, nil, index))
      entries.append((prefix + "gamma", nil, \.gamma, index))
      entries.append((prefix + "beta", nil, \.beta, index))
      entries.append((prefix + "runningMean", nil, \.runningMean, index))
      entries.append((prefix + "runningVariance", nil, \.runningVariance, index))
      entries.append((prefix + "adam.weights.m", weightMoments[index].first, nil, index))
      entries.append((prefix + "adam.weights.v", weightMoments[index].second, nil, index))
      entries.append((prefix + "adam.gamma.m", gammaMoments[index].first, nil, index))
      entries.append((prefix + "adam.gamma.v", gammaMoments[index].second, nil, index))
      entries.append((prefix + "adam.beta.m", betaMoments[index].first, nil, index))
      entries.append((prefix + "adam.beta.v", betaMoments[index].second, nil, index))
    }
    return entries.map { (name: $0.0, matrix: $0.1, vector: $0.2, layer: $0.3) }
  }

  /// The complete state after the last finished epoch.
  public func checkpoint(annotations: [String: String] = [:]) -> Checkpoint {
    var entries: [Checkpoint.TensorEntry] = []
    var tensors: [[Float]] = []
    for tensor in stateTensors() {
      let values =
        tensor.matrix?.values ?? model.layers[tensor.layer].batchNorm[keyPath: tensor.vector!]
      entries.append(Checkpoint.TensorEntry(name: tensor.name, count: values.count))
      tensors.append(values)
    }
    if let bestSnapshot {
      for (index, layer) in bestSnapshot.layers.enumerated() {
        let names = NetworkSnapshot.tensorNames(prefix: Self.bestPrefix, layer: index)
        for (name, values) in zip(names, layer.tensors) {
          entries.append(Checkpoint.TensorEntry(name: name, count: values.count))
          tensors.append(values)
        }
      }
    }
    let metadata = Checkpoint.Metadata(
      configuration: configuration, epoch: epoch, step: step, rng: rng, history: history,
      annotations: annotations, tensors: entries, best: best)
    return Checkpoint(metadata: metadata, tensors: tensors)
  }

  /// A trainer that continues the run saved in `checkpoint` (read from `path`, named in
  /// errors) on `data`, which must be the same data the run started with.
  public convenience init(
    checkpoint: Checkpoint, path: String, data: TrainingData, threads: Int
  ) throws(CheckpointError) {
    let configuration = checkpoint.metadata.configuration
    guard data.shape == configuration.architecture.input else {
      throw .mismatch(
        path: path,
        detail:
          "it was trained on \(configuration.architecture.input) images, these are \(data.shape)")
    }
    guard configuration.architecture.layerGeometries != nil else {
      throw .corrupt(path: path, detail: "its architecture's layers do not fit together")
    }
    guard data.validationCount == configuration.validationCount,
      data.trainingCount >= configuration.batchSize,
      (data.trainingIndices, data.validationIndices) == configuration.split.indices(labels: data.labels)
    else {
      throw .mismatch(path: path, detail: "the data set has a different size or validation split")
    }
    self.init(configuration: configuration, data: data, threads: threads)
    let metadata = checkpoint.metadata
    guard metadata.epoch >= 0, metadata.epoch <= configuration.epochs, metadata.step >= 0,
      metadata.rng.state.count == 4
    else {
      throw .corrupt(path: path, detail: "inconsistent epoch, step or RNG state")
    }
    for tensor in stateTensors() {
      guard let values = checkpoint.tensor(tensor.name) else {
        throw .corrupt(path: path, detail: "tensor \(tensor.name) is missing")
      }
      if let matrix = tensor.matrix {
        guard values.count == matrix.count else {
          throw .corrupt(
            path: path,
            detail: "tensor \(tensor.name) has \(values.count) values, expected \(matrix.count)")
        }
        matrix.assign(values)
      } else {
        let layer = model.layers[tensor.layer]
        guard values.count == layer.outputCount else {
          throw .corrupt(
            path: path,
            detail:
              "tensor \(tensor.name) has \(values.count) values, expected \(layer.outputCount)")
        }
        layer.batchNorm[keyPath: tensor.vector!] = values
      }
    }
    epoch = metadata.epoch
    step = metadata.step
    rng = metadata.rng
    history = metadata.history
    if let stored = metadata.best {
      guard stored.epoch >= 1, stored.epoch <= epoch else {
        throw .corrupt(path: path, detail: "best epoch \(stored.epoch) after the last epoch \(epoch)")
      }
      best = stored
      bestSnapshot = try readBestSnapshot(checkpoint, path: path)
    }
  }

  /// The `best.` tensors, each the size of its counterpart in the current model.
  private func readBestSnapshot(_ checkpoint: Checkpoint, path: String) throws(CheckpointError)
    -> NetworkSnapshot
  {
    let current = model.snapshot()
    var layers: [NetworkSnapshot.Layer] = []
    for (index, layer) in current.layers.enumerated() {
      var values: [[Float]] = []
      let names = NetworkSnapshot.tensorNames(prefix: Self.bestPrefix, layer: index)
      for (name, expected) in zip(names, layer.tensors) {
        guard let stored = checkpoint.tensor(name) else {
          throw .corrupt(path: path, detail: "tensor \(name) is missing")
        }
        guard stored.count == expected.count else {
          throw .corrupt(
            path: path, detail: "tensor \(name) has \(stored.count) values, expected \(expected.count)")
        }
        values.append(stored)
      }
      layers.append(NetworkSnapshot.Layer(tensors: values))
    }
    return NetworkSnapshot(layers: layers)
  }

  /// The name prefix of the best epoch's tensors.
  static let bestPrefix = "best."
}
