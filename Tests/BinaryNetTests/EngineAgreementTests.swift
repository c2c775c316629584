import BinaryNet
import Testing

@Suite("Engine agrees with an independent float reference")
struct EngineAgreementTests {
  /// Widths include sizes that are not multiples of 64 and the 63/64/65 boundaries.
  static let architectures: [[Int]] = [
    [1, 1, 2],
    [15, 3],
    [784, 10],
    [784, 65, 10],
    [100, 63, 64, 5],
    [64, 129, 127, 7],
    [200, 300, 191, 10],
    [784, 256, 256, 10],
  ]

  @Test(arguments: architectures.indices)
  func predictionsMatchReference(index: Int) throws {
    let widths = Self.architectures[index]
    var rng = SplitMix64(seed: 1000 + UInt64(index))
    let side = widths[0] == 784 ? 28 : 1
    let input = InputDescription(
      width: side == 28 ? 28 : widths[0], height: side, scale: 1 / 255, offset: index % 2 == 0 ? 0 : -0.5)
    let trained = randomTrainedNetwork(widths: widths, input: input, rng: &rng)
    let model = try foldDenseNetwork(trained, input: input, labels: labels(widths.last!))
    let reference = FloatReferenceNetwork(layers: trained, input: input)
    let count = 300
    let images = randomImages(count: count, pixels: input.pixelCount, rng: &rng)
    let predictions = try model.predictLabels(images, count: count, batchSize: 7)
    var mismatches = 0
    var classesSeen = Set<Int>()
    for i in 0..<count {
      let slice = images[(i * input.pixelCount)..<((i + 1) * input.pixelCount)]
      let expected = reference.predict(slice)
      classesSeen.insert(expected)
      if predictions[i] != expected { mismatches += 1 }
      // Scores agree up to float rounding of the folded affine form.
      let engine = try model.classify(Array(slice))
      #expect(engine.label == predictions[i])
      let refScores = reference.scores(slice)
      for j in 0..<refScores.count {
        #expect(abs(engine.scores[j] - refScores[j]) <= 1e-3 * max(1, abs(refScores[j])))
      }
    }
    #expect(mismatches == 0, "\(mismatches) of \(count) predictions differ for \(widths)")
    // The random networks must not be degenerate (a constant prediction proves little).
    if widths.last! > 2 { #expect(classesSeen.count > 1) }
  }

  @Test func everyKernelPathGivesIdenticalScores() throws {
    var rng = SplitMix64(seed: 42)
    let input = InputDescription(width: 28, height: 28)
    let trained = randomTrainedNetwork(widths: [784, 200, 130, 10], input: input, rng: &rng)
    let definition = try Folding.denseNetwork(trained, input: input, labels: labels(10))
    let images = randomImages(count: 50, pixels: 784, rng: &rng)
    let scalar = try Model(definition: definition, kernelPath: .scalar)
    let expected = try scalar.predictLabels(images, count: 50)
    #expect(KernelPath.available.contains(.scalar))
    let expectedScores = scoreBits(scalar, images, count: 50)
    #expect(!scalar.usesInt8FirstLayer)
    for path in KernelPath.available {
      let model = try scalar.using(path)
      #expect(model.kernelPath == path)
      #expect(try model.predictLabels(images, count: 50, batchSize: 50) == expected)
      #expect(try model.predictLabels(images, count: 50, batchSize: 1) == expected)
      #expect(scoreBits(model, images, count: 50) == expectedScores, "\(path.name): scores differ from scalar")
      // The AVX2 and NEON dot-product paths run the first layer on int8 (the others on
      // bit-planes): both forms are compared above.
      #expect(model.usesInt8FirstLayer == (path == .avx2 || path == .neonDotprod), "\(path.name)")
    }
  }

  /// The bit patterns of every class score of `count` images, in one batch.
  func scoreBits(_ model: Model, _ images: [UInt8], count: Int) -> [UInt32] {
    let workspace = model.makeWorkspace(batchCapacity: count)
    images.withUnsafeBufferPointer { model.computeScores($0, count: count, workspace: workspace) }
    return (0..<count).flatMap { workspace.scores(ofImage: $0).map(\.bitPattern) }
  }

  @Test func batchSizeDoesNotChangeResults() throws {
    var rng = SplitMix64(seed: 5)
    let input = InputDescription(width: 10, height: 10)
    let trained = randomTrainedNetwork(widths: [100, 90, 33, 4], input: input, rng: &rng)
    let model = try foldDenseNetwork(trained, input: input, labels: labels(4))
    let images = randomImages(count: 37, pixels: 100, rng: &rng)
    let one = try model.predictLabels(images, count: 37, batchSize: 1)
    for batch in [2, 3, 5, 8, 37, 64] {
      #expect(try model.predictLabels(images, count: 37, batchSize: batch) == one)
    }
  }

  @Test func concurrentClassificationIsSafeAndDeterministic() async throws {
    var rng = SplitMix64(seed: 9)
    let input = InputDescription(width: 28, height: 28)
    let trained = randomTrainedNetwork(widths: [784, 128, 10], input: input, rng: &rng)
    let model = try foldDenseNetwork(trained, input: input, labels: labels(10))
    let images = randomImages(count: 64, pixels: 784, rng: &rng)
    let expected = try model.predictLabels(images, count: 64)
    let results = try await withThrowingTaskGroup(of: [Int].self) { group in
      for _ in 0..<8 {
        group.addTask { try model.predictLabels(images, count: 64, batchSize: 3) }
      }
      var all: [[Int]] = []
      for try await r in group { all.append(r) }
      return all
    }
    #expect(results.count == 8)
    for r in results { #expect(r == expected) }
  }

  @Test func wrongImageSizeIsRefused() throws {
    let model = try Model(bytes: try smallModelBytes())
    #expect(throws: ModelError.self) { try model.classify([UInt8](repeating: 0, count: 14)) }
    #expect(throws: ModelError.self) { try model.classify([UInt8](repeating: 0, count: 16)) }
    #expect(throws: ModelError.self) { try model.predictLabels([UInt8](repeating: 0, count: 31), count: 2) }
    do {
      _ = try model.classify([])
      Issue.record("empty image accepted")
    } catch {
      #expect(error.description.contains("wrong image size"))
    }
  }
}
