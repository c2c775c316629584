/// One binary dense layer followed by BatchNorm: `z = x W_b^T`, `y = BN(z)`, where
/// `W_b = sign(W)` of the latent weights `W` (`[outputs][inputs]`, clipped to [-1, 1]).
public final class DenseLayer: @unchecked Sendable {
  public let inputCount: Int
  public let outputCount: Int
  /// Latent float weights, row-major `[outputCount][inputCount]`.
  public let latent: Matrix
  /// `sign(latent)`, refreshed by `refreshBinaryWeights`.
  public let binary: Matrix
  public var batchNorm: BatchNorm

  public init(inputCount: Int, outputCount: Int, batchNorm: BatchNorm) {
    self.inputCount = inputCount
    self.outputCount = outputCount
    latent = Matrix(rows: outputCount, cols: inputCount)
    binary = Matrix(rows: outputCount, cols: inputCount)
    self.batchNorm = batchNorm
  }

  public func refreshBinaryWeights(threads: Int) {
    binarize(latent.data, into: binary.data, count: latent.count, threads: threads)
  }
}

/// A binarized MLP: the first layer sees real inputs `pixel/255`; every hidden layer's
/// BatchNorm output goes through `sign`; the last layer's BatchNorm output is the class
/// score (softmax on top in training).
public final class BinaryMLP: @unchecked Sendable {
  public let architecture: MLPArchitecture
  public let layers: [DenseLayer]
  /// Input normalisation: the first layer sees `pixel * inputScale`.
  public static let inputScale: Float = 1 / 255

  public init(architecture: MLPArchitecture, epsilon: Float, momentum: Float) {
    self.architecture = architecture
    let widths = architecture.widths
    layers = (0..<architecture.layerCount).map { index in
      DenseLayer(
        inputCount: widths[index], outputCount: widths[index + 1],
        batchNorm: BatchNorm(features: widths[index + 1], epsilon: epsilon, momentum: momentum))
    }
  }

  /// Latent weights uniform in [-1, 1] (the BNN paper's initialisation with H = 1).
  public func initializeWeights(using rng: inout Xoshiro256) {
    for layer in layers {
      for i in 0..<layer.latent.count { layer.latent.data[i] = 2 * rng.nextUnitFloat() - 1 }
    }
  }

  public func refreshBinaryWeights(threads: Int) {
    for layer in layers { layer.refreshBinaryWeights(threads: threads) }
  }

  /// Writes the raw pixel values (0...255, exact in `Float`) of images `indices` into the
  /// rows of `input`. The first layer's product with ±1 weights is then an exact integer,
  /// scaled by `inputScale` afterwards exactly as the engine does (`Float(z) * scale`).
  public static func loadInputs(
    pixels: UnsafePointer<UInt8>, imageSize: Int, indices: some Collection<Int>, into input: Matrix
  ) {
    precondition(input.cols == imageSize && input.rows >= indices.count)
    for (row, image) in indices.enumerated() {
      let source = pixels + image * imageSize
      let target = input.row(row)
      for i in 0..<imageSize { target[i] = Float(source[i]) }
    }
  }

  /// Multiplies the first `rows` rows of `z` by `inputScale`: the first layer's
  /// pre-activation `sum_i w_i * (x_i * scale)` from the exact integer `sum_i w_i * x_i`.
  static func scaleFirstLayer(_ z: Matrix, rows: Int) {
    let scale = inputScale
    for index in 0..<(rows * z.cols) { z.data[index] = z.data[index] * scale }
  }
}

/// Buffers for inference over chunks of up to `capacity` images.
public final class FloatInferenceWorkspace: @unchecked Sendable {
  public let capacity: Int
  let input: Matrix
  /// Per layer: pre-activation / output of the layer.
  let outputs: [Matrix]

  public init(architecture: MLPArchitecture, capacity: Int) {
    self.capacity = capacity
    input = Matrix(rows: capacity, cols: architecture.inputCount)
    outputs = architecture.widths.dropFirst().map { Matrix(rows: capacity, cols: $0) }
  }
}

extension BinaryMLP {
  /// Inference forward of the `rows` inputs already in `workspace.input` through layers
  /// `0..<layerLimit`, using each BatchNorm's stored (running or re-estimated) statistics.
  /// Returns the matrix holding the last computed layer's output: `sign(BN(z))` for hidden
  /// layers, the class scores `a_j * z_j + b_j` for the output layer (see
  /// `BatchNorm.outputAffine`); if `rawLast`, the last computed layer stops at the
  /// pre-activation its BatchNorm sees (`z`, scaled by `inputScale` for the first layer).
  @discardableResult
  func forwardInference(
    rows: Int, workspace: FloatInferenceWorkspace, gemm: GEMM, layerLimit: Int? = nil,
    rawLast: Bool = false
  ) -> Matrix {
    let limit = layerLimit ?? layers.count
    var input = workspace.input
    for index in 0..<limit {
      let layer = layers[index]
      let z = workspace.outputs[index]
      gemm.multiply(input, layer.binary, transposeB: true, into: z, rows: rows)
      if index == layers.count - 1 && !rawLast {
        let (scale, bias) = layer.batchNorm.outputAffine(
          zScale: index == 0 ? Double(Self.inputScale) : 1)
        for row in 0..<rows {
          let r = z.row(row)
          for j in 0..<z.cols { r[j] = scale[j] * r[j] + bias[j] }
        }
        return z
      }
      if index == 0 { Self.scaleFirstLayer(z, rows: rows) }
      if rawLast && index == limit - 1 { return z }
      layer.batchNorm.applyInference(z, rows: rows)
      for row in 0..<rows {
        let r = z.row(row)
        for j in 0..<z.cols { r[j] = binarySign(r[j]) }
      }
      input = z
    }
    return input
  }

  /// Class scores (last BatchNorm output) of `count` images of `pixels`, chunked.
  public func scores(
    pixels: UnsafePointer<UInt8>, indices: [Int], gemm: GEMM, chunk: Int = 1000
  ) -> [[Float]] {
    let workspace = FloatInferenceWorkspace(architecture: architecture, capacity: chunk)
    var result: [[Float]] = []
    result.reserveCapacity(indices.count)
    for start in stride(from: 0, to: indices.count, by: chunk) {
      let part = indices[start..<min(indices.count, start + chunk)]
      BinaryMLP.loadInputs(
        pixels: pixels, imageSize: architecture.inputCount, indices: part, into: workspace.input)
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
    chunk: Int = 1000
  ) -> (loss: Double, accuracy: Double, predictions: [Int]) {
    guard !indices.isEmpty else { return (0, 0, []) }
    let workspace = FloatInferenceWorkspace(architecture: architecture, capacity: chunk)
    var predictions: [Int] = []
    var lossSum = 0.0
    var correct = 0
    let gradient = Matrix(rows: chunk, cols: architecture.classCount)
    var labelBuffer = [Int32](repeating: 0, count: chunk)
    for start in stride(from: 0, to: indices.count, by: chunk) {
      let part = indices[start..<min(indices.count, start + chunk)]
      BinaryMLP.loadInputs(
        pixels: pixels, imageSize: architecture.inputCount, indices: part, into: workspace.input)
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
