import CPopcount
import Testing

@testable import BinaryNet

/// `Model(trustedBorrowing:check:)`, the minimal firmware's loader: the same plans and
/// predictions as the validating `Model(borrowing:)`, and a check value that refuses
/// damaged bytes.
@Suite("Trusted models (minimal firmware)")
struct TrustedModelTests {
  /// 64-byte aligned copy of `bytes`, freed by the caller.
  func alignedCopy(_ bytes: [UInt8]) -> UnsafeMutableRawBufferPointer {
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 64)
    bytes.withUnsafeBytes { raw.copyMemory(from: $0) }
    return raw
  }

  /// Whether two models over the same bytes have identical plans and sizes.
  func samePlans(_ a: Model, _ b: Model) -> Bool {
    guard a.plans.count == b.plans.count, a.input == b.input, a.classCount == b.classCount,
      a.formatVersion == b.formatVersion, a.maxActivationWords == b.maxActivationWords,
      a.maxPatchWords == b.maxPatchWords, a.hasConvolutions == b.hasConvolutions, a.kernelPath == b.kernelPath
    else { return false }
    for (p, q) in zip(a.plans, b.plans) {
      let h = p.header
      let g = q.header
      guard h.kind == g.kind, h.inputShape == g.inputShape, h.outputShape == g.outputShape, h.window == g.window,
        h.payloadCounts == g.payloadCounts, h.borderCount == g.borderCount
      else { return false }
      switch (p.operation, q.operation) {
      case (.threshold(let w1, let t1, let f1, let b1), .threshold(let w2, let t2, let f2, let b2)):
        guard w1 == w2, t1 == t2, f1 == f2, b1 == b2 else { return false }
      case (.scores(let w1, let s1, let c1), .scores(let w2, let s2, let c2)):
        guard w1 == w2, s1 == s2, c1 == c2 else { return false }
      case (.pool(let m1), .pool(let m2)):
        guard m1 == m2 else { return false }
      default: return false
      }
    }
    return true
  }

  /// Random models: dense ones of several shapes, and the convolutional ones of the border
  /// threshold tests (pooling, border thresholds, an input sign; format v3).
  func randomModels() throws -> [(name: String, bytes: [UInt8], pixels: Int)] {
    var models: [(name: String, bytes: [UInt8], pixels: Int)] = []
    for (seed, widths) in [(1, [15, 3]), (2, [15, 70, 9, 3]), (3, [64, 64, 10]), (4, [130, 257, 65, 129, 7])] {
      var rng = SplitMix64(seed: UInt64(seed))
      let input = InputDescription(width: widths[0], height: 1)
      let layers = randomTrainedNetwork(widths: widths, input: input, rng: &rng)
      let bytes = try Folding.denseNetwork(layers, input: input, labels: labels(widths.last!)).serialized()
      models.append(("dense \(widths)", bytes, widths[0]))
    }
    for (i, c) in BorderThresholdTests.cases.enumerated() {
      var rng = SplitMix64(seed: 500 + UInt64(i))
      let (layers, input) = BorderThresholdTests().network(c, rng: &rng)
      let bytes = try Folding.network(layers, input: input, labels: labels(5)).serialized()
      models.append(("conv \(c)", bytes, input.pixelCount))
    }
    return models
  }

  @Test func trustedLoaderBuildsTheValidatingLoadersPlansAndPredictions() throws {
    for (name, bytes, pixels) in try randomModels() {
      let raw = alignedCopy(bytes)
      defer { raw.deallocate() }
      let view = UnsafeRawBufferPointer(raw)
      let validated = try Model(borrowing: view)
      let trusted = try #require(Model(trustedBorrowing: view, check: validated.checkValue), "\(name)")
      #expect(samePlans(validated, trusted), "\(name)")
      #expect(trusted.labels.isEmpty && trusted.classCount == validated.labels.count, "\(name)")
      var rng = SplitMix64(seed: 77)
      let count = 40
      let images = randomImages(count: count, pixels: pixels, rng: &rng)
      #expect(
        try trusted.predictLabels(images, count: count, batchSize: 7)
          == validated.predictLabels(images, count: count, batchSize: 7), "\(name)")
      // Every score bit, image by image.
      let a = validated.makeWorkspace()
      let b = trusted.makeWorkspace()
      for i in 0..<count {
        let image = Array(images[(i * pixels)..<((i + 1) * pixels)])
        _ = try image.withUnsafeBufferPointer { try validated.classify($0, workspace: a) }
        _ = try image.withUnsafeBufferPointer { try trusted.classify($0, workspace: b) }
        #expect(a.scores(ofImage: 0).map(\.bitPattern) == b.scores(ofImage: 0).map(\.bitPattern), "\(name)")
      }
    }
  }

  @Test func theCheckValueRefusesDamagedBytes() throws {
    let bytes = try smallModelBytes()
    let check = try Model(bytes: bytes).checkValue
    let raw = alignedCopy(bytes)
    defer { raw.deallocate() }
    let view = UnsafeRawBufferPointer(raw)
    #expect(Model(trustedBorrowing: view, check: check) != nil)
    #expect(Model(trustedBorrowing: view, check: check ^ 1) == nil)
    // One bit changed anywhere (header, labels, layer table, payloads, the stored CRC).
    var rng = SplitMix64(seed: 9)
    var positions = [0, 8, 52, 60, bytes.count - 5, bytes.count - 1]
    for _ in 0..<200 { positions.append(Int(rng.next() % UInt64(bytes.count))) }
    for position in positions {
      let bit = UInt8(1) << UInt8(rng.next() % 8)
      raw[position] ^= bit
      #expect(Model(trustedBorrowing: view, check: check) == nil, "byte \(position)")
      raw[position] ^= bit
    }
    #expect(Model(trustedBorrowing: view, check: check) != nil)
    // Cut short, empty, or not 64-byte aligned.
    #expect(Model(trustedBorrowing: UnsafeRawBufferPointer(rebasing: view[0..<(bytes.count - 1)]), check: check) == nil)
    #expect(Model(trustedBorrowing: UnsafeRawBufferPointer(start: nil, count: 0), check: check) == nil)
    #expect(Model(trustedBorrowing: UnsafeRawBufferPointer(rebasing: view[8...]), check: check) == nil)
  }

  @Test func bitwiseCRCEqualsTheTableCRC() {
    var rng = SplitMix64(seed: 3)
    for length in [0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 1000] {
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      bytes.withUnsafeBytes { buffer in
        let table = buffer.count == 0 ? bnn_crc32(0, [UInt8](), 0) : bnn_crc32(0, buffer.baseAddress!, buffer.count)
        #expect(crc32Bitwise(buffer) == table, "length \(length)")
      }
    }
  }
}
