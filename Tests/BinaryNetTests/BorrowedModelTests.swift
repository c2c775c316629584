import BinaryNet
import Testing

/// `Model(borrowing:)`: a model used in place from bytes it does not own (what firmware
/// does with a model in flash).
@Suite("Models borrowed in place")
struct BorrowedModelTests {
  /// 64-byte aligned scratch memory holding `bytes` at `offset`, freed by the caller.
  func alignedCopy(_ bytes: [UInt8], offset: Int = 0) -> UnsafeMutableRawBufferPointer {
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + 64, alignment: 64)
    raw.initializeMemory(as: UInt8.self, repeating: 0)
    let slice = UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + bytes.count)])
    bytes.withUnsafeBytes { slice.copyMemory(from: $0) }
    return raw
  }

  @Test func borrowedModelPredictsLikeACopiedOneAndLeavesTheBytesAlone() throws {
    let bytes = try smallModelBytes()
    let raw = alignedCopy(bytes)
    defer { raw.deallocate() }
    let view = UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count])
    var rng = SplitMix64(seed: 11)
    let images = randomImages(count: 50, pixels: 15, rng: &rng)
    do {
      let borrowed = try Model(borrowing: view)
      let copied = try Model(bytes: bytes)
      #expect(borrowed.fileBytes == bytes.count)
      #expect(borrowed.serialized == bytes)
      #expect(
        try borrowed.predictLabels(images, count: 50) == copied.predictLabels(images, count: 50))
    }
    // The model is gone; its bytes are still ours and unchanged.
    #expect(Array(view) == bytes)
  }

  @Test func misalignedOrEmptyBytesAreRefused() throws {
    let bytes = try smallModelBytes()
    let raw = alignedCopy(bytes, offset: 8)
    defer { raw.deallocate() }
    #expect(throws: ModelError.self) {
      try Model(borrowing: UnsafeRawBufferPointer(rebasing: raw[8..<(8 + bytes.count)]))
    }
    #expect(throws: ModelError.self) {
      try Model(borrowing: UnsafeRawBufferPointer(start: nil, count: 0))
    }
    // A copying init accepts the same misaligned bytes.
    #expect(
      try Model(bytes: UnsafeRawBufferPointer(rebasing: raw[8..<(8 + bytes.count)])).fileBytes
        == bytes.count)
  }

  @Test func corruptBorrowedBytesAreRefusedAndNotFreed() throws {
    var bytes = try smallModelBytes()
    bytes[100] ^= 1
    let raw = alignedCopy(bytes)
    defer { raw.deallocate() }  // would be a double free if the failed init had freed it
    let view = UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count])
    #expect(throws: ModelError.self) { try Model(borrowing: view) }
    #expect(Array(view) == bytes)
  }
}
