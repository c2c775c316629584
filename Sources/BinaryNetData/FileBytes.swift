import BinaryNetFiles

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads with a size limit, through BinaryNetFiles' bounded reader (the size is
/// checked before the buffer is allocated), its errors as `DataSetError`s.
enum FileBytes {
  /// The contents of the file at `path`; a file over `maximumBytes` is refused.
  static func read(path: String, maximumBytes: Int) throws(DataSetError) -> [UInt8] {
    do {
      return try readFile(path, maxBytes: maximumBytes)
    } catch {
      throw DataSetError(error.description)
    }
  }
}

/// What is at a path: nothing, a folder, or something else (a file).
enum PathKind {
  case missing, directory, file

  init(path: String) {
    var info = stat()
    if stat(path, &info) != 0 {
      self = .missing
    } else {
      self = (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
    }
  }
}
