import CZlib

/// Raw deflate streams (no zlib or gzip wrapper, as in ZIP entries) inflated by zlib.
enum RawInflate {
  /// Why a stream could not be inflated, in words.
  struct Failure: Error {
    var reason: String
  }

  /// Inflates `compressed` into exactly `expectedSize` bytes. The output buffer is
  /// `expectedSize` bytes, which the caller has bounded; a stream that would produce more,
  /// ends early, or is corrupt fails.
  static func inflate(_ compressed: UnsafeRawBufferPointer, expectedSize: Int) throws(Failure) -> [UInt8] {
    guard compressed.count <= Int(UInt32.max), expectedSize < Int(UInt32.max) else {
      throw Failure(reason: "the entry is too large")
    }
    var stream = z_stream()
    let initialized = inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    if initialized != Z_OK { throw Failure(reason: "zlib could not start inflating (code \(initialized))") }
    defer { inflateEnd(&stream) }
    // One spare byte: a stream that fills it produces more than it declared.
    var output = [UInt8](repeating: 0, count: expectedSize + 1)
    let status = output.withUnsafeMutableBytes { out in
      stream.next_in = UnsafeMutablePointer(mutating: compressed.baseAddress?.assumingMemoryBound(to: UInt8.self))
      stream.avail_in = UInt32(compressed.count)
      stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
      stream.avail_out = UInt32(out.count)
      return CZlib.inflate(&stream, Z_FINISH)
    }
    let produced = Int(stream.total_out)
    switch status {
    case Z_STREAM_END:
      if produced != expectedSize {
        throw Failure(reason: "it inflates to \(produced) bytes, not the recorded \(expectedSize)")
      }
    case Z_DATA_ERROR:
      let message = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
      throw Failure(reason: "bad deflate data (\(message))")
    case Z_BUF_ERROR where stream.avail_out == 0, Z_OK where stream.avail_out == 0:
      throw Failure(reason: "it inflates to more than the recorded \(expectedSize) bytes")
    case Z_BUF_ERROR, Z_OK:
      throw Failure(reason: "the deflate data ends early (truncated file?)")
    default:
      throw Failure(reason: "zlib error \(status)")
    }
    output.removeLast()
    return output
  }
}

/// The CRC-32 of ZIP entries (zlib's `crc32`).
enum CRC32 {
  static func checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { buffer in
      var crc = crc32(0, nil, 0)
      var offset = 0
      while offset < buffer.count {
        let chunk = min(buffer.count - offset, 1 << 30)
        crc = crc32(crc, buffer.baseAddress! + offset, UInt32(chunk))
        offset += chunk
      }
      return UInt32(crc)
    }
  }
}
