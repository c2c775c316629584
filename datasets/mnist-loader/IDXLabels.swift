/// Class labels as stored in an IDX file (`0x00000801`), one byte per item.
public struct IDXLabels: Sendable, Equatable {
  public var labels: [UInt8]

  public init(labels: [UInt8]) { self.labels = labels }

  public var count: Int { labels.count }
}

/// Loads an IDX label file, gzip'd or plain. The file must be exactly `8 + count` bytes
/// (decompressed), with magic `0x00000801`. With `classCount`, every label must be in
/// `0..<classCount`.
public func loadIDXLabels(path: String, classCount: Int? = nil) throws(IDXError) -> IDXLabels {
  var reader = try GzipFileReader(path: path)
  let count = try readIDXHeader(&reader, magic: idxLabelsMagic, dimensionCount: 1)[0]
  try reader.checkPlainFileSize(expectedBytes: 8 + count)
  let labels = try reader.readExactly(count, headerBytes: 8)
  try reader.expectEnd(expectedBytes: 8 + count)
  if let classCount {
    try checkLabelRange(labels, classCount: classCount, path: path)
  }
  return IDXLabels(labels: labels)
}

/// Fails with `.labelOutOfRange` for the first label not in `0..<classCount`.
public func checkLabelRange(_ labels: [UInt8], classCount: Int, path: String) throws(IDXError) {
  if let index = labels.firstIndex(where: { Int($0) >= classCount }) {
    throw .labelOutOfRange(path: path, index: index, label: labels[index], classCount: classCount)
  }
}
