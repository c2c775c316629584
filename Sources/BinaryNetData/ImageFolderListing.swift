import BinaryNetImages
import Foundation

/// The files of an image-folder data set: `PATH/train/<class>/*` and, when present,
/// `PATH/test/<class>/*`.
///
/// Rules: the classes are the folders in `train/`, sorted in byte order (their names are
/// the class names, 256 at most); every folder in `test/` must be one of them; a class
/// folder with no image file is an error. Image files are `.png`, `.jpg`, `.jpeg`,
/// `.pgm`, `.ppm` (any case), sorted by name in byte order within a class; names starting
/// with `.` are skipped; anything else is ignored and counted (`ignoredCount`).
struct ImageFolderListing {
  /// An image file and the class it belongs to.
  struct LabeledFile {
    var path: String
    var label: UInt8
  }

  static let maximumClassCount = 256

  var classNames: [String]
  var train: [LabeledFile]
  /// Nil when there is no `test/` folder.
  var test: [LabeledFile]?
  var ignoredCount = 0

  /// Whether `path` has a `train/` folder (what makes it an image folder).
  static func isImageFolder(_ path: String) -> Bool {
    PathKind(path: (path as NSString).appendingPathComponent("train")) == .directory
  }

  init(path: String) throws(DataSetError) {
    let trainPath = (path as NSString).appendingPathComponent("train")
    let trainEntries = try Self.visibleEntries(of: trainPath)
    let classFolders = trainEntries.filter { PathKind(path: $0.path) == .directory }
    ignoredCount += trainEntries.count - classFolders.count
    if classFolders.isEmpty {
      throw DataSetError("\(trainPath): no class folders (expected train/<class>/ holding image files)")
    }
    if classFolders.count > Self.maximumClassCount {
      throw DataSetError(
        "\(trainPath): \(classFolders.count) class folders; at most \(Self.maximumClassCount) classes are supported")
    }
    classNames = classFolders.map(\.name)
    train = []
    for (label, folder) in classFolders.enumerated() {
      train += try files(inClassFolder: folder.path, label: UInt8(label))
    }
    let testPath = (path as NSString).appendingPathComponent("test")
    switch PathKind(path: testPath) {
    case .missing:
      test = nil
    case .file:
      throw DataSetError("\(testPath): not a folder (expected test/<class>/ holding image files)")
    case .directory:
      var testFiles: [LabeledFile] = []
      let testEntries = try Self.visibleEntries(of: testPath)
      for entry in testEntries {
        guard PathKind(path: entry.path) == .directory else {
          ignoredCount += 1
          continue
        }
        guard let label = classNames.firstIndex(of: entry.name) else {
          throw DataSetError(
            "\(entry.path): test class folder '\(entry.name)' is not a class of train/ "
              + "(\(classNames.joined(separator: ", ")))")
        }
        testFiles += try files(inClassFolder: entry.path, label: UInt8(label))
      }
      if testFiles.isEmpty { throw DataSetError("\(testPath): no class folders holding image files") }
      test = testFiles  // folders in byte order, as the classes: labels ascend
    }
  }

  /// The image files of one class folder, sorted by name; counts what it ignores.
  private mutating func files(inClassFolder folder: String, label: UInt8) throws(DataSetError) -> [LabeledFile] {
    var files: [LabeledFile] = []
    for entry in try Self.visibleEntries(of: folder) {
      if Self.isImageFileName(entry.name) {
        files.append(LabeledFile(path: entry.path, label: label))
      } else {
        ignoredCount += 1
      }
    }
    if files.isEmpty {
      throw DataSetError(
        "\(folder): empty class folder (no .png, .jpg, .jpeg, .pgm or .ppm files); remove it or add images")
    }
    return files
  }

  /// Whether `name` ends in an image extension BinaryNetImages reads (`.png`, `.jpg`,
  /// `.jpeg`, `.pgm`, `.ppm`, any case).
  static func isImageFileName(_ name: String) -> Bool {
    ImageFileFormat(pathExtensionOf: name) != nil
  }

  /// The entries of `folder` not starting with `.`, sorted by name in byte order.
  private static func visibleEntries(of folder: String) throws(DataSetError) -> [(name: String, path: String)] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: folder)
    } catch {
      let reason = (error as NSError).localizedFailureReason ?? "\(error.localizedDescription)"
      throw DataSetError("\(folder): cannot list the folder: \(reason)")
    }
    return
      names
      .filter { !$0.hasPrefix(".") }
      .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      .map { ($0, (folder as NSString).appendingPathComponent($0)) }
  }
}
