import BinaryNet
import BinaryNetFiles
import CPopcount
import Foundation
import Testing

@Suite("Model file v1: round trip and refusal of bad files")
struct ModelFileTests {
  /// Recomputes the trailing CRC-32 after a deliberate edit, so the edit reaches the
  /// structural checks instead of being caught by the checksum.
  func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var b = bytes
    let crc = b.withUnsafeBytes { bnn_crc32(0, $0.baseAddress!, b.count - 4) }
    for i in 0..<4 { b[b.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
    return b
  }

  func put32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
    for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
  }

  func refusal(_ bytes: [UInt8]) -> ModelError? {
    do {
      _ = try Model(bytes: bytes)
      return nil
    } catch {
      return error
    }
  }

  @Test func roundTripIsByteIdenticalAndPredictsTheSame() throws {
    var rng = SplitMix64(seed: 3)
    let input = InputDescription(width: 28, height: 28, scale: 1 / 255, offset: -0.25)
    let trained = randomTrainedNetwork(widths: [784, 100, 65, 10], input: input, rng: &rng)
    let definition = try Folding.denseNetwork(trained, input: input, labels: (0..<10).map { "digit \($0) ✓" })
    let bytes = try definition.serialized()
    #expect(bytes.count % 64 == 4)  // payloads padded to 64, then the CRC
    let model = try Model(bytes: bytes)
    #expect(model.serialized == bytes)
    #expect(model.labels == definition.labels)
    #expect(model.input == input)
    #expect(model.fileBytes == bytes.count)
    #expect(try Model(bytes: model.serialized).serialized == bytes)

    let images = randomImages(count: 40, pixels: 784, rng: &rng)
    let direct = try Model(definition: definition).predictLabels(images, count: 40)

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bnn-test-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("m.bnn").path
    try model.write(toFile: path)
    let loaded = try Model(contentsOfFile: path)
    #expect(loaded.serialized == bytes)
    #expect(try loaded.predictLabels(images, count: 40) == direct)
    // Overwriting leaves no temporary files behind.
    try loaded.write(toFile: path)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["m.bnn"])
  }

  @Test func payloadsAre64ByteAligned() throws {
    let bytes = try smallModelBytes()
    let tableOffset = Int(bytes[60]) | Int(bytes[61]) << 8
    let layers = Int(bytes[52])
    for l in 0..<layers {
      for p in 0..<3 {
        let at = tableOffset + 128 * l + 56 + 16 * p
        let offset = (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        #expect(offset % 64 == 0)
      }
    }
  }

  @Test func truncationAtEveryOffsetIsRefused() throws {
    let bytes = try smallModelBytes()
    for length in 0..<bytes.count {
      let error = refusal(Array(bytes[0..<length]))
      #expect(error != nil, "accepted a file truncated to \(length) bytes")
      if length >= 8, case .badMagic? = error { Issue.record("truncation reported as bad magic") }
    }
    // Trailing garbage is refused too.
    #expect(refusal(bytes + [0]) != nil)
  }

  @Test func everySingleBitFlipIsRefused() throws {
    let bytes = try smallModelBytes()
    var accepted = 0
    for byte in 0..<bytes.count {
      for bit in 0..<8 {
        var copy = bytes
        copy[byte] ^= UInt8(1 << bit)
        if refusal(copy) == nil { accepted += 1 }
      }
    }
    #expect(accepted == 0, "\(accepted) single-bit flips were accepted")
  }

  @Test func badMagicNewerVersionAndMessages() throws {
    let bytes = try smallModelBytes()
    var wrongMagic = bytes
    wrongMagic[0] = 0x50
    #expect(refusal(wrongMagic) == .badMagic)
    #expect(refusal(Array("hello, this is not a model at all".utf8)) == .badMagic)

    var newer = bytes
    put32(ModelFormat.version + 1, at: 8, in: &newer)
    let error = refusal(resealed(newer))
    #expect(error == .unsupportedVersion(found: ModelFormat.version + 1, supported: ModelFormat.version))
    #expect(error?.description.contains("newer") == true)

    var flipped = bytes
    flipped[200] ^= 1
    if case .checksumMismatch? = refusal(flipped) {
    } else {
      Issue.record("bit flip not reported as a checksum mismatch")
    }
  }

  @Test func inconsistentButWellSealedFilesAreRefused() throws {
    let bytes = try smallModelBytes()
    let table = Int(bytes[60]) | Int(bytes[61]) << 8
    func edited(_ edit: (inout [UInt8]) -> Void) -> ModelError? {
      var copy = bytes
      edit(&copy)
      return refusal(resealed(copy))
    }
    // Layer 1's input channels no longer match layer 0's output: dims that do not chain.
    #expect(edited { put32(71, at: table + 128 + 16, in: &$0) } != nil)
    // Output layer producing a different count from the class labels.
    #expect(edited { put32(4, at: table + 256 + 28, in: &$0) } != nil)
    // Unknown layer kind, unknown flags, bad geometry, a payload out of range.
    #expect(edited { put32(99, at: table, in: &$0) } != nil)
    #expect(edited { put32(1, at: table + 4, in: &$0) } != nil)
    #expect(edited { put32(3, at: table + 32, in: &$0) } != nil)
    #expect(edited { put32(0xFFFF_FFC0, at: table + 56, in: &$0) } != nil)
    // Class count larger than the labels block holds.
    #expect(edited { put32(50, at: 48, in: &$0) } != nil)
    // The input shape does not match the first layer.
    #expect(edited { put32(6, at: 28, in: &$0) } != nil)
    // A weight padding bit set (15 inputs: bits 15..63 of each row word are padding).
    let weightsOffset = (0..<8).reduce(0) { $0 | Int(bytes[table + 56 + $1]) << (8 * $1) }
    #expect(edited { $0[weightsOffset + 7] |= 0x80 } != nil)
    // Each of these is an "inconsistent" or "corrupt" error with a message, not a trap.
    if let e = edited({ put32(71, at: table + 128 + 16, in: &$0) }) {
      #expect(e.description.contains("layer 1"))
    }
  }

  @Test func definitionsThatDoNotChainCannotBeWritten() throws {
    var rng = SplitMix64(seed: 11)
    let input = InputDescription(width: 10, height: 1)
    let trained = randomTrainedNetwork(widths: [10, 20, 3], input: input, rng: &rng)
    var definition = try Folding.denseNetwork(trained, input: input, labels: ["a", "b", "c"])
    definition.layers[1].inputShape = TensorShape(features: 21)
    #expect(throws: ModelError.self) { try definition.serialized() }
    var noScores = try Folding.denseNetwork(trained, input: input, labels: ["a", "b", "c"])
    noScores.layers.removeLast()
    #expect(throws: ModelError.self) { try noScores.serialized() }
  }

  @Test func missingAndUnreadableFiles() {
    do {
      _ = try Model(contentsOfFile: "/nonexistent/folder/model.bnn")
      Issue.record("missing file accepted")
    } catch {
      #expect(error.description.contains("/nonexistent/folder/model.bnn"))
    }
    #expect(throws: ModelError.self) { try Model(contentsOfFile: "/") }
  }

  @Test func writeIntoAMissingFolderFails() throws {
    let model = try Model(bytes: try smallModelBytes())
    #expect(throws: ModelError.self) { try model.write(toFile: "/nonexistent/folder/model.bnn") }
  }
}
