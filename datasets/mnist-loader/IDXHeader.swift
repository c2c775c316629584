/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
public let idxImagesMagic: UInt32 = 0x0000_0803
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
  let headerBytes = 4 * (1 + dimensionCount)
  let header = try reader.read(upTo: headerBytes)
  if header.count < 4 {
    throw .truncated(path: reader.path, expectedBytes: headerBytes, actualBytes: header.count)
  }
  let found = bigEndianUInt32(header, at: 0)
  if found != magic { throw .badMagic(path: reader.path, found: found, expected: magic) }
  if header.count < headerBytes {
    throw .truncated(path: reader.path, expectedBytes: headerBytes, actualBytes: header.count)
  }
  var dimensions: [Int] = []
  for index in 0..<dimensionCount {
    let value = Int(bigEndianUInt32(header, at: 4 + 4 * index))
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
