/// The bytes of an IDX image file holding `images`: rank 3 (`0x00000803`, N x H x W) for
/// grey images, rank 4 (`0x00000804`, N x H x W x C) otherwise. The caller writes them
/// (atomically: `AtomicFileWriter.write(_:to:)` in BinaryNetFiles); `loadIDXImages` reads
/// them back to equal `images`.
public func encodeIDXImages(_ images: IDXImages) -> [UInt8] {
  let dimensions =
    images.channels == 1
    ? [images.count, images.rows, images.cols] : [images.count, images.rows, images.cols, images.channels]
  return idxHeader(magic: images.channels == 1 ? idxImagesMagic : idxColourImagesMagic, dimensions: dimensions)
    + images.pixels
}

/// The bytes of an IDX label file (`0x00000801`, rank 1) holding `labels`.
public func encodeIDXLabels(_ labels: IDXLabels) -> [UInt8] {
  idxHeader(magic: idxLabelsMagic, dimensions: [labels.count]) + labels.labels
}

/// The magic number and the dimensions, big-endian `UInt32`s.
private func idxHeader(magic: UInt32, dimensions: [Int]) -> [UInt8] {
  var bytes: [UInt8] = []
  bytes.reserveCapacity(4 * (1 + dimensions.count))
  for value in [magic] + dimensions.map({ UInt32($0) }) {
    bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
  }
  return bytes
}
