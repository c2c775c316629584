// Reading and writing model files with the C library (no Foundation), where there is
// a file system. Writes are atomic: a temporary file in the same folder, fsync, rename.
#if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Musl)
    import Musl
  #else
    import Darwin
  #endif

  extension Model {
    /// Loads a model file. Errors name the path and say what is wrong.
    public convenience init(contentsOfFile path: String, kernelPath: KernelPath? = nil) throws(ModelError) {
      let bytes = try readWholeFile(path)
      do throws(ModelError) {
        try self.init(bytes: bytes, kernelPath: kernelPath)
      } catch {
        throw error.prefixed(path)
      }
    }

    /// Writes the model file atomically: an existing file at `path` is replaced whole or
    /// left untouched, never half-written.
    public func write(toFile path: String) throws(ModelError) {
      try writeFileAtomically(path, bytes: serialized)
    }
  }

  extension ModelError {
    /// The same error, its message starting with `path: `.
    func prefixed(_ path: String) -> ModelError {
      switch self {
      case .io, .invalidArgument: return self
      default: return .io(path + ": " + description)
      }
    }
  }

  private func errnoText() -> String {
    guard let text = strerror(errno) else { return "error " + String(errno) }
    return String(cString: text)
  }

  /// Reads a whole file into memory.
  public func readWholeFile(_ path: String) throws(ModelError) -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw .io(path + ": cannot open: " + errnoText()) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
      if n < chunk.count {
        if ferror(file) != 0 { throw .io(path + ": read error: " + errnoText()) }
        break
      }
    }
    return bytes
  }

  /// Writes `bytes` to `path` atomically (temporary file beside it, fsync, rename).
  public func writeFileAtomically(_ path: String, bytes: [UInt8]) throws(ModelError) {
    do {
      try AtomicFileWriter.write(bytes, to: path)
    } catch {
      throw .io(error.description)
    }
  }
#endif
