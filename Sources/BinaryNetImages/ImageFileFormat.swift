/// The image file formats BinaryNet reads and writes.
public enum ImageFileFormat: String, Sendable, CaseIterable {
  case png, jpeg, pgm, ppm

  /// The format a file name's extension names (`.png`, `.jpg`/`.jpeg`, `.pgm`, `.ppm`,
  /// case-insensitive), nil for anything else. Only the last path component counts, and
  /// a name that starts with its only dot (`.png`) has no extension.
  public init?(pathExtensionOf path: String) {
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
    switch name[name.index(after: dot)...].lowercased() {
    case "png": self = .png
    case "jpg", "jpeg": self = .jpeg
    case "pgm": self = .pgm
    case "ppm": self = .ppm
    default: return nil
    }
  }

  /// The format of a file from its first bytes: the PNG signature `89 50 4E 47 0D 0A 1A 0A`,
  /// the JPEG start of image `FF D8 FF`, or a Netpbm magic `P2`/`P5` (PGM) or `P3`/`P6`
  /// (PPM) followed by whitespace or a `#` comment. nil for anything else.
  public init?(magicOf bytes: [UInt8]) {
    let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    if bytes.starts(with: pngSignature) {
      self = .png
    } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
      self = .jpeg
    } else if bytes.count >= 3, bytes[0] == UInt8(ascii: "P"),
      NetpbmSyntax.isSpace(bytes[2]) || bytes[2] == UInt8(ascii: "#")
    {
      switch bytes[1] {
      case UInt8(ascii: "2"), UInt8(ascii: "5"): self = .pgm
      case UInt8(ascii: "3"), UInt8(ascii: "6"): self = .ppm
      default: return nil
      }
    } else {
      return nil
    }
  }

  /// How error messages name the format.
  var displayName: String {
    switch self {
    case .png: return "PNG"
    case .jpeg: return "JPEG"
    case .pgm: return "PGM"
    case .ppm: return "PPM"
    }
  }
}
