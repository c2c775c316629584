/// A weight layer (`dense` or `conv2d`) with the entries that follow it up to the next
/// weight layer: `[max_pool2d] [batch_norm] [max_pool2d] [flatten]` — what the engine
/// runs as one layer with folded thresholds (and a pooling layer), or as the class scores.
struct WeightBlock {
  var layer: LayerEntry
  /// The first weight layer reads the model input.
  var first: Bool
  /// A `max_pool2d` between the weight layer and its `batch_norm` (or with none).
  var poolBeforeNorm: LayerEntry?
  var norm: LayerEntry?
  /// A `max_pool2d` after the `batch_norm`.
  var poolAfterNorm: LayerEntry?
  var flattened = false

  init(layer: LayerEntry, first: Bool) {
    self.layer = layer
    self.first = first
  }

  var pool: LayerEntry? { poolBeforeNorm ?? poolAfterNorm }
}
