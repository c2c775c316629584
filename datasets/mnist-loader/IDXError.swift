/// Everything that can go wrong while finding or reading IDX data.
///
/// Each case describes itself in one human-readable line that names the file involved,
/// so a command-line tool can print `error: \(error)` and stop.
public enum IDXError: Error, Equatable, CustomStringConvertible {
  /// The file does not exist or cannot be opened.
  case cannotOpen(path: String, reason: String)
  /// zlib reported an error (corrupt gzip stream, CRC mismatch, I/O error).
  case readFailed(path: String, reason: String)
  /// The file ended before the length its header announces.
  case truncated(path: String, expectedBytes: Int, actualBytes: Int)
  /// The file is longer than its header announces.
  case trailingData(path: String, expectedBytes: Int)
  /// The first four bytes are not the expected IDX magic number.
  case badMagic(path: String, found: UInt32, expected: UInt32)
  /// The header's dimensions are zero or absurdly large.
  case badDimensions(path: String, detail: String)
  /// A label is not in `0..<classCount`.
  case labelOutOfRange(path: String, index: Int, label: UInt8, classCount: Int)
  /// An image file and its label file disagree on the number of items.
  case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
  /// Training and test images have different shapes.
  case shapeMismatch(path: String, rows: Int, cols: Int, expectedRows: Int, expectedCols: Int)
  /// Training and test images have different channel counts.
  case channelMismatch(path: String, channels: Int, expectedChannels: Int)
  /// No folder with the data set was found; `searched` lists the places tried.
  case dataNotFound(name: String, searched: [String])

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot open \(path): \(reason)"
    case .readFailed(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .truncated(let path, let expected, let actual):
      return "\(path) is truncated: its header announces \(expected) bytes but it holds \(actual)"
    case .trailingData(let path, let expected):
      return "\(path) is longer than the \(expected) bytes its header announces"
    case .badMagic(let path, let found, let expected):
      if expected == idxImagesMagic {
        return "\(path) is not an IDX image file: magic \(hex(found)), expected \(hex(expected)) "
          + "(N x H x W) or \(hex(idxColourImagesMagic)) (N x H x W x C)"
      }
      return "\(path) is not an IDX label file: magic \(hex(found)), expected \(hex(expected))"
    case .badDimensions(let path, let detail):
      return "\(path) has a bad IDX header: \(detail)"
    case .labelOutOfRange(let path, let index, let label, let classCount):
      return "\(path): label \(label) of item \(index) is out of range 0...\(classCount - 1)"
    case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
      return "\(imagesPath) holds \(imageCount) images but \(labelsPath) holds \(labelCount) labels"
    case .shapeMismatch(let path, let rows, let cols, let expectedRows, let expectedCols):
      return
        "\(path) holds \(rows)x\(cols) images, expected \(expectedRows)x\(expectedCols) like the training set"
    case .channelMismatch(let path, let channels, let expected):
      return "\(path) holds images of \(channels) channel(s), expected \(expected) like the training set"
    case .dataNotFound(let name, let searched):
      return "data set '\(name)' not found; looked in: \(searched.joined(separator: ", "))"
        + " (use --data DIR or set BNN_DATA_DIR)"
    }
  }
}

/// `0x%08x` formatting without Foundation's `String(format:)`.
func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
