// SKELETON (interface agreed between helpers); the images helper implements it.
import BinaryNet

/// The image file formats BinaryNet reads and writes.
public enum ImageFileFormat: String, Sendable, CaseIterable {
  case png, jpeg, pgm, ppm

  /// The format a file name's extension names (`.png`, `.jpg`/`.jpeg`, `.pgm`, `.ppm`,
  /// case-insensitive), nil for anything else.
  public init?(pathExtensionOf path: String) {
    fatalError("not implemented yet")
  }
}

/// A file that could not be read or written as an image: one line naming the file.
public struct ImageFileError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Reading and writing image files: PNG through libpng, JPEG through libjpeg-turbo,
/// PGM/PPM (Netpbm) parsed here. Sizes come from headers and are checked before any
/// pixel buffer is allocated.
public enum ImageFile {
  /// Decodes the file at `path`, its format found from its first bytes (not its name).
  /// Grey files give 1 channel, colour files 3; alpha is flattened onto white; 16-bit
  /// samples are reduced to 8 bits; palette images are expanded.
  public static func read(path: String) throws(ImageFileError) -> PixelImage {
    fatalError("not implemented yet")
  }

  /// Decodes an image file held in memory; `name` appears in error messages.
  public static func decode(_ bytes: [UInt8], name: String) throws(ImageFileError) -> PixelImage {
    fatalError("not implemented yet")
  }

  /// Writes `image` atomically to `path` as `format` (`quality` 1...100 for JPEG).
  public static func write(
    _ image: PixelImage, toFile path: String, format: ImageFileFormat, quality: Int = 90
  ) throws(ImageFileError) {
    fatalError("not implemented yet")
  }
}
