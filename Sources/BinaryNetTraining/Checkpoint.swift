import BinaryNet
import BinaryNetFiles
import Foundation

/// A training run's complete state, enough to continue it bit-identically: configuration,
/// epoch, optimiser step, RNG state, history, every layer's latent weights, BatchNorm
/// parameters and running statistics, and Adam moments; under `KeptEpoch.best` also the
/// best epoch's weights and BatchNorm state (tensors `best.layerN.*`).
///
/// File layout (little-endian):
///
///     "BNNTCKPT"            8-byte magic
///     UInt32                format version (2; version 1 described MLPs only)
///     UInt64                length L of the metadata
///     L bytes               metadata: JSON of `Checkpoint.Metadata`
///     tensors               float32 values of each tensor in `metadata.tensors` order
///     UInt32                CRC-32 of everything before it
public struct Checkpoint: Sendable {
  public static let magic: [UInt8] = Array("BNNTCKPT".utf8)
  public static let formatVersion: UInt32 = 2

  public struct TensorEntry: Codable, Equatable, Sendable {
    public var name: String
    public var count: Int
  }

  public struct Metadata: Codable, Equatable, Sendable {
    public var configuration: TrainingConfiguration
    public var epoch: Int
    public var step: Int
    public var rng: Xoshiro256
    public var history: [EpochRecord]
    /// Free-form facts about the run for the front end (data set, paths).
    public var annotations: [String: String]
    public var tensors: [TensorEntry]
    /// The best epoch so far under `KeptEpoch.best` (its model: the `best.` tensors);
    /// absent in checkpoints written before `--keep`.
    public var best: BestEpoch? = nil
  }

  public var metadata: Metadata
  /// Tensor values, in `metadata.tensors` order.
  public var tensors: [[Float]]

  public init(metadata: Metadata, tensors: [[Float]]) {
    precondition(metadata.tensors.count == tensors.count)
    self.metadata = metadata
    self.tensors = tensors
  }

  /// The tensor called `name`.
  public func tensor(_ name: String) -> [Float]? {
    metadata.tensors.firstIndex { $0.name == name }.map { tensors[$0] }
  }

  /// Writes the checkpoint atomically (temporary file + rename).
  public func write(toFile path: String) throws(CheckpointError) {
    let json: Data
    do {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      json = try encoder.encode(metadata)
    } catch {
      throw .cannotWrite(path: path, reason: "cannot encode the metadata: \(error)")
    }
    var header = Self.magic
    appendLittleEndian(Self.formatVersion, to: &header)
    appendLittleEndian(UInt64(json.count), to: &header)
    header += [UInt8](json)
    var crc = CRC32()
    do throws(FileWriteError) {
      var writer = try AtomicFileWriter(path: path)
      crc.update(header)
      try writer.write(header)
      for values in tensors {
        let failure: FileWriteError? = values.withUnsafeBytes { bytes in
          crc.update(bytes)
          do throws(FileWriteError) {
            try writer.write(bytes)
            return nil
          } catch {
            return error
          }
        }
        if let failure { throw failure }
      }
      var trailer: [UInt8] = []
      appendLittleEndian(crc.value, to: &trailer)
      try writer.write(trailer)
      try writer.commit()
    } catch {
      throw .cannotWrite(path: path, reason: error.reason)
    }
  }

  /// The largest checkpoint `read(fromFile:)` accepts (16 GiB): far above any real run,
  /// low enough that a wrong path (a device, a disk image) is refused before reading.
  public static let maximumFileBytes = 1 << 34

  /// Reads and fully validates a checkpoint file: the magic number is checked before the
  /// rest is read, and a file larger than `maximumFileBytes` is refused before reading.
  public static func read(fromFile path: String) throws(CheckpointError) -> Checkpoint {
    var bytes: [UInt8]
    do throws(FileReadError) {
      var reader = try BoundedFileReader(path: path)
      if let size = reader.size, size > maximumFileBytes {
        throw .tooLarge(path: path, limit: maximumFileBytes)
      }
      bytes = try reader.read(upTo: magic.count)
      if bytes == magic { bytes += try reader.readRest(maxBytes: maximumFileBytes) }
    } catch {
      throw .cannotRead(path: path, reason: error.reason)
    }
    if !bytes.starts(with: magic) {
      throw .notACheckpoint(path: path)
    }
    let result: Result<Checkpoint, CheckpointError> = bytes.withUnsafeBytes { bytes in
      do throws(CheckpointError) {
        return .success(try parse(bytes, path: path))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(CheckpointError)
    -> Checkpoint
  {
    let minimum = magic.count + 4 + 8 + 4
    guard bytes.count >= minimum, Array(bytes[0..<magic.count]) == magic else {
      throw .notACheckpoint(path: path)
    }
    let version = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
    if version != formatVersion { throw .unsupportedVersion(path: path, version: version) }
    let stored = bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self).littleEndian
    var crc = CRC32()
    crc.update(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
    if crc.value != stored {
      throw .corrupt(path: path, detail: "checksum mismatch (truncated or damaged file)")
    }
    let jsonLength = bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self).littleEndian
    guard jsonLength <= UInt64(bytes.count - minimum) else {
      throw .corrupt(path: path, detail: "metadata length \(jsonLength) exceeds the file")
    }
    let jsonStart = 20
    let jsonEnd = jsonStart + Int(jsonLength)
    let metadata: Metadata
    do {
      metadata = try JSONDecoder().decode(Metadata.self, from: Data(bytes[jsonStart..<jsonEnd]))
    } catch {
      throw .corrupt(path: path, detail: "unreadable metadata: \(error)")
    }
    var offset = jsonEnd
    var tensors: [[Float]] = []
    for entry in metadata.tensors {
      // `count` comes from the file: check it before any arithmetic can overflow.
      let (byteCount, overflow) = entry.count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
      guard entry.count >= 0, !overflow, byteCount <= bytes.count - 4 - offset else {
        throw .corrupt(path: path, detail: "tensor \(entry.name) runs past the end")
      }
      let values = [Float](unsafeUninitializedCapacity: entry.count) { buffer, initialized in
        UnsafeMutableRawBufferPointer(buffer).copyMemory(
          from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + byteCount)]))
        initialized = entry.count
      }
      tensors.append(values.map { Float(bitPattern: $0.bitPattern.littleEndian) })
      offset += byteCount
    }
    if offset != bytes.count - 4 {
      throw .corrupt(
        path: path, detail: "\(bytes.count - 4 - offset) unexpected bytes after the tensors")
    }
    return Checkpoint(metadata: metadata, tensors: tensors)
  }
}

func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
  withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
}

/// Reading, writing or using a checkpoint failed.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
  case cannotRead(path: String, reason: String)
  case cannotWrite(path: String, reason: String)
  case notACheckpoint(path: String)
  case unsupportedVersion(path: String, version: UInt32)
  case corrupt(path: String, detail: String)
  /// The checkpoint does not fit the model or data it is applied to.
  case mismatch(path: String, detail: String)

  public var description: String {
    switch self {
    case .cannotRead(let path, let reason): return "cannot read checkpoint \(path): \(reason)"
    case .cannotWrite(let path, let reason): return "cannot write checkpoint \(path): \(reason)"
    case .notACheckpoint(let path): return "\(path) is not a bnn-train checkpoint"
    case .unsupportedVersion(let path, let version):
      return
        "checkpoint \(path) has format version \(version); this bnn-train reads version \(Checkpoint.formatVersion)"
    case .corrupt(let path, let detail): return "checkpoint \(path) is corrupt: \(detail)"
    case .mismatch(let path, let detail): return "checkpoint \(path) does not fit: \(detail)"
    }
  }
}
