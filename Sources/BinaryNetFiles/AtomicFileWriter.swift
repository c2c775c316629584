// Atomic file writes with the C library (no Foundation), where there is a file system.
#if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Musl)
    import Musl
  #else
    import Darwin
  #endif

  /// Writes a file so that readers only ever see the old complete file or the new complete
  /// file: the bytes go to a temporary file in the same folder, which is flushed to disk
  /// (`fsync`) and then renamed over the destination (`rename` is atomic on POSIX).
  public struct AtomicFileWriter: ~Copyable {
    public let path: String
    let temporaryPath: String
    private var descriptor: Int32

    /// Creates the temporary file `path.tmp-<pid>` beside `path`.
    public init(path: String) throws(FileWriteError) {
      self.path = path
      temporaryPath = path + ".tmp-" + String(getpid())
      descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
      if descriptor < 0 { throw .cannotWrite(path: path, reason: Self.systemError()) }
    }

    /// Appends raw bytes.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
      var offset = 0
      while offset < bytes.count {
        let written = posixWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          let reason = Self.systemError()
          abandon()
          throw .cannotWrite(path: path, reason: reason)
        }
        offset += written
      }
    }

    public mutating func write(_ bytes: [UInt8]) throws(FileWriteError) {
      let failure: FileWriteError? = bytes.withUnsafeBytes { buffer in
        do throws(FileWriteError) {
          try write(buffer)
          return nil
        } catch {
          return error
        }
      }
      if let failure { throw failure }
    }

    /// Flushes, closes and renames the temporary file over `path`.
    public consuming func commit() throws(FileWriteError) {
      if fsync(descriptor) != 0 || close(descriptor) != 0 {
        let reason = Self.systemError()
        unlink(temporaryPath)
        descriptor = -1
        throw .cannotWrite(path: path, reason: reason)
      }
      descriptor = -1
      if rename(temporaryPath, path) != 0 {
        let reason = Self.systemError()
        unlink(temporaryPath)
        throw .cannotWrite(path: path, reason: reason)
      }
    }

    /// Closes and deletes the temporary file; the destination is untouched.
    public mutating func abandon() {
      if descriptor >= 0 {
        close(descriptor)
        unlink(temporaryPath)
        descriptor = -1
      }
    }

    deinit {
      if descriptor >= 0 {
        close(descriptor)
        unlink(temporaryPath)
      }
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
      var writer = try AtomicFileWriter(path: path)
      try writer.write(bytes)
      try writer.commit()
    }

    /// Checks, without leaving anything behind, that a file can be created beside `path`
    /// and that `path` is not a folder.
    public static func checkWritable(_ path: String) throws(FileWriteError) {
      var info = stat()
      if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
        throw .cannotWrite(path: path, reason: "it is a directory")
      }
      var writer = try AtomicFileWriter(path: path)
      writer.abandon()
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
  }

  /// A file could not be written; the destination keeps its previous content.
  public enum FileWriteError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)

    public var description: String {
      switch self {
      case .cannotWrite(let path, let reason): return "cannot write " + path + ": " + reason
      }
    }

    /// Why the write failed, without the path.
    public var reason: String {
      switch self {
      case .cannotWrite(_, let reason): return reason
      }
    }
  }

  /// `write(2)`, named apart from the writer's own `write` methods.
  @inline(__always)
  private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
  }
#endif
