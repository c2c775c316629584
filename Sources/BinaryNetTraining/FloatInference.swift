/// Buffers for inference over chunks of up to `capacity` images.
public final class FloatInferenceWorkspace {
  public let capacity: Int
  let input: Matrix
  /// Per pooling layer: the convolution output before pooling, and the winners.
  let convolutions: [Matrix?]
  let winners: [UnsafeMutablePointer<UInt8>?]
  /// Per layer: pre-activation, then (in place) output of the layer,
  /// `[capacity * outputPixels][outputCount]`.
  let outputs: [Matrix]
  let scratch: Matrix

  public init(network: BinaryNetwork, capacity: Int? = nil) {
    let capacity = capacity ?? Self.defaultCapacity(network)
    self.capacity = capacity
    input = Matrix(rows: capacity, cols: network.inputCount)
    convolutions = network.layers.map { layer in
      let g = layer.geometry
      return g.pool ? Matrix(rows: capacity * g.convolutionPixels, cols: g.outputChannels) : nil
    }
    winners = network.layers.map { layer in
      let g = layer.geometry
      guard g.pool else { return nil }
      let count = capacity * g.outputPixels * g.outputChannels
      let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
      buffer.initialize(repeating: 0, count: count)
      return buffer
    }
    outputs = network.layers.map {
      Matrix(rows: capacity * $0.geometry.outputPixels, cols: $0.outputCount)
    }
    scratch = Matrix(rows: 1, cols: network.scratchCount)
  }

  deinit { for buffer in winners { buffer?.deallocate() } }

  /// Up to 1000 images, fewer when one image's largest activation is big (convolutions),
  /// so that no buffer exceeds about 32 MB.
  static func defaultCapacity(_ network: BinaryNetwork) -> Int {
    let largest =
      network.layers.map {
        $0.geometry.convolutionPixels * $0.outputCount
      }.max() ?? 1
    return max(1, min(1000, (1 << 23) / largest))
  }
}

extension BinaryNetwork {
  /// Inference forward of the `rows` images already in `workspace.input` through layers
  /// `0..<layerLimit`, using each BatchNorm's stored (running or re-estimated) statistics.
  /// Returns the matrix holding the last computed layer's output: `sign(BN(z))` for hidden
  /// layers, the class scores `a_j * z_j + b_j` for the output layer (see
  /// `BatchNorm.outputAffine`); if `rawLast`, the last computed layer stops at the
  /// pre-activation its BatchNorm sees (pooled `z`, scaled by `inputScale` for the first
  /// layer), `[rows * outputPixels][outputCount]`.
  @discardableResult
  func forwardInference(
    rows: Int, workspace ws: FloatInferenceWorkspace, gemm: GEMM, layerLimit: Int? = nil,
    rawLast: Bool = false
  ) -> Matrix {
    let limit = layerLimit ?? layers.count
    var input = ws.input
    for index in 0..<limit {
      let layer = layers[index]
      let g = layer.geometry
      let z = ws.outputs[index]
      if let convolution = ws.convolutions[index] {
        layer.convolveAndPool(
          input.data, images: rows, into: z.data, winners: ws.winners[index]!,
          convolution: convolution.data, scratch: ws.scratch.data, gemm: gemm)
      } else {
        layer.convolve(input.data, images: rows, into: z.data, scratch: ws.scratch.data, gemm: gemm)
      }
      let zRows = rows * g.outputPixels
      if index == layers.count - 1 && !rawLast {
        let (scale, bias) = layer.batchNorm.outputAffine(
          zScale: index == 0 ? Double(Self.inputScale) : 1)
        for row in 0..<zRows {
          let r = z.row(row)
          for j in 0..<z.cols { r[j] = scale[j] * r[j] + bias[j] }
        }
        return z
      }
      if index == 0 { Self.scaleFirstLayer(z.data, count: zRows * z.cols) }
      if rawLast && index == limit - 1 { return z }
      layer.batchNorm.applyInference(z, rows: zRows)
      for row in 0..<zRows {
        let r = z.row(row)
        for j in 0..<z.cols { r[j] = binarySign(r[j]) }
      }
      input = z
    }
    return input
  }

  /// Class scores (last BatchNorm output) of images `indices` of `pixels`, in chunks.
  public func scores(
    pixels: UnsafePointer<UInt8>, indices: [Int], gemm: GEMM, chunk: Int? = nil
  ) -> [[Float]] {
    let workspace = FloatInferenceWorkspace(network: self, capacity: chunk)
    var result: [[Float]] = []
    result.reserveCapacity(indices.count)
    for start in stride(from: 0, to: indices.count, by: workspace.capacity) {
      let part = indices[start..<min(indices.count, start + workspace.capacity)]
      Self.loadInputs(
        pixels: pixels, imageSize: inputCount, indices: part, into: workspace.input)
      let output = forwardInference(rows: part.count, workspace: workspace, gemm: gemm)
      for row in 0..<part.count {
        result.append(Array(UnsafeBufferPointer(start: output.row(row), count: output.cols)))
      }
    }
    return result
  }

  /// Mean loss and accuracy of images `indices` of `pixels` against `labels`.
  public func evaluate(
    pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, indices: [Int], gemm: GEMM,
    chunk: Int? = nil
  ) -> (loss: Double, accuracy: Double, predictions: [Int]) {
    guard !indices.isEmpty else { return (0, 0, []) }
    let workspace = FloatInferenceWorkspace(network: self, capacity: chunk)
    let chunk = workspace.capacity
    var predictions: [Int] = []
    var lossSum = 0.0
    var correct = 0
    let gradient = Matrix(rows: chunk, cols: classCount)
    var labelBuffer = [Int32](repeating: 0, count: chunk)
    for start in stride(from: 0, to: indices.count, by: chunk) {
      let part = indices[start..<min(indices.count, start + chunk)]
      Self.loadInputs(
        pixels: pixels, imageSize: inputCount, indices: part, into: workspace.input)
      let output = forwardInference(rows: part.count, workspace: workspace, gemm: gemm)
      for (row, image) in part.enumerated() { labelBuffer[row] = Int32(labels[image]) }
      let logits = Matrix(rows: part.count, cols: output.cols)
      logits.data.update(from: output.data, count: logits.count)
      let batchGradient =
        part.count == chunk ? gradient : Matrix(rows: part.count, cols: output.cols)
      let (loss, hits) = labelBuffer.withUnsafeBufferPointer {
        SoftmaxCrossEntropy.lossAndGradient(
          logits: logits, labels: $0.baseAddress!, gradient: batchGradient)
      }
      lossSum += loss * Double(part.count)
      correct += hits
      predictions += SoftmaxCrossEntropy.argmax(logits, rows: part.count)
    }
    return (lossSum / Double(indices.count), Double(correct) / Double(indices.count), predictions)
  }
}
