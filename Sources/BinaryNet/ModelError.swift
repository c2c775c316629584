/// Why a model could not be built, read or written.
///
/// Every case carries enough to print a one-line message (`description`) that tells a
/// user what is wrong; no case is ever a crash. Thrown with typed throws so the core
/// stays usable from Embedded Swift.
public enum ModelError: Error, Equatable, CustomStringConvertible {
  /// The bytes end before the structure they announce does.
  case truncated(expected: Int, actual: Int)
  /// The first 8 bytes are not the BinaryNet magic.
  case badMagic
  /// Written by a newer BinaryNet than this one.
  case unsupportedVersion(found: UInt32, supported: UInt32)
  /// The stored CRC-32 does not match the content.
  case checksumMismatch(stored: UInt32, computed: UInt32)
  /// The file is structurally invalid; the text says where.
  case corrupt(String)
  /// Shapes or counts that do not fit together (for example layers that do not chain).
  case inconsistent(String)
  /// The caller passed something unusable (for example an image of the wrong size).
  case invalidArgument(String)
  /// A file could not be opened, read or written.
  case io(String)

  public var description: String {
    switch self {
    case .truncated(let expected, let actual):
      return "model file is truncated: expected " + String(expected) + " bytes, found "
        + String(actual)
    case .badMagic:
      return "not a BinaryNet model file (bad magic number)"
    case .unsupportedVersion(let found, let supported):
      return "model file version " + String(found) + " is newer than this BinaryNet supports ("
        + String(supported) + "); upgrade BinaryNet"
    case .checksumMismatch(let stored, let computed):
      return "model file is corrupted: CRC-32 mismatch (stored 0x" + hex32(stored)
        + ", computed 0x" + hex32(computed) + ")"
    case .corrupt(let what): return "model file is corrupted: " + what
    case .inconsistent(let what): return "model is inconsistent: " + what
    case .invalidArgument(let what): return what
    case .io(let what): return what
    }
  }
}

/// `value` as 8 lowercase hex digits (no Character/Unicode tables: Embedded-friendly).
func hex32(_ value: UInt32) -> String {
  var ascii: [UInt8] = []
  var shift = 28
  while shift >= 0 {
    let nibble = UInt8((value >> UInt32(shift)) & 0xF)
    ascii.append(nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10)
    shift -= 4
  }
  return String(decoding: ascii, as: UTF8.self)
}
