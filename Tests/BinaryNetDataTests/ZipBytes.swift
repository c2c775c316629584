import CZlib

/// ZIP archives built byte by byte: local headers, data, central directory and the
/// end record, entries stored or raw-deflated with zlib. `numpyStyle` writes the local
/// headers as `numpy.savez` does (sizes 0xFFFFFFFF and a zip64 extra field with the real
/// ones); the central directory always holds the real sizes.
struct ZipBytes {
  struct Entry {
    var name: String
    var contents: [UInt8]
    var deflate = false
  }

  var entries: [Entry] = []
  var numpyStyle = false

  mutating func add(_ name: String, _ contents: [UInt8], deflate: Bool = false) {
    entries.append(Entry(name: name, contents: contents, deflate: deflate))
  }

  /// The archive's bytes; `patchCentral` may change each central entry's fields before
  /// they are written (method, sizes, CRC) to build corrupt archives.
  func bytes(patchCentral: (inout CentralFields) -> Void = { _ in }) -> [UInt8] {
    var output: [UInt8] = []
    var central: [UInt8] = []
    for entry in entries {
      let data = entry.deflate ? Self.rawDeflate(entry.contents) : entry.contents
      var fields = CentralFields(
        method: entry.deflate ? 8 : 0, crc: Self.crc(entry.contents), compressedSize: UInt32(data.count),
        uncompressedSize: UInt32(entry.contents.count), localOffset: UInt32(output.count), flags: 0)
      patchCentral(&fields)
      let name = Array(entry.name.utf8)
      var local: [UInt8] =
        le32(0x0403_4b50) + le16(45) + le16(fields.flags) + le16(fields.method) + le16(0) + le16(0x21)
      local += le32(fields.crc)
      let extra: [UInt8]
      if numpyStyle {
        local += le32(0xffff_ffff) + le32(0xffff_ffff)
        extra =
          le16(1) + le16(16) + NumPyBytes.littleEndian(UInt64(entry.contents.count), bytes: 8)
          + NumPyBytes.littleEndian(UInt64(data.count), bytes: 8)
      } else {
        local += le32(UInt32(data.count)) + le32(UInt32(entry.contents.count))
        extra = []
      }
      local += le16(UInt16(name.count)) + le16(UInt16(extra.count)) + name + extra
      output += local + data
      central += le32(0x0201_4b50) + le16(45) + le16(45) + le16(fields.flags) + le16(fields.method) + le16(0)
      central += le16(0x21) + le32(fields.crc) + le32(fields.compressedSize) + le32(fields.uncompressedSize)
      central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0x180 << 16)
      central += le32(fields.localOffset) + name
    }
    let directoryOffset = output.count
    output += central
    output += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
    output += le32(UInt32(central.count)) + le32(UInt32(directoryOffset)) + le16(0)
    return output
  }

  /// The fields of a central directory entry that tests may corrupt.
  struct CentralFields {
    var method: UInt16
    var crc: UInt32
    var compressedSize: UInt32
    var uncompressedSize: UInt32
    var localOffset: UInt32
    var flags: UInt16
  }

  static func crc(_ bytes: [UInt8]) -> UInt32 {
    UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
  }

  /// `bytes` deflated without a zlib header (ZIP method 8).
  static func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    precondition(
      deflateInit2_(
        &stream, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
        Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 16)
    let status = input.withUnsafeMutableBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        stream.next_in = source.baseAddress
        stream.avail_in = UInt32(source.count)
        stream.next_out = target.baseAddress
        stream.avail_out = UInt32(target.count)
        return deflate(&stream, Z_FINISH)
      }
    }
    precondition(status == Z_STREAM_END)
    return Array(output[..<Int(stream.total_out)])
  }
}

func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xffff)) + le16(UInt16(value >> 16)) }
