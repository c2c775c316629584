import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

@testable import BinaryNetTraining

@Suite struct CheckpointTests {
  static func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "bnn-ckpt-\(UUID().uuidString)-" + name
  }

  static func smallCheckpoint() -> Checkpoint {
    let data = SyntheticData.make(count: 300, validationCount: 100)
    let trainer = Trainer(
      configuration: SyntheticData.configuration(epochs: 2), data: data, threads: 1)
    trainer.trainEpoch()
    return trainer.checkpoint()
  }

  @Test func roundTripsExactly() throws {
    let checkpoint = Self.smallCheckpoint()
    let path = Self.temporaryPath("a.ckpt")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try checkpoint.write(toFile: path)
    let loaded = try Checkpoint.read(fromFile: path)
    #expect(loaded.metadata == checkpoint.metadata)
    #expect(loaded.tensors == checkpoint.tensors)
    #expect(loaded.tensor("layer0.weights")?.count == 16 * 32)
  }

  @Test func damagedFilesAreRefused() throws {
    let path = Self.temporaryPath("b.ckpt")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Self.smallCheckpoint().write(toFile: path)
    let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

    func refuse(_ bytes: [UInt8]) {
      let damaged = Self.temporaryPath("damaged.ckpt")
      defer { try? FileManager.default.removeItem(atPath: damaged) }
      try? Data(bytes).write(to: URL(fileURLWithPath: damaged))
      #expect(throws: CheckpointError.self) { try Checkpoint.read(fromFile: damaged) }
    }
    refuse(Array(good.prefix(good.count - 100)))  // truncated
    refuse(Array(good.prefix(10)))
    refuse([])
    var flipped = good
    flipped[good.count / 2] ^= 0x10
    refuse(flipped)
    var magic = good
    magic[0] = UInt8(ascii: "X")
    refuse(magic)
    var version = good
    version[8] = 9
    refuse(version)
    #expect(throws: CheckpointError.self) { try Checkpoint.read(fromFile: "/nonexistent/x.ckpt") }
  }

  @Test func checkpointOfAnotherShapeIsRefused() throws {
    let checkpoint = Self.smallCheckpoint()
    let otherData = TrainingData(
      pixels: [UInt8](repeating: 0, count: 300 * 25), labels: [UInt8](repeating: 0, count: 300),
      width: 5, height: 5, validationCount: 100)
    #expect(throws: CheckpointError.self) {
      try Trainer(checkpoint: checkpoint, path: "x", data: otherData, threads: 1)
    }
    var missing = checkpoint
    missing.metadata.tensors.removeLast()
    missing.tensors.removeLast()
    let data = SyntheticData.make(count: 300, validationCount: 100)
    #expect(throws: CheckpointError.self) {
      try Trainer(checkpoint: missing, path: "x", data: data, threads: 1)
    }
  }

  @Test func atomicWriteReplacesWholeFilesOnly() throws {
    let directory = Self.temporaryPath("dir")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/file.bin"
    try AtomicFileWriter.write([1, 2, 3], to: path)
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == [1, 2, 3])
    // An abandoned write leaves the old file and no temporary file.
    var writer = try AtomicFileWriter(path: path)
    try writer.write([9, 9, 9, 9])
    writer.abandon()
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == [1, 2, 3])
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file.bin"])
    #expect(throws: FileWriteError.self) { try AtomicFileWriter.checkWritable(directory) }
    #expect(throws: FileWriteError.self) {
      try AtomicFileWriter.checkWritable("/nonexistent-dir/x.bnn")
    }
    try AtomicFileWriter.checkWritable(directory + "/new.bnn")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file.bin"])
  }
}
