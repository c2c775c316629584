// Bounded file reading with the C library (no Foundation): a reader never allocates more
// than the file really holds or than the caller's limit, whichever is smaller.
#if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Musl)
    import Musl
  #else
    import Darwin
  #endif

  /// A file could not be read. Every description names the file.
  public enum FileReadError: Error, Equatable, CustomStringConvertible {
    /// `open(2)` failed; `reason` is the system's text.
    case cannotOpen(path: String, reason: String)
    /// The path names a directory.
    case isDirectory(path: String)
    /// The file holds more than `limit` bytes (found before reading it when its size is known).
    case tooLarge(path: String, limit: Int)
    /// `read(2)` failed.
    case readFailed(path: String, reason: String)

    public var description: String {
      switch self {
      case .cannotOpen(let path, let reason): return path + ": cannot open: " + reason
      case .isDirectory(let path): return path + ": cannot read: is a directory"
      case .tooLarge(let path, let limit):
        return path + ": cannot read: larger than " + String(limit) + " bytes"
      case .readFailed(let path, let reason): return path + ": read error: " + reason
      }
    }

    /// What went wrong, without the path.
    public var reason: String {
      switch self {
      case .cannotOpen(_, let reason): return reason
      case .isDirectory: return "is a directory"
      case .tooLarge(_, let limit): return "larger than " + String(limit) + " bytes"
      case .readFailed(_, let reason): return "read error: " + reason
      }
    }
  }

  /// An open file read from the start, with its size when it is a regular file.
  ///
  /// `open` refuses directories; `read(upTo:)` allocates at most what the file holds (for a
  /// regular file) or what was actually read (for pipes and devices), never `count` blindly.
  public struct BoundedFileReader: ~Copyable {
    public let path: String
    private let descriptor: Int32
    /// The size of a regular file; nil for pipes, devices and other files of unknown size.
    public let size: Int?
    /// Bytes read so far.
    public private(set) var position = 0

    /// Opens `path` read-only. A name that is not valid UTF-8 reaches Swift with its bad
    /// bytes replaced by U+FFFD; such a path is matched against its folder's raw entries.
    public init(path: String) throws(FileReadError) {
      self.path = path
      var fd = open(path, O_RDONLY | O_CLOEXEC)
      if fd < 0 && errno == ENOENT && path.unicodeScalars.contains("\u{FFFD}") {
        fd = openRepairedName(path)
        if fd < 0 { errno = ENOENT }
      }
      if fd < 0 {
        if errno == ENOENT && path.unicodeScalars.contains("\u{FFFD}") {
          throw .cannotOpen(
            path: path, reason: "No such file or directory (or its name is not valid UTF-8)")
        }
        throw .cannotOpen(path: path, reason: systemErrorText())
      }
      var info = stat()
      if fstat(fd, &info) != 0 {
        let reason = systemErrorText()
        close(fd)
        throw .cannotOpen(path: path, reason: reason)
      }
      let kind = info.st_mode & S_IFMT
      if kind == S_IFDIR {
        close(fd)
        throw .isDirectory(path: path)
      }
      descriptor = fd
      size = kind == S_IFREG ? Int(info.st_size) : nil
    }

    deinit { close(descriptor) }

    /// Reads up to `count` more bytes; fewer only at the end of the file.
    public mutating func read(upTo count: Int) throws(FileReadError) -> [UInt8] {
      guard count > 0 else { return [] }
      var capacity = min(count, 1 << 16)
      if let size { capacity = min(count, max(0, size - position) + 1) }
      var bytes = [UInt8](repeating: 0, count: capacity)
      var filled = 0
      while filled < count {
        if filled == bytes.count {
          // The file holds more than its size said (or its size is unknown): grow by
          // doubling, so memory stays proportional to what was really read.
          let grown = min(count, max(bytes.count * 2, 1 << 16))
          bytes.append(contentsOf: repeatElement(0, count: grown - bytes.count))
        }
        let got = bytes.withUnsafeMutableBytes { buffer in
          systemRead(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
        }
        if got < 0 {
          if errno == EINTR { continue }
          throw .readFailed(path: path, reason: systemErrorText())
        }
        if got == 0 { break }
        filled += got
      }
      bytes.removeLast(bytes.count - filled)
      position += filled
      return bytes
    }

    /// Reads the rest of the file, refusing (`.tooLarge`) a file whose total size
    /// exceeds `maxBytes`: before reading when its size is known, else once the limit is passed.
    public mutating func readRest(maxBytes: Int) throws(FileReadError) -> [UInt8] {
      if let size, size > maxBytes { throw .tooLarge(path: path, limit: maxBytes) }
      let allowed = max(0, maxBytes - position)
      let bytes = try read(upTo: allowed == Int.max ? allowed : allowed + 1)
      if bytes.count > allowed { throw .tooLarge(path: path, limit: maxBytes) }
      return bytes
    }
  }

  /// Reads a whole file of at most `maxBytes` bytes.
  public func readFile(_ path: String, maxBytes: Int) throws(FileReadError) -> [UInt8] {
    var reader = try BoundedFileReader(path: path)
    return try reader.readRest(maxBytes: maxBytes)
  }

  func systemErrorText() -> String {
    let code = errno
    guard let text = strerror(code) else { return "error " + String(code) }
    return String(cString: text)
  }

  /// `read(2)`, named apart from the reader's own `read` method.
  @inline(__always)
  private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
  }

  /// Opens the entry of `path`'s folder whose name, decoded as UTF-8 with repair, equals
  /// `path`'s last component. Returns -1 when there is none or more than one.
  private func openRepairedName(_ path: String) -> Int32 {
    var folderBytes = Array(path.utf8)
    let slash = folderBytes.lastIndex(of: UInt8(ascii: "/"))
    let wanted = slash.map { String(decoding: folderBytes[($0 + 1)...], as: UTF8.self) } ?? path
    if let slash { folderBytes.removeSubrange((slash + 1)...) } else { folderBytes = Array("./".utf8) }
    let folder = String(decoding: folderBytes, as: UTF8.self)
    guard let directory = opendir(folder) else { return -1 }
    defer { closedir(directory) }
    var match: [UInt8]?
    var matches = 0
    while let entry = readdir(directory) {
      let raw: [UInt8] = withUnsafeBytes(of: &entry.pointee.d_name) { buffer in
        Array(buffer.prefix { $0 != 0 })
      }
      if String(decoding: raw, as: UTF8.self) == wanted {
        match = raw
        matches += 1
      }
    }
    guard matches == 1, let match else { return -1 }
    let full = (folderBytes + match + [0]).map { CChar(bitPattern: $0) }
    return full.withUnsafeBufferPointer { open($0.baseAddress!, O_RDONLY | O_CLOEXEC) }
  }
#endif
