import BinaryNet
import BinaryNetData
import BinaryNetImages
import Foundation

/// A tiny image format of the tests' own, so image folders load before (and without)
/// the real decoders: bytes `width, height, channels`, then the HWC pixels.
enum TestImageFiles {
  static func bytes(width: Int, height: Int, channels: Int = 1, value: (Int) -> UInt8) -> [UInt8] {
    [UInt8(width), UInt8(height), UInt8(channels)] + (0..<(width * height * channels)).map(value)
  }

  static func bytes(width: Int, height: Int, channels: Int = 1, fill: UInt8) -> [UInt8] {
    bytes(width: width, height: height, channels: channels) { _ in fill }
  }

  /// Decodes the test format; anything else fails naming the file, as `ImageFile.read` does.
  static let decode: ImageDecoder = { path throws(ImageFileError) in
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ImageFileError("\(path): cannot open")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 3 else { throw ImageFileError("\(path): not a test image") }
    let (width, height, channels) = (Int(bytes[0]), Int(bytes[1]), Int(bytes[2]))
    guard channels == 1 || channels == 3, bytes.count == 3 + width * height * channels else {
      throw ImageFileError("\(path): not a test image")
    }
    return PixelImage(width: width, height: height, channels: channels, pixels: Array(bytes[3...]))
  }
}
