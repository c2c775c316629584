import CPopcount

/// CRC-32 (IEEE, the zlib / gzip polynomial) computed incrementally over several buffers,
/// with the core's `bnn_crc32`: the same value zlib's `crc32` gives, so checkpoints written
/// with either verify with the other.
struct CRC32 {
  private(set) var value: UInt32 = 0

  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    value = bnn_crc32(value, base, bytes.count)
  }

  mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }
}
