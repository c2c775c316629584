#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file in /dev/shm (else /tmp) that each input overwrites, for readers that take a path.
public struct ScratchFile: Sendable {
  public let path: String

  public init(_ name: String) {
    var info = stat()
    let folder = stat("/dev/shm", &info) == 0 ? "/dev/shm" : "/tmp"
    path = folder + "/bnn-fuzz-" + String(getpid()) + "-" + name
  }

  /// Replaces the file's content with `size` bytes at `data`.
  public func write(_ data: UnsafePointer<UInt8>?, _ size: Int) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create " + path)
    var offset = 0
    while offset < size, let data {
      let n = Glibc.write(fd, data + offset, size - offset)
      precondition(n > 0)
      offset += n
    }
    close(fd)
  }
}
