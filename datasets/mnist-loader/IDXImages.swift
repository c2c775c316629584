/// A stack of 8-bit images as stored in an IDX file: grey (`0x00000803`, N x H x W) or
/// with channels (`0x00000804`, N x H x W x C). Image `i` occupies
/// `pixels[i*imageSize ..< (i+1)*imageSize]`, row by row, channels interleaved (HWC).
public struct IDXImages: Sendable, Equatable {
  public var count: Int
  public var rows: Int
  public var cols: Int
  /// Values per pixel: 1 (grey) or 3 (RGB).
  public var channels: Int
  public var pixels: [UInt8]

  public init(count: Int, rows: Int, cols: Int, channels: Int = 1, pixels: [UInt8]) {
    precondition(pixels.count == count * rows * cols * channels, "pixel count does not match the shape")
    self.count = count
    self.rows = rows
    self.cols = cols
    self.channels = channels
    self.pixels = pixels
  }

  /// Bytes per image: `rows * cols * channels`.
  public var imageSize: Int { rows * cols * channels }
}

/// Channel counts an IDX image file may have in its fourth dimension.
public let idxImageChannelCounts: Set<Int> = [1, 3]

/// Loads an IDX image file, gzip'd or plain: rank 3 (magic `0x00000803`, N x H x W) or
/// rank 4 (magic `0x00000804`, N x H x W x C with C = 1 or 3). The file must be exactly
/// as long as its header announces (decompressed); sizes are checked before allocation.
public func loadIDXImages(path: String) throws(IDXError) -> IDXImages {
  var reader = try GzipFileReader(path: path)
  let dims = try readIDXHeader(&reader, magics: [idxImagesMagic, idxColourImagesMagic])
  let headerBytes = 4 * (1 + dims.count)
  let (count, rows, cols) = (dims[0], dims[1], dims[2])
  let channels = dims.count == 4 ? dims[3] : 1
  if rows == 0 || cols == 0 {
    throw .badDimensions(path: path, detail: "images are \(rows)x\(cols)")
  }
  if !idxImageChannelCounts.contains(channels) {
    throw .badDimensions(path: path, detail: "images have \(channels) channels, expected 1 or 3")
  }
  // Each factor is below 2^28, but three of them overflow 64 bits: multiply with checks.
  let (area, areaOverflow) = rows.multipliedReportingOverflow(by: cols)
  let (imageSize, sizeOverflow) = area.multipliedReportingOverflow(by: channels)
  let (payload, payloadOverflow) = imageSize.multipliedReportingOverflow(by: count)
  if areaOverflow || sizeOverflow || payloadOverflow || payload > idxMaximumPayload {
    throw .badDimensions(
      path: path,
      detail: "\(count) images of \(rows)x\(cols)\(dims.count == 4 ? "x\(channels)" : "") is too large "
        + "(limit \(idxMaximumPayload) bytes)")
  }
  try reader.checkPlainFileSize(expectedBytes: headerBytes + payload)
  let pixels = try reader.readExactly(payload, headerBytes: headerBytes)
  try reader.expectEnd(expectedBytes: headerBytes + payload)
  return IDXImages(count: count, rows: rows, cols: cols, channels: channels, pixels: pixels)
}
