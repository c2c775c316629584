import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

/// `readWholeFile`, `Model(contentsOfFile:)` and the reader under them: bounded, checked
/// before reading, clear messages that name the file.
@Suite struct BoundedReadingTests {
  final class Folder {
    let path = NSTemporaryDirectory() + "bnn-files-" + UUID().uuidString
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
  }

  /// A sparse file of `size` bytes starting with `head` (no disk space used).
  static func sparseFile(_ path: String, size: Int, head: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    defer { close(fd) }
    _ = head.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    #expect(ftruncate(fd, off_t(size)) == 0)
  }

  @Test func directoryIsRefusedByName() throws {
    let folder = try Folder()
    #expect(throws: ModelError.io(folder.path + ": cannot read: is a directory")) {
      try Model(contentsOfFile: folder.path)
    }
    #expect(throws: ModelError.io(folder.path + ": cannot read: is a directory")) {
      try readWholeFile(folder.path)
    }
  }

  @Test func deviceOfUnknownSizeIsReadOnlyUpToTheLimit() throws {
    #expect(throws: ModelError.io("/dev/zero: cannot read: larger than 1048576 bytes")) {
      try readWholeFile("/dev/zero", maxBytes: 1 << 20)
    }
    // Model files: /dev/zero is refused on its first 8 bytes.
    #expect(throws: ModelError.io("/dev/zero: not a BinaryNet model file (bad magic number)")) {
      try Model(contentsOfFile: "/dev/zero")
    }
  }

  @Test func regularFileOverTheLimitIsRefusedBeforeReading() throws {
    let folder = try Folder()
    let path = folder.file("huge.bnn")
    try Self.sparseFile(path, size: maximumModelFileBytes + 1, head: ModelFormat.magic)
    let start = Date()
    #expect(throws: ModelError.io(path + ": cannot read: larger than \(maximumModelFileBytes) bytes")) {
      try Model(contentsOfFile: path)
    }
    #expect(throws: ModelError.io(path + ": cannot read: larger than 4096 bytes")) {
      try readWholeFile(path, maxBytes: 4096)
    }
    #expect(Date().timeIntervalSince(start) < 5)
  }

  @Test func badMagicIsRefusedBeforeTheRestIsRead() throws {
    let folder = try Folder()
    let path = folder.file("big.bin")
    try Self.sparseFile(path, size: 512 << 20, head: Array("NOTAMODEL".utf8))
    let start = Date()
    #expect(throws: ModelError.io(path + ": not a BinaryNet model file (bad magic number)")) {
      try Model(contentsOfFile: path)
    }
    #expect(Date().timeIntervalSince(start) < 5)
  }

  @Test func shortFilesAndExactLimitStillWork() throws {
    let folder = try Folder()
    let path = folder.file("short.bnn")
    try Data([0x42, 0x4E]).write(to: URL(fileURLWithPath: path))
    #expect(throws: ModelError.self) { try Model(contentsOfFile: path) }
    let bytes = try smallModelBytes()
    let good = folder.file("good.bnn")
    try Data(bytes).write(to: URL(fileURLWithPath: good))
    #expect(try readWholeFile(good, maxBytes: bytes.count) == bytes)
    #expect(throws: ModelError.io(good + ": cannot read: larger than \(bytes.count - 1) bytes")) {
      try readWholeFile(good, maxBytes: bytes.count - 1)
    }
    #expect(try Model(contentsOfFile: good).serialized == bytes)
  }

  @Test func nonUTF8NameThatExistsIsOpened() throws {
    let folder = try Folder()
    // "m\xff.bnn": Swift sees it as "m\u{FFFD}.bnn" (CommandLine.arguments repairs it too).
    let raw = Array((folder.path + "/m").utf8) + [0xFF] + Array(".bnn".utf8) + [0]
    let bytes = try smallModelBytes()
    let fd = raw.map { CChar(bitPattern: $0) }.withUnsafeBufferPointer {
      open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    }
    #expect(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    let repaired = folder.path + "/m\u{FFFD}.bnn"
    #expect(try readWholeFile(repaired) == bytes)
    #expect(try Model(contentsOfFile: repaired).serialized == bytes)
    let missing = folder.path + "/x\u{FFFD}.bnn"
    #expect(
      throws: ModelError.io(missing + ": cannot open: No such file or directory (or its name is not valid UTF-8)")
    ) {
      try readWholeFile(missing)
    }
  }
}
