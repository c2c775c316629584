// Reading and writing model files with the C library (no Foundation), where there is
// a file system. Reads are bounded; writes are atomic: a temporary file in the same
// folder, fsync, rename.
#if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
  import BinaryNet

  /// The largest model file `Model(contentsOfFile:)` reads (1 GiB). The biggest model the
  /// format allows in practice is far smaller; the limit stops a wrong path (a disk image,
  /// `/dev/zero`) from being read into memory.
  public let maximumModelFileBytes = 1 << 30

  extension Model {
    /// Loads a model file. Errors name the path and say what is wrong. The 8-byte magic
    /// number is checked before the rest of the file is read, and files larger than
    /// `maximumModelFileBytes` are refused before reading.
    public convenience init(contentsOfFile path: String, kernelPath: KernelPath? = nil) throws(ModelError) {
      let bytes = try readModelFileBytes(path)
      if bytes.count >= ModelFormat.magic.count && !bytes.starts(with: ModelFormat.magic) {
        throw ModelError.badMagic.prefixed(path)
      }
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

  /// The bytes of model file `path`: refused when larger than `maximumModelFileBytes`
  /// (before reading) or when its first 8 bytes are not the magic (before reading more).
  private func readModelFileBytes(_ path: String) throws(ModelError) -> [UInt8] {
    let magic = ModelFormat.magic
    do throws(FileReadError) {
      var reader = try BoundedFileReader(path: path)
      if let size = reader.size, size > maximumModelFileBytes {
        throw .tooLarge(path: path, limit: maximumModelFileBytes)
      }
      let head = try reader.read(upTo: magic.count)
      if head != magic { return head }  // too short or not a model: nothing more to read
      return try head + reader.readRest(maxBytes: maximumModelFileBytes)
    } catch {
      throw .io(error.description)
    }
  }

  /// Reads a whole file into memory, refusing directories and files larger than
  /// `maxBytes` (before reading when the size is known, else once the limit is passed).
  public func readWholeFile(_ path: String, maxBytes: Int = maximumModelFileBytes) throws(ModelError) -> [UInt8] {
    do throws(FileReadError) {
      return try readFile(path, maxBytes: maxBytes)
    } catch {
      throw .io(error.description)
    }
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
