import BinaryNet
import BinaryNetImport
import Testing

/// The committed Larq fixtures import and reproduce Keras on the first 300 MNIST test
/// images: the same label on every image, scores equal to Keras' logits up to float
/// rounding. Every kernel path gives the same labels.
@Suite("Larq fixtures: imported models agree with Keras")
struct FixtureAgreementTests {
  @Test(arguments: [
    ("mlp_tiny", "mlp_tiny", [LayerKind.pixelDense, .binaryDense, .binaryOutput]),
    ("conv_negbn", "conv_negbn", [.pixelConv, .maxPool, .binaryConv, .maxPool, .binaryOutput]),
    ("conv_negbn_deflated", "conv_negbn", [.pixelConv, .maxPool, .binaryConv, .maxPool, .binaryOutput]),
    // Border thresholds on both convolutions (x/127.5-1 padded with 0; ±1 padded with 0).
    ("conv_tiny", "conv_tiny", [.pixelConv, .maxPool, .binaryConv, .maxPool, .binaryDense, .binaryOutput]),
    // A sign on the model input, then zero-padded ±1 convolutions (border thresholds), or a dense layer.
    ("sign_conv_tiny", "sign_conv_tiny", [.pixelSign, .binaryConv, .maxPool, .binaryConv, .binaryOutput]),
    ("sign_mlp_tiny", "sign_mlp_tiny", [.pixelSign, .binaryDense, .binaryOutput]),
  ])
  func importedModelReproducesKeras(file: String, reference: String, kinds: [LayerKind]) throws {
    let imported = try ModelImport.importModel(path: LarqFixtures.path(file + ".npz"))
    let model = try Model(bytes: try imported.definition.serialized())
    #expect(model.layerSummaries.map(\.kind) == kinds)
    #expect(model.labels == (0..<10).map { String($0) })
    #expect(model.input.width == 28 && model.input.height == 28 && model.input.channels == 1)
    #expect(model.input.scale == Float(imported.scale) && model.input.offset == Float(imported.offset))

    let expected = try LarqFixtures.expected(reference)
    let count = expected.predicted.count
    #expect(count == 300)
    let pixels = try LarqFixtures.mnistTestImages(count: count)
    for path in KernelPath.available {
      let predictions = try model.using(path).predictLabels(pixels, count: count)
      let different = (0..<count).filter { predictions[$0] != expected.predicted[$0] }
      #expect(different.isEmpty, "\(file) on \(path.name): images \(different) differ from Keras")
    }

    var largest: Float = 0
    for i in 0..<count {
      let scores = try model.classify(Array(pixels[(i * 784)..<((i + 1) * 784)])).scores
      for j in 0..<10 { largest = max(largest, abs(scores[j] - expected.logits[i * 10 + j])) }
    }
    // Keras' logits are float32 sums and BatchNorms; the engine's are exact integers
    // times folded float scales: a few float32 ulps (measured: at most 4.8e-7 on logits
    // up to 5.1).
    #expect(largest < 1e-5, "\(file): largest |score - Keras logit| \(largest)")
  }

  @Test func theMaskFollowsThePlaceOfEachPool() throws {
    // conv_negbn: BatchNorm before the first pool (mask 0), after the second (mask = flips).
    let definition = try ModelImport.importModel(path: LarqFixtures.path("conv_negbn.npz")).definition
    guard case .maxPool(_, let mask1) = definition.layers[1], case .convolution(_, _, _, let t2) = definition.layers[2],
      case .maxPool(_, let mask2) = definition.layers[3]
    else {
      Issue.record("unexpected layers")
      return
    }
    #expect(mask1 == [0])
    #expect(mask2 == t2.flip && mask2 != [0], "the fixture's second BatchNorm has negative gammas")
  }
}
