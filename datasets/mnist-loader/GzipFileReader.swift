import CZlib

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a whole file through zlib, which decompresses gzip transparently and passes
/// any other file through unchanged (so `.gz` and plain IDX files read the same way).
struct GzipFileReader: ~Copyable {
  let path: String
  private let file: gzFile

  /// Opens `path` for reading; throws `.cannotOpen` with the system's reason.
  init(path: String) throws(IDXError) {
    self.path = path
    var info = stat()
    if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
      throw .cannotOpen(path: path, reason: "is a directory")
    }
    errno = 0
    guard let handle = gzopen(path, "rb") else {
      let reason = errno != 0 ? String(cString: strerror(errno)) : "zlib could not open it"
      throw .cannotOpen(path: path, reason: reason)
    }
    gzbuffer(handle, 1 << 17)
    file = handle
  }

  deinit { gzclose(file) }

  /// Reads up to `count` bytes; fewer only at the end of the data. Memory grows with what
  /// is really read (doubling from 64 KiB), never to `count` up front, so a header that
  /// announces gigabytes costs nothing when the data is not there; inflating stops at `count`.
  mutating func read(upTo count: Int) throws(IDXError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: min(count, 1 << 16))
    var filled = 0
    while filled < count {
      if filled == bytes.count {
        bytes = grown(bytes, to: min(count, bytes.count * 2))
      }
      let chunk = Int32(min(bytes.count - filled, 1 << 24))
      let got = bytes.withUnsafeMutableBytes {
        gzread(file, $0.baseAddress! + filled, UInt32(chunk))
      }
      if got < 0 { throw .readFailed(path: path, reason: zlibErrorMessage()) }
      if got == 0 { break }
      filled += Int(got)
    }
    // A gzip stream that ends early is not an error for gzread; zlib reports it here.
    var code: Int32 = 0
    _ = gzerror(file, &code)
    if code != Z_OK && code != Z_BUF_ERROR {
      throw .readFailed(path: path, reason: zlibErrorMessage())
    }
    if code == Z_BUF_ERROR && filled < count {
      throw .readFailed(
        path: path, reason: "the gzip stream ends unexpectedly (truncated .gz file)")
    }
    bytes.removeLast(bytes.count - filled)
    return bytes
  }

  /// Reads exactly `count` bytes that the header announced, failing with `.truncated`
  /// (reporting `announced` total bytes against what exists) if the data ends early.
  mutating func readExactly(_ count: Int, headerBytes: Int) throws(IDXError) -> [UInt8] {
    let bytes = try read(upTo: count)
    if bytes.count < count {
      throw .truncated(
        path: path, expectedBytes: headerBytes + count, actualBytes: headerBytes + bytes.count)
    }
    return bytes
  }

  /// Fails with `.trailingData` if anything follows the announced `expectedBytes`.
  mutating func expectEnd(expectedBytes: Int) throws(IDXError) {
    if try !read(upTo: 1).isEmpty { throw .trailingData(path: path, expectedBytes: expectedBytes) }
  }

  /// The size of the file on disk when it is not compressed (zlib passes it through);
  /// nil for a gzip stream, whose decompressed size is only known by inflating it.
  func plainFileSize() -> Int? {
    guard gzdirect(file) != 0 else { return nil }
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }

  /// Fails before anything is allocated when a plain (not gzip'd) file is not exactly
  /// `expectedBytes` long.
  func checkPlainFileSize(expectedBytes: Int) throws(IDXError) {
    guard let size = plainFileSize() else { return }
    if size < expectedBytes { throw .truncated(path: path, expectedBytes: expectedBytes, actualBytes: size) }
    if size > expectedBytes { throw .trailingData(path: path, expectedBytes: expectedBytes) }
  }

  /// `bytes` with zeros appended up to `count`, by one allocation and `memcpy`/`memset`
  /// (appending a repeated element goes byte by byte in a debug build: seconds for MNIST).
  private func grown(_ bytes: [UInt8], to count: Int) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBufferPointer { old in
        if let source = old.baseAddress { memcpy(buffer.baseAddress!, source, old.count) }
      }
      memset(buffer.baseAddress! + bytes.count, 0, count - bytes.count)
      initialized = count
    }
  }

  private func zlibErrorMessage() -> String {
    var code: Int32 = 0
    guard let message = gzerror(file, &code) else { return "zlib error \(code)" }
    let text = String(cString: message)
    return text.isEmpty ? "zlib error \(code)" : text
  }
}
