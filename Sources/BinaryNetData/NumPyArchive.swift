/// A NumPy `.npz` archive opened for reading arrays by name: the reader behind
/// `DataSet.load` (`ZipArchive`, `NumPyArray`) for other callers, such as the model
/// importer. Entries `NAME.npy` hold the array `NAME`; stored and deflated entries are
/// read, sizes and CRC-32 are checked, and no buffer is sized from an unchecked header.
public struct NumPyArchive {
  /// The largest archive read by `init(path:)` unless told otherwise (1 GiB).
  public static let defaultMaximumBytes = 1 << 30

  let archive: ZipArchive

  /// Reads and indexes the archive at `path`; a file over `maximumBytes` is refused
  /// before it is read.
  public init(path: String, maximumBytes: Int = defaultMaximumBytes) throws(DataSetError) {
    archive = try ZipArchive(bytes: FileBytes.read(path: path, maximumBytes: maximumBytes), path: path)
  }

  /// Indexes an archive held in memory; `path` names it in messages.
  public init(bytes: [UInt8], path: String) throws(DataSetError) {
    archive = try ZipArchive(bytes: bytes, path: path)
  }

  /// The archive's path, for messages.
  public var path: String { archive.path }

  /// The names of the arrays (entries ending in `.npy`, without it), in archive order.
  public var arrayNames: [String] {
    archive.entries.compactMap { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : nil }
  }

  /// The array `name` (entry `name.npy`), nil when the archive has none. A damaged entry
  /// or `.npy` header throws, naming the archive and the array.
  public func array(named name: String) throws(DataSetError) -> NumPyArrayData? {
    guard let entry = archive.entry(named: name + ".npy") else { return nil }
    let location = ArrayLocation(file: archive.path, key: name, sourcePrefix: archive.path + ":" + name)
    var array = try NumPyArray(npyBytes: archive.contents(of: entry), location: location)
    return NumPyArrayData(
      name: name, descr: array.dtype.text, shape: array.shape, fortranOrder: array.fortranOrder,
      data: array.takeDataBytes())
  }
}

/// One array of a `.npz` archive: its `.npy` header fields and its raw data bytes, whose
/// count the reader has checked against the shape and element size.
public struct NumPyArrayData: Sendable {
  public var name: String
  /// The dtype as the header spells it: `<f4`, `|u1`, `<f8`, …
  public var descr: String
  /// The dimensions, outermost first (`[]` for a scalar).
  public var shape: [Int]
  public var fortranOrder: Bool
  /// The elements' bytes as stored.
  public var data: [UInt8]

  /// The shape as numpy prints it: `(784, 32)`, `(10,)`.
  public var shapeText: String { NumPyArray.shapeText(shape) }

  /// The elements of a little-endian float32 (`<f4`) array in C order; nil for any other
  /// dtype or a Fortran-order array with more than one dimension.
  public func float32Values() -> [Float]? {
    guard descr == "<f4", !fortranOrder || shape.count <= 1 else { return nil }
    let count = data.count / 4
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      for i in 0..<count {
        let bits =
          UInt32(data[4 * i]) | UInt32(data[4 * i + 1]) << 8 | UInt32(data[4 * i + 2]) << 16
          | UInt32(data[4 * i + 3]) << 24
        buffer[i] = Float(bitPattern: bits)
      }
      initialized = count
    }
  }

  /// The bytes of a `uint8` array (`|u1`, `<u1`, `>u1`, `=u1`); nil for any other dtype.
  public func uint8Values() -> [UInt8]? {
    guard let dtype = NumPyDType(descr: descr), dtype.kind == UInt8(ascii: "u"), dtype.count == 1 else { return nil }
    return data
  }
}
