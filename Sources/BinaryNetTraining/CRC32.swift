import CZlib

/// CRC-32 (the zlib / gzip polynomial) computed incrementally over several buffers.
struct CRC32 {
  private(set) var value: UInt32 = 0

  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    var crc = UInt(value)
    while offset < bytes.count {
      let length = min(bytes.count - offset, 1 << 30)
      crc = CZlib.crc32(
        crc, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, UInt32(length))
      offset += length
    }
    value = UInt32(truncatingIfNeeded: crc)
  }

  mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }
}
