import BinaryNet
import Testing

/// A workspace belongs to the model it was made for: entry points check every buffer
/// size, so one made for a smaller model is refused instead of overrun.
@Suite struct WorkspaceTests {
  static func model(width: Int, height: Int, hidden: Int, seed: UInt64) throws -> Model {
    var rng = SplitMix64(seed: seed)
    let input = InputDescription(width: width, height: height)
    let trained = randomTrainedNetwork(widths: [width * height, hidden, 10], input: input, rng: &rng)
    return try Model(definition: try Folding.denseNetwork(trained, input: input, labels: labels(10)))
  }

  /// The reported overflow: a 16-pixel model's workspace with a 784-pixel model of the
  /// same class count and wider activations (the bit-plane buffer is 8 x 1 word instead of
  /// 8 x 13; before the check, only the class count and activation size were compared).
  @Test func workspaceOfASmallerModelIsRefused() throws {
    let small = try Self.model(width: 4, height: 4, hidden: 512, seed: 1)
    let large = try Self.model(width: 28, height: 28, hidden: 256, seed: 2)
    let workspace = small.makeWorkspace()
    let image = [UInt8](repeating: 200, count: large.input.pixelCount)
    let error = image.withUnsafeBufferPointer { pixels in
      #expect(throws: ModelError.self) { _ = try large.classify(pixels, workspace: workspace) }
    }
    #expect(error?.description.contains("another model") == true)
    var labels = [Int32](repeating: 0, count: 1)
    image.withUnsafeBufferPointer { pixels in
      labels.withUnsafeMutableBufferPointer { out in
        _ = #expect(throws: ModelError.self) {
          try large.predictLabels(pixels, count: 1, into: out, workspace: workspace)
        }
      }
    }
    // Its own workspace, and one of a model with the same sizes, work.
    let own = large.makeWorkspace()
    let twin = try large.using(.scalar).makeWorkspace()
    try image.withUnsafeBufferPointer { pixels in
      let a = try large.classify(pixels, workspace: own)
      let b = try large.classify(pixels, workspace: twin)
      #expect(a == b)
      #expect(Array(own.scores(ofImage: 0)) == Array(twin.scores(ofImage: 0)))
    }
  }

  /// A larger model's workspace has room to spare for a smaller one with the same
  /// class count, but a different pixel count would pack the bit-planes wrongly.
  @Test func workspaceOfALargerModelIsRefusedToo() throws {
    let small = try Self.model(width: 4, height: 4, hidden: 32, seed: 3)
    let large = try Self.model(width: 28, height: 28, hidden: 256, seed: 4)
    let image = [UInt8](repeating: 7, count: small.input.pixelCount)
    image.withUnsafeBufferPointer { pixels in
      _ = #expect(throws: ModelError.self) { _ = try small.classify(pixels, workspace: large.makeWorkspace()) }
    }
  }
}
