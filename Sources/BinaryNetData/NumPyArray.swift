/// Where an array comes from, for messages: the file and the array's name
/// (`data.npz` and `x_train`, or `folder/x_train.npy` and `x_train`).
struct ArrayLocation {
  var file: String
  var key: String
  /// What `LabeledImageSet.sources` calls element `i`, before `#i`: `data.npz:x_train`
  /// for an archive member, the file's path for a `.npy` file.
  var sourcePrefix: String

  /// A one-line error `FILE: KEY reason`.
  func error(_ reason: String) -> DataSetError { DataSetError("\(file): \(key) \(reason)") }
}

/// An element type as a `.npy` header's `descr` spells it: byte order (`<`, `>`, `|`,
/// `=`), kind (`u` unsigned, `i` signed, `f` float, `U` unicode, `S` bytes, …) and size
/// in bytes (for `U`, characters of 4 bytes each).
struct NumPyDType: Equatable {
  var byteOrder: UInt8
  var kind: UInt8
  /// The count after the kind letter (bytes, or characters for `U`).
  var count: Int
  /// The `descr` text as written, for messages.
  var text: String

  /// Bytes per element.
  var itemSize: Int { kind == UInt8(ascii: "U") ? count * 4 : count }

  var isBigEndian: Bool { byteOrder == UInt8(ascii: ">") }
  var isInteger: Bool { kind == UInt8(ascii: "u") || kind == UInt8(ascii: "i") }

  /// Parses `descr`; nil when it is not a simple `<kind><size>` type.
  init?(descr: String) {
    var bytes = Array(descr.utf8)
    var order = UInt8(ascii: "=")
    if let first = bytes.first, "<>|=".utf8.contains(first) {
      order = first
      bytes.removeFirst()
    }
    guard let kind = bytes.first, (kind >= 0x41 && kind <= 0x5a) || (kind >= 0x61 && kind <= 0x7a) else { return nil }
    let digits = bytes.dropFirst()
    guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    let count = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    guard count > 0 else { return nil }
    byteOrder = order
    self.kind = kind
    self.count = count
    text = descr
  }
}

/// An array read from `.npy` bytes (format versions 1, 2 and 3).
///
/// The header is a Python dictionary literal with `descr`, `fortran_order` and `shape`;
/// the element count times the element size must equal the bytes that follow the header
/// exactly, which is checked before anything is allocated from the shape.
struct NumPyArray {
  /// Headers longer than this are refused (numpy itself writes well under 1 KiB).
  static let maximumHeaderBytes = 65536

  var location: ArrayLocation
  var dtype: NumPyDType
  var fortranOrder: Bool
  var shape: [Int]
  /// The whole `.npy` bytes; the data starts at `dataOffset`.
  private var storage: [UInt8]
  private let dataOffset: Int

  init(npyBytes: [UInt8], location: ArrayLocation) throws(DataSetError) {
    self.location = location
    let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]  // "\x93NUMPY"
    guard npyBytes.count >= 10, Array(npyBytes[0..<6]) == magic else {
      throw location.error("is not a .npy array (no \\x93NUMPY magic)")
    }
    let major = npyBytes[6]
    let headerStart: Int
    let headerLength: Int
    switch major {
    case 1:
      headerStart = 10
      headerLength = Int(npyBytes[8]) | Int(npyBytes[9]) << 8
    case 2, 3:
      guard npyBytes.count >= 12 else { throw location.error("is truncated inside its .npy header") }
      headerStart = 12
      headerLength =
        Int(npyBytes[8]) | Int(npyBytes[9]) << 8 | Int(npyBytes[10]) << 16 | Int(npyBytes[11]) << 24
    default:
      throw location.error("is in .npy format version \(major), which is not supported (1, 2, 3 are)")
    }
    if headerLength > Self.maximumHeaderBytes {
      throw location.error("has a \(headerLength)-byte .npy header, more than the limit of \(Self.maximumHeaderBytes)")
    }
    if headerStart + headerLength > npyBytes.count {
      throw location.error("is truncated inside its .npy header")
    }
    let header: PythonLiteral
    do {
      header = try PythonLiteral.parse(Array(npyBytes[headerStart..<headerStart + headerLength]))
    } catch {
      throw location.error("has a .npy header that cannot be read: \(error.reason)")
    }
    guard case .dictionary(let fields) = header else {
      throw location.error("has a .npy header that is not a dictionary")
    }
    guard case .string(let descr)? = fields["descr"] else {
      if fields["descr"] != nil { throw location.error("has a structured dtype, which is not supported") }
      throw location.error("has a .npy header without 'descr'")
    }
    guard case .boolean(let fortran)? = fields["fortran_order"] else {
      throw location.error("has a .npy header without 'fortran_order'")
    }
    guard case .sequence(let dimensions)? = fields["shape"] else {
      throw location.error("has a .npy header without a 'shape' tuple")
    }
    var shape: [Int] = []
    for dimension in dimensions {
      guard case .integer(let size) = dimension, size >= 0 else {
        throw location.error("has a .npy header with a bad shape")
      }
      shape.append(size)
    }
    guard let dtype = NumPyDType(descr: descr) else {
      throw location.error("has dtype \(descr), which is not supported")
    }
    let dataOffset = headerStart + headerLength
    let dataBytes = npyBytes.count - dataOffset
    var needed = dtype.itemSize
    var overflow = false
    for size in shape where !overflow {
      (needed, overflow) = needed.multipliedReportingOverflow(by: size)
    }
    if overflow || needed != dataBytes {
      let shapeText = Self.shapeText(shape)
      let neededText = overflow ? "more than 2^63" : String(needed)
      throw location.error(
        "has shape \(shapeText) of \(descr), which needs \(neededText) bytes, but the array holds \(dataBytes)")
    }
    self.dtype = dtype
    self.fortranOrder = fortran
    self.shape = shape
    self.storage = npyBytes
    self.dataOffset = dataOffset
  }

  /// The shape as numpy prints it: `(60000, 28, 28)`, `(10,)`.
  var shapeText: String { Self.shapeText(shape) }

  static func shapeText(_ shape: [Int]) -> String {
    "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
  }

  var elementCount: Int { shape.reduce(1, *) }

  /// The raw data bytes, moved out of the array (the header is dropped in place).
  mutating func takeDataBytes() -> [UInt8] {
    var bytes: [UInt8] = []
    swap(&bytes, &storage)
    bytes.removeSubrange(0..<dataOffset)
    return bytes
  }

  /// Element `index` of an integer array as a signed value, or its text when it does not
  /// fit an `Int64` (unsigned 64-bit values over 2^63 - 1).
  func integer(at index: Int) -> (value: Int64?, text: String) {
    let size = dtype.itemSize
    let start = dataOffset + index * size
    var raw: UInt64 = 0
    for byte in 0..<size {
      let value = UInt64(storage[start + (dtype.isBigEndian ? byte : size - 1 - byte)])
      raw = raw << 8 | value
    }
    if dtype.kind == UInt8(ascii: "u") {
      return raw > UInt64(Int64.max) ? (nil, String(raw)) : (Int64(raw), String(raw))
    }
    let shift = UInt64(64 - 8 * size)
    let signed = Int64(bitPattern: raw << shift) >> Int64(shift)
    return (signed, String(signed))
  }

  /// The strings of a `U` (UTF-32) or `S` (bytes) array, trailing NULs removed.
  func strings() -> [String] {
    let size = dtype.itemSize
    return (0..<elementCount).map { index in
      let start = dataOffset + index * size
      let bytes = storage[start..<start + size]
      if dtype.kind == UInt8(ascii: "S") {
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
      }
      var scalars = String.UnicodeScalarView()
      for character in 0..<dtype.count {
        var code: UInt32 = 0
        for byte in 0..<4 {
          let value = UInt32(bytes[start + 4 * character + (dtype.isBigEndian ? byte : 3 - byte)])
          code = code << 8 | value
        }
        if code == 0 { break }
        scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
      }
      return String(scalars)
    }
  }
}
