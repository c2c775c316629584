/// Buffers of one training step for a fixed batch size: activations kept by the forward
/// pass for the backward pass, and the gradients. Per layer, "rows" are the batch's
/// output pixels (`batch * outputPixels`, the batch itself for dense layers) and columns
/// its channels.
final class TrainingWorkspace {
  let batch: Int
  /// Raw input pixels (0...255), `[batch][inputs]`.
  let input: Matrix
  /// Per pooling layer: the convolution output `[batch * convolutionPixels][channels]`,
  /// the winners of the pooling, and the gradient w.r.t. the convolution output.
  let convolutions: [Matrix?]
  let winners: [UnsafeMutablePointer<UInt8>?]
  let convolutionGradients: [Matrix?]
  /// Per layer: the BatchNorm's input `z` (after pooling; scaled for the first layer).
  let preActivations: [Matrix]
  /// Per layer: BatchNorm output `y`.
  let outputs: [Matrix]
  /// Per hidden layer: `sign(y)`, the next layer's input.
  let activations: [Matrix]
  let caches: [BatchNormCache]
  /// Per layer: gradient of the loss w.r.t. the layer's output, then (in place) w.r.t. `z`.
  let gradients: [Matrix]
  /// Per layer: gradient w.r.t. the binary weights, used for the latent weights (STE).
  let weightGradients: [Matrix]
  /// im2col blocks, shared by all layers.
  let scratch: Matrix
  /// The quantised operands of int8 backward products (nil: float32 products).
  let int8: Int8Gradients?
  var labels: [Int32]

  init(network: BinaryNetwork, batch: Int, precision: GradientPrecision = .float32) {
    self.batch = batch
    let layers = network.layers
    func rows(_ layer: BinaryLayer) -> Int { batch * layer.geometry.outputPixels }
    func convolutionMatrix(_ layer: BinaryLayer) -> Matrix? {
      let g = layer.geometry
      return g.pool ? Matrix(rows: batch * g.convolutionPixels, cols: g.outputChannels) : nil
    }
    input = Matrix(rows: batch, cols: network.inputCount)
    convolutions = layers.map(convolutionMatrix)
    convolutionGradients = layers.map(convolutionMatrix)
    winners = layers.map { layer in
      guard layer.geometry.pool else { return nil }
      let count = rows(layer) * layer.outputCount
      let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
      buffer.initialize(repeating: 0, count: count)
      return buffer
    }
    preActivations = layers.map { Matrix(rows: rows($0), cols: $0.outputCount) }
    outputs = layers.map { Matrix(rows: rows($0), cols: $0.outputCount) }
    activations = layers.dropLast().map { Matrix(rows: rows($0), cols: $0.outputCount) }
    caches = layers.map { BatchNormCache(batch: rows($0), features: $0.outputCount) }
    gradients = layers.map { Matrix(rows: rows($0), cols: $0.outputCount) }
    weightGradients = layers.map { Matrix(rows: $0.outputCount, cols: $0.geometry.dotLength) }
    scratch = Matrix(rows: 1, cols: network.scratchCount)
    int8 = precision == .int8 ? Int8Gradients() : nil
    labels = Array(repeating: 0, count: batch)
  }

  deinit { for buffer in winners { buffer?.deallocate() } }

  /// The input of layer `index`: the pixels for the first layer, else the previous
  /// layer's binary activations.
  func layerInput(_ index: Int) -> Matrix { index == 0 ? input : activations[index - 1] }
}

/// Gradients of one layer's BatchNorm parameters.
struct BatchNormGradients {
  var gamma: [Float]
  var beta: [Float]
}

extension BinaryNetwork {
  /// Forward and backward pass of one batch already loaded into `workspace` (`input`,
  /// `labels`), with binary weights already refreshed. Fills `weightGradients` and returns
  /// the BatchNorm gradients per layer, the mean loss and the number of correct rows.
  /// Updates the BatchNorm running statistics.
  ///
  /// Per layer: `z = pool(conv(x))` (`BinaryLayer`), scaled by `inputScale` for the
  /// first layer, `y = BN(z)` with batch statistics over the batch's output pixels,
  /// `x_next = sign(y)`. Backward: the hard-tanh window on `dy` of hidden layers,
  /// BatchNorm backward, the pooling routes `dz` to each window's maximum, then the
  /// convolution's backward gives `dW` and (except for the first layer) `dx`.
  func forwardBackward(workspace ws: TrainingWorkspace, gemm: GEMM)
    -> (batchNorm: [BatchNormGradients], loss: Double, correct: Int)
  {
    let threads = gemm.threads
    let batch = ws.batch
    let last = layers.count - 1
    for (index, layer) in layers.enumerated() {
      let z = ws.preActivations[index]
      if let convolution = ws.convolutions[index] {
        layer.convolveAndPool(
          ws.layerInput(index).data, images: batch, into: z.data, winners: ws.winners[index]!,
          convolution: convolution.data, scratch: ws.scratch.data, gemm: gemm)
      } else {
        layer.convolve(
          ws.layerInput(index).data, images: batch, into: z.data, scratch: ws.scratch.data,
          gemm: gemm)
      }
      if index == 0 { BinaryNetwork.scaleFirstLayer(z.data, count: z.count) }
      // Hidden layers: the next layer's ±1 input in the same pass.
      layer.batchNorm.forwardTraining(
        z, into: ws.outputs[index], cache: ws.caches[index],
        signs: index < last ? ws.activations[index] : nil, threads: threads)
    }
    let (loss, correct) = ws.labels.withUnsafeBufferPointer {
      SoftmaxCrossEntropy.lossAndGradient(
        logits: ws.outputs[last], labels: $0.baseAddress!, gradient: ws.gradients[last])
    }
    var batchNormGradients: [BatchNormGradients] = []
    for index in stride(from: last, through: 0, by: -1) {
      let layer = layers[index]
      let gradient = ws.gradients[index]
      // Hidden layers: the hard-tanh window of their sign, in BatchNorm's first pass.
      let (dGamma, dBeta) = layer.batchNorm.backward(
        gradient, cache: ws.caches[index], hardTanhWindow: index < last ? ws.outputs[index] : nil,
        threads: threads)
      batchNormGradients.append(BatchNormGradients(gamma: dGamma, beta: dBeta))
      var dz = gradient
      if let convolutionGradient = ws.convolutionGradients[index] {
        MaxPooling.backward(
          gradient.data, winners: ws.winners[index]!, images: batch,
          shape: layer.geometry.convolution, into: convolutionGradient.data, threads: threads)
        dz = convolutionGradient
      }
      // The first layer's input holds raw pixels: its scale enters through alpha.
      layer.backward(
        dz.data, input: ws.layerInput(index).data, images: batch,
        weightGradient: ws.weightGradients[index],
        alpha: index == 0 ? BinaryNetwork.inputScale : 1,
        inputGradient: index > 0 ? ws.gradients[index - 1].data : nil, scratch: ws.scratch.data,
        gemm: gemm, int8: ws.int8)
    }
    return (batchNormGradients.reversed(), loss, correct)
  }
}
