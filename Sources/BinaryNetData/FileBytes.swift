#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads with a size limit: the file's size on disk is checked against
/// `maximumBytes` before the buffer is allocated, and the buffer is never larger than it.
enum FileBytes {
  /// The contents of the regular file at `path`; a file over `maximumBytes` is refused.
  static func read(path: String, maximumBytes: Int) throws(DataSetError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    if descriptor < 0 { throw DataSetError("\(path): cannot open: \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    var info = stat()
    if fstat(descriptor, &info) != 0 {
      throw DataSetError("\(path): cannot read: \(String(cString: strerror(errno)))")
    }
    if (info.st_mode & S_IFMT) != S_IFREG { throw DataSetError("\(path): not a regular file") }
    let size = Int(info.st_size)
    if size > maximumBytes {
      throw DataSetError("\(path): the file is \(size) bytes, more than the limit of \(maximumBytes)")
    }
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
      var filled = 0
      while filled < size {
        let got = readDescriptor(descriptor, buffer.baseAddress! + filled, size - filled)
        if got < 0 {
          if errno == EINTR { continue }
          failure = errno
          break
        }
        if got == 0 { break }
        filled += got
      }
      initialized = filled
    }
    if failure != 0 { throw DataSetError("\(path): cannot read: \(String(cString: strerror(failure)))") }
    if bytes.count != size {
      throw DataSetError("\(path): the file shrank while it was read (\(bytes.count) of \(size) bytes)")
    }
    return bytes
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

/// The C library's `read` (a name the enum's own `read` would otherwise hide).
private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  read(descriptor, buffer, count)
}
