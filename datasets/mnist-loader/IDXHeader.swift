/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
public let idxImagesMagic: UInt32 = 0x0000_0803
/// Magic number of an IDX file of unsigned bytes with 4 dimensions (images with channels).
public let idxColourImagesMagic: UInt32 = 0x0000_0804
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
public let idxLabelsMagic: UInt32 = 0x0000_0801

/// Largest item count or side length accepted from a header: guards against allocating
/// gigabytes because of a corrupt header.
let idxMaximumDimension = 1 << 28
/// Largest payload accepted (4 GiB), for the same reason.
let idxMaximumPayload = 1 << 32

/// Reads the header of an IDX file: the magic number then `dimensionCount` big-endian
/// `UInt32` dimensions. Returns the dimensions.
func readIDXHeader(
  _ reader: inout GzipFileReader, magic: UInt32, dimensionCount: Int
) throws(IDXError) -> [Int] {
  try readIDXHeader(&reader, magics: [magic]) { _ in dimensionCount }
}

/// Reads the header of an IDX file whose magic is one of `magics` (unsigned bytes; the
/// magic's low byte is the rank), then as many big-endian `UInt32` dimensions as its rank.
func readIDXHeader(_ reader: inout GzipFileReader, magics: [UInt32]) throws(IDXError) -> [Int] {
  try readIDXHeader(&reader, magics: magics) { Int($0 & 0xff) }
}

/// The shared reader: the magic (one of `magics`, the first is reported when none
/// matches), then `rank(magic)` dimensions, each at most `idxMaximumDimension`.
private func readIDXHeader(
  _ reader: inout GzipFileReader, magics: [UInt32], rank: (UInt32) -> Int
) throws(IDXError) -> [Int] {
  let magicBytes = try reader.read(upTo: 4)
  if magicBytes.count < 4 {
    let rank = rank(magics[0])
    throw .truncated(path: reader.path, expectedBytes: 4 * (1 + rank), actualBytes: magicBytes.count)
  }
  let found = bigEndianUInt32(magicBytes, at: 0)
  if !magics.contains(found) { throw .badMagic(path: reader.path, found: found, expected: magics[0]) }
  let dimensionCount = rank(found)
  let headerBytes = 4 * (1 + dimensionCount)
  let header = try reader.read(upTo: headerBytes - 4)
  if header.count < headerBytes - 4 {
    throw .truncated(path: reader.path, expectedBytes: headerBytes, actualBytes: 4 + header.count)
  }
  var dimensions: [Int] = []
  for index in 0..<dimensionCount {
    let value = Int(bigEndianUInt32(header, at: 4 * index))
    if value > idxMaximumDimension {
      throw .badDimensions(path: reader.path, detail: "dimension \(index) is \(value), too large")
    }
    dimensions.append(value)
  }
  return dimensions
}

/// The big-endian `UInt32` at `offset`.
func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
  UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
    | UInt32(bytes[offset + 3])
}
