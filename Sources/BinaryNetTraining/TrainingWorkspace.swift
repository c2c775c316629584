/// Buffers of one training step for a fixed batch size: activations kept by the forward
/// pass for the backward pass, and the gradients.
final class TrainingWorkspace: @unchecked Sendable {
  let batch: Int
  /// Raw input pixels (0...255), `[batch][inputs]`.
  let input: Matrix
  /// Per layer: `z = x W_b^T`, `[batch][outputs]`.
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
  var labels: [Int32]

  init(architecture: MLPArchitecture, batch: Int) {
    self.batch = batch
    let widths = architecture.widths
    let layers = 0..<architecture.layerCount
    input = Matrix(rows: batch, cols: widths[0])
    preActivations = layers.map { Matrix(rows: batch, cols: widths[$0 + 1]) }
    outputs = layers.map { Matrix(rows: batch, cols: widths[$0 + 1]) }
    activations = layers.dropLast().map { Matrix(rows: batch, cols: widths[$0 + 1]) }
    caches = layers.map { BatchNormCache(batch: batch, features: widths[$0 + 1]) }
    gradients = layers.map { Matrix(rows: batch, cols: widths[$0 + 1]) }
    weightGradients = layers.map { Matrix(rows: widths[$0 + 1], cols: widths[$0]) }
    labels = Array(repeating: 0, count: batch)
  }

  /// The input of layer `index`: the pixels for the first layer, else the previous
  /// layer's binary activations.
  func layerInput(_ index: Int) -> Matrix { index == 0 ? input : activations[index - 1] }
}

/// Gradients of one layer's BatchNorm parameters.
struct BatchNormGradients {
  var gamma: [Float]
  var beta: [Float]
}

extension BinaryMLP {
  /// Forward and backward pass of one batch already loaded into `workspace` (`input`,
  /// `labels`), with binary weights already refreshed. Fills `weightGradients` and returns
  /// the BatchNorm gradients per layer, the mean loss and the number of correct rows.
  /// Updates the BatchNorm running statistics.
  func forwardBackward(workspace ws: TrainingWorkspace, gemm: GEMM)
    -> (batchNorm: [BatchNormGradients], loss: Double, correct: Int)
  {
    let threads = gemm.threads
    let last = layers.count - 1
    for (index, layer) in layers.enumerated() {
      let z = ws.preActivations[index]
      gemm.multiply(ws.layerInput(index), layer.binary, transposeB: true, into: z)
      if index == 0 { BinaryMLP.scaleFirstLayer(z, rows: z.rows) }
      layer.batchNorm.forwardTraining(
        z, into: ws.outputs[index], cache: ws.caches[index], threads: threads)
      if index < last {
        binarize(
          ws.outputs[index].data, into: ws.activations[index].data, count: z.count, threads: threads
        )
      }
    }
    let (loss, correct) = ws.labels.withUnsafeBufferPointer {
      SoftmaxCrossEntropy.lossAndGradient(
        logits: ws.outputs[last], labels: $0.baseAddress!, gradient: ws.gradients[last])
    }
    var batchNormGradients: [BatchNormGradients] = []
    for index in stride(from: last, through: 0, by: -1) {
      let layer = layers[index]
      let gradient = ws.gradients[index]
      if index < last {
        applyHardTanhGradientMask(
          gradient.data, preActivation: ws.outputs[index].data, count: gradient.count,
          threads: threads)
      }
      let (dGamma, dBeta) = layer.batchNorm.backward(
        gradient, cache: ws.caches[index], threads: threads)
      batchNormGradients.append(BatchNormGradients(gamma: dGamma, beta: dBeta))
      // dW = dz^T x_in: [outputs][batch] x [batch][inputs]
      // (the first layer's input holds raw pixels: its scale enters through alpha)
      gemm.multiply(
        gradient, ws.layerInput(index), transposeA: true, into: ws.weightGradients[index],
        alpha: index == 0 ? BinaryMLP.inputScale : 1)
      if index > 0 {
        // dx_in = dz W_b: [batch][outputs] x [outputs][inputs]
        gemm.multiply(gradient, layer.binary, into: ws.gradients[index - 1])
      }
    }
    return (batchNormGradients.reversed(), loss, correct)
  }
}
