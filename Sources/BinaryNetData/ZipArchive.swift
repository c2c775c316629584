import CZlib

/// A ZIP archive held in memory, as `numpy.savez` and `savez_compressed` write them.
///
/// Rules: the central directory is read from the end-of-central-directory record and is
/// authoritative (numpy's local headers carry zip64 placeholders for their sizes, so their
/// sizes are not used); every entry must lie inside the file; methods stored (0) and
/// deflate (8) only; encrypted entries, multi-disk archives and zip64 (archives or entries
/// over 4 GiB) are refused. `contents(of:)` checks the size and the CRC-32 of what it
/// extracts; a deflated entry may not claim more than `maximumDeflateRatio` times its
/// compressed size, so a small file cannot make the reader allocate gigabytes.
struct ZipArchive {
  /// One file in the archive, as the central directory describes it.
  struct Entry {
    var name: String
    /// `name` as messages show it (control characters escaped, at most 100 characters).
    var displayName: String { ZipArchive.displayName(name) }
    var method: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    /// Offset of the entry's compressed bytes in the archive.
    var dataOffset: Int
  }

  /// Deflate cannot expand by more than 1032:1 (258-byte matches coded in 2 bits).
  static let maximumDeflateRatio = 1032

  /// The archive's path, for messages.
  let path: String
  let bytes: [UInt8]
  /// The entries in central-directory order.
  private(set) var entries: [Entry] = []

  /// Parses the directory of `bytes` (the whole file at `path`).
  init(bytes: [UInt8], path: String) throws(DataSetError) {
    self.path = path
    self.bytes = bytes
    let end = try findEndOfCentralDirectory()
    if end >= 20 && readUInt32(end - 20) == 0x0706_4b50 {
      throw fail("zip64 archives (over 4 GiB or 65,535 entries) are not supported")
    }
    let diskNumber = readUInt16(end + 4)
    let directoryDisk = readUInt16(end + 6)
    let entriesOnDisk = Int(readUInt16(end + 8))
    let entryCount = Int(readUInt16(end + 10))
    let directorySize = Int(readUInt32(end + 12))
    let directoryOffset = Int(readUInt32(end + 16))
    if entryCount == 0xffff || directorySize == 0xffff_ffff || directoryOffset == 0xffff_ffff {
      throw fail("zip64 archives (over 4 GiB or 65,535 entries) are not supported")
    }
    if diskNumber != 0 || directoryDisk != 0 || entriesOnDisk != entryCount {
      throw fail("multi-disk (split) ZIP archives are not supported")
    }
    if directoryOffset + directorySize > end {
      throw fail(
        "corrupt ZIP: the central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file")
    }
    var offset = directoryOffset
    for index in 0..<entryCount {
      let entry = try readCentralEntry(at: &offset, index: index, directoryEnd: directoryOffset + directorySize)
      entries.append(entry)
    }
  }

  /// The entry called `name`, nil if there is none.
  func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

  /// The uncompressed bytes of `entry`, checked against its size and CRC-32.
  func contents(of entry: Entry) throws(DataSetError) -> [UInt8] {
    let output: [UInt8]
    switch entry.method {
    case 0:
      if entry.compressedSize != entry.uncompressedSize {
        throw fail("corrupt ZIP: stored entry \(entry.displayName) has different compressed and uncompressed sizes")
      }
      output = Array(bytes[entry.dataOffset..<entry.dataOffset + entry.compressedSize])
    default:
      let inflated = bytes.withUnsafeBytes { archive in
        let compressed = UnsafeRawBufferPointer(
          rebasing: archive[entry.dataOffset..<entry.dataOffset + entry.compressedSize])
        return Result { () throws(RawInflate.Failure) in
          try RawInflate.inflate(compressed, expectedSize: entry.uncompressedSize)
        }
      }
      switch inflated {
      case .success(let inflatedBytes): output = inflatedBytes
      case .failure(let failure): throw fail("corrupt ZIP entry \(entry.displayName): \(failure.reason)")
      }
    }
    let checksum = CRC32.checksum(output)
    if checksum != entry.crc32 {
      throw fail(
        "corrupt ZIP entry \(entry.displayName): CRC-32 \(hex(checksum)) does not match the recorded \(hex(entry.crc32))"
      )
    }
    return output
  }

  // MARK: Parsing

  /// The offset of the end-of-central-directory record: its signature, searched backwards
  /// over the 22-byte record and a comment of up to 65,535 bytes.
  private func findEndOfCentralDirectory() throws(DataSetError) -> Int {
    if bytes.count < 22 { throw fail("not a ZIP archive (\(bytes.count) bytes)") }
    let lowest = max(0, bytes.count - 22 - 0xffff)
    var offset = bytes.count - 22
    while offset >= lowest {
      if readUInt32(offset) == 0x0605_4b50 && offset + 22 + Int(readUInt16(offset + 20)) <= bytes.count {
        return offset
      }
      offset -= 1
    }
    if readUInt32(0) == 0x0403_4b50 {
      throw fail("corrupt ZIP: no end-of-central-directory record (truncated file?)")
    }
    throw fail("not a ZIP archive (no end-of-central-directory record)")
  }

  /// Reads the central directory entry at `offset`, advancing it past the entry, and
  /// checks the local header it points to.
  private func readCentralEntry(at offset: inout Int, index: Int, directoryEnd: Int) throws(DataSetError) -> Entry {
    if offset + 46 > directoryEnd || readUInt32(offset) != 0x0201_4b50 {
      throw fail("corrupt ZIP: central directory entry \(index) is damaged")
    }
    let flags = readUInt16(offset + 8)
    let method = readUInt16(offset + 10)
    let crc = readUInt32(offset + 16)
    let compressedSize = readUInt32(offset + 20)
    let uncompressedSize = readUInt32(offset + 24)
    let nameLength = Int(readUInt16(offset + 28))
    let extraLength = Int(readUInt16(offset + 30))
    let commentLength = Int(readUInt16(offset + 32))
    let localOffset = readUInt32(offset + 42)
    let next = offset + 46 + nameLength + extraLength + commentLength
    if next > directoryEnd { throw fail("corrupt ZIP: central directory entry \(index) is damaged") }
    let name = String(decoding: bytes[offset + 46..<offset + 46 + nameLength], as: UTF8.self)
    offset = next
    let shown = Self.displayName(name)
    if compressedSize == 0xffff_ffff || uncompressedSize == 0xffff_ffff || localOffset == 0xffff_ffff {
      throw fail("entry \(shown) uses zip64 (over 4 GiB), which is not supported")
    }
    if flags & 1 != 0 { throw fail("entry \(shown) is encrypted, which is not supported") }
    if method != 0 && method != 8 {
      throw fail("entry \(shown) uses compression method \(method); only stored (0) and deflate (8) are supported")
    }
    let local = Int(localOffset)
    if local + 30 > bytes.count || readUInt32(local) != 0x0403_4b50 {
      throw fail("corrupt ZIP: the local header of entry \(shown) is missing or damaged")
    }
    let dataOffset = local + 30 + Int(readUInt16(local + 26)) + Int(readUInt16(local + 28))
    if dataOffset + Int(compressedSize) > bytes.count {
      throw fail("corrupt ZIP: entry \(shown) extends past the end of the file (truncated?)")
    }
    if method == 8 && Int(uncompressedSize) > Int(compressedSize) * Self.maximumDeflateRatio + 1024 {
      throw fail(
        "corrupt ZIP: entry \(shown) claims \(uncompressedSize) bytes from \(compressedSize) compressed bytes, "
          + "more than deflate can produce")
    }
    return Entry(
      name: name, method: method, crc32: crc, compressedSize: Int(compressedSize),
      uncompressedSize: Int(uncompressedSize), dataOffset: dataOffset)
  }

  private func readUInt16(_ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  private func readUInt32(_ offset: Int) -> UInt32 {
    UInt32(readUInt16(offset)) | UInt32(readUInt16(offset + 2)) << 16
  }

  /// `name` fit for a one-line message: control characters as `\u{…}`, cut at 100 characters.
  static func displayName(_ name: String) -> String {
    var shown = ""
    for scalar in name.unicodeScalars.prefix(100) {
      shown += scalar.value < 0x20 || scalar.value == 0x7f ? scalar.escaped(asASCII: true) : String(scalar)
    }
    return name.unicodeScalars.count > 100 ? shown + "…" : shown
  }

  private func fail(_ reason: String) -> DataSetError { DataSetError("\(path): \(reason)") }
}

/// `0x%08x` without Foundation's formatting.
func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
