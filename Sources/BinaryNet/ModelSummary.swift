/// A description of one layer for tools (`bnn-run info`), computed from the model.
public struct LayerSummary: Sendable, Equatable {
  public var kind: LayerKind
  public var inputShape: TensorShape
  public var outputShape: TensorShape
  /// Kernel window (`.dense` for dense layers).
  public var geometry: Geometry
  /// Length of each dot product (`K`).
  public var dotLength: Int
  /// Binary weights (one bit each).
  public var binaryWeights: Int
  /// Other parameters: one threshold (Int32) and one flip bit per neuron or channel, a
  /// scale and a bias (Float) per class, or one pooling mask bit per channel.
  public var otherParameters: Int
  /// Multiply-accumulates per inference: `output pixels * channels * K`. For pixel
  /// layers these are 8-bit x 1-bit MACs, computed as 8 binary bit-plane passes.
  public var macs: Int
  /// Bytes of the payloads in the file (weights and per-neuron parameters, unpadded).
  public var payloadBytes: Int
}

extension Model {
  /// One summary per layer, in order.
  public var layerSummaries: [LayerSummary] {
    plans.map { plan in
      let outputs = plan.outputs
      let maskWords = BitPacking.words(forBits: outputs)
      let others: Int
      let paramBytes: Int
      switch plan.kind {
      case .maxPool: (others, paramBytes) = (outputs, 8 * maskWords)
      case .binaryOutput, .pixelOutput: (others, paramBytes) = (2 * outputs, 8 * outputs)
      default: (others, paramBytes) = (2 * outputs, 4 * outputs + 8 * maskWords)
      }
      let pixels = plan.outputShape.height * plan.outputShape.width
      return LayerSummary(
        kind: plan.kind, inputShape: plan.inputShape, outputShape: plan.outputShape, geometry: plan.window,
        dotLength: plan.dotLength, binaryWeights: outputs * plan.dotLength, otherParameters: others,
        macs: (plan.kind.isConvolution ? pixels : 1) * outputs * plan.dotLength,
        payloadBytes: outputs * plan.rowWords * 8 + paramBytes)
    }
  }

  /// Binary (1-bit x 1-bit) MACs per inference: the layers that read packed bits.
  public var binaryMACs: Int {
    layerSummaries.filter { !$0.kind.readsPixels }.reduce(0) { $0 + $1.macs }
  }

  /// 8-bit x 1-bit MACs per inference: the first layer on the bit-planes.
  public var pixelMACs: Int {
    layerSummaries.filter { $0.kind.readsPixels }.reduce(0) { $0 + $1.macs }
  }

  /// All parameters: binary weights plus per-neuron parameters.
  public var parameterCount: Int {
    layerSummaries.reduce(0) { $0 + $1.binaryWeights + $1.otherParameters }
  }

  /// Runs layer `index` alone on `count` images: `pixels` for pixel layers, whatever the
  /// workspace's activations hold otherwise (for per-layer profiling: the results are
  /// meaningless, the time is not). Allocates nothing.
  public func runLayerForProfiling(
    _ index: Int, count: Int, pixels: UnsafeBufferPointer<UInt8>, workspace: InferenceWorkspace
  ) {
    precondition(index >= 0 && index < plans.count && count <= workspace.batchCapacity)
    precondition(pixels.count >= count * input.pixelCount, "pixel buffer too small")
    runLayer(
      plans[index], count: count, pixels: pixels.baseAddress!, source: workspace.front,
      target: workspace.back, workspace: workspace)
  }
}
