import BinaryNet

/// PGM and PPM images (Netpbm P2, P3, P5, P6): decoded from memory, encoded as P5/P6.
///
/// Samples are scaled from 0...maxval to 0...255 rounded half up:
/// `(v * 255 + maxval / 2) / maxval` (integer division; maxval 255 keeps them as they
/// are). A sample above maxval is an error. Bytes after the raster are ignored (Netpbm
/// allows several images in one file; the first is read).
enum NetpbmCodec {
  static func decode(_ bytes: [UInt8]) throws(ImageCodecFailure) -> PixelImage {
    let header = try NetpbmHeader(bytes)
    let count = header.sampleCount
    let room = bytes.count - header.rasterOffset
    // Refuse data too short for the header's size before allocating by it: a binary
    // sample takes 1 or 2 bytes, an ASCII one a digit and (but the last) a separator.
    let needed = header.binary ? count * header.bytesPerSample : 2 * count - 1
    guard room >= needed else {
      throw ImageCodecFailure(
        "the pixels are truncated: a \(header.width)x\(header.height) \(header.kind) image needs "
          + (header.binary ? "" : "at least ") + "\(needed) bytes, the file has \(room)")
    }
    var samples = [UInt8](repeating: 0, count: count)
    let scale = scaleTable(maxval: header.maxval)
    if header.binary {
      var offset = header.rasterOffset
      for i in 0..<count {
        var value = Int(bytes[offset])
        if header.bytesPerSample == 2 { value = value << 8 | Int(bytes[offset + 1]) }
        offset += header.bytesPerSample
        guard value <= header.maxval else { throw aboveMaxval(i, value, header) }
        samples[i] = scale[value]
      }
    } else {
      var cursor = header.rasterOffset
      for i in 0..<count {
        guard let value = NetpbmSyntax.number(bytes, &cursor, cap: 65535) else {
          NetpbmSyntax.skipSpaceAndComments(bytes, &cursor)
          throw ImageCodecFailure(
            cursor < bytes.count
              ? "sample \(i) of the \(header.kind) pixels is not a number"
              : "the pixels are truncated: \(i) of \(count) samples")
        }
        guard value <= header.maxval else { throw aboveMaxval(i, value, header) }
        samples[i] = scale[value]
      }
    }
    return PixelImage(width: header.width, height: header.height, channels: header.channels, pixels: samples)
  }

  private static func aboveMaxval(_ index: Int, _ value: Int, _ header: NetpbmHeader) -> ImageCodecFailure {
    let shown = value > 65535 ? "above 65535" : String(value)
    return ImageCodecFailure("sample \(index) is \(shown), above maxval \(header.maxval)")
  }

  /// `(v * 255 + maxval / 2) / maxval` for every `v` in 0...maxval.
  static func scaleTable(maxval: Int) -> [UInt8] {
    (0...maxval).map { UInt8(($0 * 255 + maxval / 2) / maxval) }
  }

  /// P5 (grey) or P6 (RGB) with maxval 255: `P5\n<width> <height>\n255\n` and the samples.
  static func encode(_ image: PixelImage) -> [UInt8] {
    let magic = image.channels == 1 ? "P5" : "P6"
    let header = "\(magic)\n\(image.width) \(image.height)\n255\n"
    return Array(header.utf8) + image.pixels
  }
}
