import BinaryNet
import BinaryNetFiles

/// Reading and writing image files: PNG through libpng, JPEG through libjpeg-turbo,
/// PGM/PPM (Netpbm) parsed here. Sizes come from headers and are checked against
/// `ImageSizeLimits` before any pixel buffer is allocated. Every error is one line that
/// starts with the file's name.
public enum ImageFile {
  /// Decodes the file at `path`, its format found from its first bytes (not its name).
  /// Grey files give 1 channel, colour files 3; alpha is flattened onto white; 16-bit
  /// samples are reduced to 8 bits; palette images are expanded. Files over
  /// `ImageSizeLimits.maximumFileBytes` are refused before they are read.
  ///
  /// Strict where pixels would be wrong (bad CRC or checksum, cut data, a truncated JPEG
  /// scan, a sample above a Netpbm maxval), lenient where they are all there: a PNG
  /// without IEND, a JPEG without EOI, bytes after a Netpbm raster.
  public static func read(path: String) throws(ImageFileError) -> PixelImage {
    let bytes: [UInt8]
    do {
      bytes = try readFile(path, maxBytes: ImageSizeLimits.maximumFileBytes)
    } catch {
      throw ImageFileError(error.description)
    }
    return try decode(bytes, name: path)
  }

  /// Decodes an image file held in memory; `name` appears in error messages.
  public static func decode(_ bytes: [UInt8], name: String) throws(ImageFileError) -> PixelImage {
    guard !bytes.isEmpty else { throw ImageFileError(name + ": empty file, not an image") }
    guard let format = ImageFileFormat(magicOf: bytes) else {
      throw ImageFileError(name + ": not a PNG, JPEG, PGM or PPM image")
    }
    do {
      switch format {
      case .png: return try PNGCodec.decode(bytes)
      case .jpeg: return try JPEGCodec.decode(bytes)
      case .pgm, .ppm: return try NetpbmCodec.decode(bytes)
      }
    } catch {
      throw ImageFileError(name + ": " + error.reason)
    }
  }

  /// The bytes of `image` as a `format` file: PNG 8-bit grey or RGB; JPEG baseline with
  /// `quality` 1...100; PGM (P5) always grey, PPM (P6) always colour, maxval 255 (an image
  /// with the other channel count is converted by `PixelImage.converted(toChannels:)`).
  /// `name` appears in error messages.
  public static func encode(
    _ image: PixelImage, format: ImageFileFormat, quality: Int = 90, name: String
  ) throws(ImageFileError) -> [UInt8] {
    guard image.width >= 1, image.height >= 1 else {
      throw ImageFileError(name + ": cannot write an image of \(image.width)x\(image.height) pixels")
    }
    do throws(ImageCodecFailure) {
      switch format {
      case .png:
        return try PNGCodec.encode(image)
      case .jpeg:
        guard (1...100).contains(quality) else {
          throw ImageCodecFailure("JPEG quality \(quality) is outside 1...100")
        }
        guard image.width <= 65500, image.height <= 65500 else {
          throw ImageCodecFailure("JPEG images have at most 65500 pixels on a side")
        }
        return try JPEGCodec.encode(image, quality: quality)
      case .pgm:
        return NetpbmCodec.encode(image.converted(toChannels: 1))
      case .ppm:
        return NetpbmCodec.encode(image.converted(toChannels: 3))
      }
    } catch {
      throw ImageFileError(name + ": " + error.reason)
    }
  }

  /// Writes `image` atomically to `path` as `format` (`quality` 1...100 for JPEG): encoded
  /// first, then written to a temporary file renamed over `path`, which keeps its old
  /// content when anything fails.
  public static func write(
    _ image: PixelImage, toFile path: String, format: ImageFileFormat, quality: Int = 90
  ) throws(ImageFileError) {
    let bytes = try encode(image, format: format, quality: quality, name: path)
    do {
      try AtomicFileWriter.write(bytes, to: path)
    } catch {
      throw ImageFileError(path + ": cannot write: " + error.reason)
    }
  }
}
