import Foundation

extension DataSet {
  /// Largest `.npz` read: an archive without zip64 ends within 4 GiB plus its last entry.
  static let maximumArchiveBytes = 1 << 32 + 1 << 20
  /// Largest `.npy` file read (4 GiB of data and its header), like the IDX payload limit.
  static let maximumArrayFileBytes = 1 << 32 + NumPyArray.maximumHeaderBytes + 12

  /// A `.npz` archive (`numpy.savez` / `savez_compressed`): arrays `KEY.npy` inside.
  static func loadNPZ(path: String, options: DataSetOptions) throws(DataSetError) -> DataSet {
    let archive = try ZipArchive(bytes: FileBytes.read(path: path, maximumBytes: maximumArchiveBytes), path: path)
    let names = archive.entries.prefix(20).map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
    let keys = names.map(ZipArchive.displayName) + (archive.entries.count > 20 ? ["…"] : [])
    let reader = NumPyDataSetReader(
      path: path, name: ((path as NSString).lastPathComponent as NSString).deletingPathExtension, kind: .npz,
      array: { key throws(DataSetError) in
        guard let entry = archive.entry(named: key + ".npy") else { return nil }
        let location = ArrayLocation(file: path, key: key, sourcePrefix: "\(path):\(key)")
        return try NumPyArray(npyBytes: archive.contents(of: entry), location: location)
      },
      missing: { key in
        DataSetError(
          "\(path): no \(key) array in the archive (it holds: \(keys.isEmpty ? "nothing" : keys.joined(separator: ", ")));"
            + " expected x_train, y_train and optionally x_test, y_test, class_names")
      })
    return try reader.read(options: options)
  }

  /// A folder of `.npy` files: `x_train.npy`, `y_train.npy`, optionally `x_test.npy`,
  /// `y_test.npy` and `class_names.npy`.
  static func loadNPYFolder(path: String, options: DataSetOptions) throws(DataSetError) -> DataSet {
    let reader = NumPyDataSetReader(
      path: path, name: folderName(path), kind: .npy,
      array: { key throws(DataSetError) in
        let file = (path as NSString).appendingPathComponent(key + ".npy")
        if PathKind(path: file) == .missing { return nil }
        let location = ArrayLocation(file: file, key: key, sourcePrefix: file)
        return try NumPyArray(
          npyBytes: FileBytes.read(path: file, maximumBytes: maximumArrayFileBytes), location: location)
      },
      missing: { key in DataSetError("\(path): no \(key).npy in this folder of .npy files") })
    return try reader.read(options: options)
  }

  /// The last component of a folder path (`datasets/mnist/` gives `mnist`).
  static func folderName(_ path: String) -> String {
    let name = (path as NSString).standardizingPath
    let last = (name as NSString).lastPathComponent
    return last.isEmpty || last == "." ? (FileManager.default.currentDirectoryPath as NSString).lastPathComponent : last
  }
}
