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
  /// Other parameters: one threshold (Int32) and one flip bit per neuron or channel (and
  /// per input channel for the input sign), a scale and a bias (Float) per class, one
  /// pooling mask bit per channel, and the border thresholds.
  public var otherParameters: Int
  /// Multiply-accumulates per inference: `output pixels * channels * K`. For pixel
  /// layers these are 8-bit x 1-bit MACs, computed as 8 binary bit-plane passes.
  public var macs: Int
  /// Bytes of the payloads in the file (weights and per-neuron parameters, unpadded).
  public var payloadBytes: Int
  /// Border classes with their own thresholds (format v3), 0 when the layer has none.
  public var borderClasses: Int
}

extension LayerSummary {
  /// The window in words: "3x3/1 same" for convolutions, "2x2/2" for pooling, "-" for
  /// dense layers.
  public var windowDescription: String {
    let g = geometry
    let size = String(g.kernelHeight) + "x" + String(g.kernelWidth) + "/" + String(g.stride)
    if kind.isConvolution { return size + " " + g.padding.name }
    return kind == .maxPool ? size : "-"
  }
}

extension Model {
  /// One summary per layer, in order.
  public var layerSummaries: [LayerSummary] {
    plans.map { plan in
      let h = plan.header
      let outputs = plan.outputs
      let counts = h.payloadCounts
      // One value per channel in payload 1 (none for pooling) and one flip or mask bit,
      // or a bias, per channel in payload 2.
      // Border thresholds are Int32 like payload 1.
      let payloadBytes =
        counts.0 * LayerPayload.elementBytes(0, kind: h.kind) + counts.1 * LayerPayload.elementBytes(1, kind: h.kind)
        + counts.2 * LayerPayload.elementBytes(2, kind: h.kind) + 4 * h.borderCount
      let pixels = h.outputShape.height * h.outputShape.width
      let perChannelBits = h.kind == .pixelSign ? h.inputShape.channels : outputs
      return LayerSummary(
        kind: h.kind, inputShape: h.inputShape, outputShape: h.outputShape, geometry: h.window,
        dotLength: h.dotLength, binaryWeights: outputs * h.dotLength,
        otherParameters: counts.1 + perChannelBits + h.borderCount,
        macs: (h.kind.isConvolution ? pixels : 1) * outputs * h.dotLength, payloadBytes: payloadBytes,
        borderClasses: h.borderCount == 0 ? 0 : h.borderCount / outputs)
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
      index, count: count, pixels: pixels.baseAddress!, source: workspace.front,
      target: workspace.back, workspace: workspace)
  }
}
