/// PNG files assembled byte by byte, independently of libpng: chunks with their CRC-32,
/// the image data as a zlib stream of stored (uncompressed) deflate blocks with its
/// Adler-32, every scanline with filter 0, Adam7 interlacing done here.
enum HandMadePNG {
  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// PNG colour types.
  static let grey: UInt8 = 0
  static let rgb: UInt8 = 2
  static let palette: UInt8 = 3
  static let greyAlpha: UInt8 = 4
  static let rgba: UInt8 = 6

  /// A whole PNG file. `rows` are the packed scanlines without filter bytes (for bit
  /// depths below 8, several pixels a byte). With `interlaced`, the rows are split into
  /// the 7 Adam7 passes, which needs whole-byte pixels (`bitDepth` 8 or 16).
  static func file(
    width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
    interlaced: Bool = false, palette: [UInt8]? = nil, transparency: [UInt8]? = nil
  ) -> [UInt8] {
    var bytes = signature
    bytes += chunk(
      "IHDR", header(width: width, height: height, bitDepth: bitDepth, colorType: colorType, interlaced: interlaced))
    if let palette { bytes += chunk("PLTE", palette) }
    if let transparency { bytes += chunk("tRNS", transparency) }
    let scanlines: [[UInt8]]
    if interlaced {
      let samples: [UInt8: Int] = [grey: 1, rgb: 3, greyAlpha: 2, rgba: 4]
      precondition(bitDepth >= 8 && samples[colorType] != nil, "interlacing here needs whole-byte pixels")
      let pixelBytes = samples[colorType]! * Int(bitDepth) / 8
      scanlines = adam7(rows: rows, width: width, height: height, pixelBytes: pixelBytes)
    } else {
      scanlines = rows
    }
    bytes += chunk("IDAT", zlibStored(scanlines.flatMap { [0] + $0 }))
    bytes += chunk("IEND", [])
    return bytes
  }

  static func header(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, interlaced: Bool) -> [UInt8] {
    bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [bitDepth, colorType, 0, 0, interlaced ? 1 : 0]
  }

  /// The Adam7 passes' scanlines: pass p takes the pixels at (xs + i dx, ys + j dy);
  /// empty passes have no scanlines at all.
  static func adam7(rows: [[UInt8]], width: Int, height: Int, pixelBytes: Int) -> [[UInt8]] {
    let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    var scanlines: [[UInt8]] = []
    for (xs, ys, dx, dy) in passes {
      guard xs < width, ys < height else { continue }
      for y in stride(from: ys, to: height, by: dy) {
        var line: [UInt8] = []
        for x in stride(from: xs, to: width, by: dx) {
          line += rows[y][(x * pixelBytes)..<((x + 1) * pixelBytes)]
        }
        scanlines.append(line)
      }
    }
    return scanlines
  }

  /// Length, type, data, CRC-32 of type and data.
  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typed = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
  }

  /// A zlib stream (header 78 01) of stored deflate blocks (at most 65535 bytes each).
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let count = min(65535, data.count - offset)
      let last: UInt8 = offset + count == data.count ? 1 : 0
      out += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
      out += data[offset..<(offset + count)]
      offset += count
    } while offset < data.count
    return out + bigEndian(adler32(data))
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    for byte in bytes {
      a = (a + UInt32(byte)) % 65521
      b = (b + a) % 65521
    }
    return b << 16 | a
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [24, 16, 8, 0].map { (shift: UInt32) -> UInt8 in UInt8(truncatingIfNeeded: value >> shift) }
  }

  /// 16-bit samples as big-endian byte pairs.
  static func bytes16(_ samples: [UInt16]) -> [UInt8] {
    samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
  }
}

/// The alpha rule the decoder documents, written out again: `v` over white with opacity `a`.
func flattenedOnWhite(_ v: UInt8, _ a: UInt8) -> UInt8 {
  let value = Int(v)
  let alpha = Int(a)
  let white = 255 * (255 - alpha)
  return UInt8((value * alpha + white + 127) / 255)
}

/// A deterministic pseudo-random byte sequence (SplitMix64).
func testBytes(_ count: Int, seed: UInt64) -> [UInt8] {
  var state = seed
  return (0..<count).map { _ in
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return UInt8(truncatingIfNeeded: z ^ (z >> 31))
  }
}
