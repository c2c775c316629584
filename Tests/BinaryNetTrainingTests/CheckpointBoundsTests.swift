import BinaryNet
import Foundation
import Testing

@testable import BinaryNetTraining

/// Checkpoint files that lie about their sizes, or are not files at all.
@Suite struct CheckpointBoundsTests {
  /// A checkpoint whose metadata JSON is `json` and whose tensor bytes are `payload`, with
  /// a correct CRC-32, so only the structural checks can refuse it.
  static func checkpointBytes(json: String, payload: [UInt8]) -> [UInt8] {
    var bytes = Checkpoint.magic
    appendLittleEndian(Checkpoint.formatVersion, to: &bytes)
    appendLittleEndian(UInt64(json.utf8.count), to: &bytes)
    bytes += Array(json.utf8) + payload
    var crc = CRC32()
    crc.update(bytes)
    appendLittleEndian(crc.value, to: &bytes)
    return bytes
  }

  static func metadataJSON(tensorCount: Int) throws -> String {
    var metadata = CheckpointTests.smallCheckpoint().metadata
    metadata.tensors = [Checkpoint.TensorEntry(name: "layer0.weights", count: tensorCount)]
    return String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self)
  }

  @Test func tensorCountThatOverflowsIsRefused() throws {
    let path = CheckpointTests.temporaryPath("overflow.ckpt")
    defer { try? FileManager.default.removeItem(atPath: path) }
    for count in [Int.max, Int.max / 4 + 1, 1 << 62, -1, 3] {
      let bytes = Self.checkpointBytes(json: try Self.metadataJSON(tensorCount: count), payload: [1, 2, 3, 4])
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      #expect(throws: CheckpointError.corrupt(path: path, detail: "tensor layer0.weights runs past the end")) {
        try Checkpoint.read(fromFile: path)
      }
    }
  }

  @Test func directoryIsRefusedClearly() throws {
    let path = CheckpointTests.temporaryPath("folder.ckpt")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(throws: CheckpointError.cannotRead(path: path, reason: "is a directory")) {
      try Checkpoint.read(fromFile: path)
    }
    #expect(
      CheckpointError.cannotRead(path: path, reason: "is a directory").description
        == "cannot read checkpoint \(path): is a directory")
  }

  @Test func devicesAndBadMagicAreRefusedOnTheirFirstBytes() throws {
    #expect(throws: CheckpointError.notACheckpoint(path: "/dev/zero")) {
      try Checkpoint.read(fromFile: "/dev/zero")
    }
    let path = CheckpointTests.temporaryPath("big.ckpt")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(FileManager.default.createFile(atPath: path, contents: Data("NOTACKPT".utf8)))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: 1 << 30)  // sparse
    try handle.close()
    let start = Date()
    #expect(throws: CheckpointError.notACheckpoint(path: path)) { try Checkpoint.read(fromFile: path) }
    #expect(Date().timeIntervalSince(start) < 5)
  }

  @Test func crcMatchesZlibsForExistingCheckpoints() {
    // CRC-32/IEEE check value, and a value zlib's crc32 gives for 1 MiB of a pattern.
    var check = CRC32()
    check.update(Array("123456789".utf8))
    #expect(check.value == 0xCBF4_3926)
    var split = CRC32()
    split.update(Array("12345".utf8))
    split.update(Array("6789".utf8))
    #expect(split.value == 0xCBF4_3926)
  }
}
