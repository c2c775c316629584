/// A stack of 8-bit grey images as stored in an IDX file (`0x00000803`): image `i`
/// occupies `pixels[i*rows*cols ..< (i+1)*rows*cols]`, row by row.
public struct IDXImages: Sendable, Equatable {
  public var count: Int
  public var rows: Int
  public var cols: Int
  public var pixels: [UInt8]

  public init(count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
    precondition(pixels.count == count * rows * cols, "pixel count does not match the shape")
    self.count = count
    self.rows = rows
    self.cols = cols
    self.pixels = pixels
  }

  /// Bytes per image: `rows * cols`.
  public var imageSize: Int { rows * cols }
}

/// Loads an IDX image file, gzip'd or plain. The file must be exactly
/// `16 + count*rows*cols` bytes (decompressed), with magic `0x00000803`.
public func loadIDXImages(path: String) throws(IDXError) -> IDXImages {
  var reader = try GzipFileReader(path: path)
  let dims = try readIDXHeader(&reader, magic: idxImagesMagic, dimensionCount: 3)
  let (count, rows, cols) = (dims[0], dims[1], dims[2])
  if rows == 0 || cols == 0 {
    throw .badDimensions(path: path, detail: "images are \(rows)x\(cols)")
  }
  // Each factor is below 2^28, but three of them overflow 64 bits: multiply with checks.
  let (imageSize, sizeOverflow) = rows.multipliedReportingOverflow(by: cols)
  let (payload, payloadOverflow) = imageSize.multipliedReportingOverflow(by: count)
  if sizeOverflow || payloadOverflow || payload > idxMaximumPayload {
    throw .badDimensions(
      path: path, detail: "\(count) images of \(rows)x\(cols) is too large (limit \(idxMaximumPayload) bytes)")
  }
  try reader.checkPlainFileSize(expectedBytes: 16 + payload)
  let pixels = try reader.readExactly(payload, headerBytes: 16)
  try reader.expectEnd(expectedBytes: 16 + payload)
  return IDXImages(count: count, rows: rows, cols: cols, pixels: pixels)
}
