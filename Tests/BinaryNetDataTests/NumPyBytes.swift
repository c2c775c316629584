/// `.npy` files built byte by byte, as `numpy.save` writes them: magic, version, header
/// length, the header dictionary padded with spaces to a multiple of 64 and ended by a
/// newline, then the data.
enum NumPyBytes {
  static func npy(
    descr: String, shape: [Int], data: [UInt8], fortranOrder: Bool = false, version: UInt8 = 1
  ) -> [UInt8] {
    let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    let dictionary =
      "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
    return npy(header: dictionary, data: data, version: version)
  }

  /// An `.npy` file with `header` as the dictionary text, as is.
  static func npy(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    let prefixLength = version == 1 ? 10 : 12
    var text = Array(header.utf8)
    while (prefixLength + text.count + 1) % 64 != 0 { text.append(0x20) }
    text.append(0x0a)
    var bytes: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]
    bytes += littleEndian(UInt64(text.count), bytes: version == 1 ? 2 : 4)
    return bytes + text + data
  }

  /// `values` as `bytes`-byte integers, little- or big-endian (two's complement).
  static func integers(_ values: [Int], bytes: Int, bigEndian: Bool = false) -> [UInt8] {
    values.flatMap { value -> [UInt8] in
      let encoded = littleEndian(UInt64(bitPattern: Int64(value)), bytes: bytes)
      return bigEndian ? encoded.reversed() : encoded
    }
  }

  /// `strings` as a `<U{width}` array (UTF-32LE, NUL-padded).
  static func unicode(_ strings: [String], width: Int) -> [UInt8] {
    strings.flatMap { string -> [UInt8] in
      let scalars = string.unicodeScalars.map(\.value)
      return (0..<width).flatMap { index in littleEndian(UInt64(index < scalars.count ? scalars[index] : 0), bytes: 4) }
    }
  }

  static func littleEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
    (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
  }
}
