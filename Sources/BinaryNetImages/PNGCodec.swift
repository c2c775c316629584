import BinaryNet
import CImageCodecs

/// PNG through libpng (the C wrapper in CImageCodecs): the header is read and its size
/// checked against `ImageSizeLimits` before the pixel buffer is allocated.
enum PNGCodec {
  static func decode(_ bytes: [UInt8]) throws(ImageCodecFailure) -> PixelImage {
    let result: Result<PixelImage, ImageCodecFailure> = bytes.withUnsafeBufferPointer { buffer in
      guard let decoder = bnn_png_decoder_create(buffer.baseAddress, buffer.count) else {
        return .failure(ImageCodecFailure("out of memory"))
      }
      defer { bnn_png_decoder_destroy(decoder) }
      let message = { String(cString: bnn_png_decoder_message(decoder)) }
      var header = bnn_image_header()
      guard bnn_png_read_header(decoder, &header) == BNN_CODEC_OK else {
        return .failure(ImageCodecFailure("invalid PNG file: " + message()))
      }
      return CodecSupport.decodePixels(header: header, format: "PNG", message: message) { pixels, capacity in
        bnn_png_decode(decoder, pixels, capacity)
      }
    }
    return try result.get()
  }

  static func encode(_ image: PixelImage) throws(ImageCodecFailure) -> [UInt8] {
    try CodecSupport.encode(image, format: "PNG") { pixels, out in
      bnn_png_encode(pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels), out)
    }
  }
}

/// JPEG through libjpeg-turbo (the C wrapper in CImageCodecs), as for PNG.
enum JPEGCodec {
  static func decode(_ bytes: [UInt8]) throws(ImageCodecFailure) -> PixelImage {
    let result: Result<PixelImage, ImageCodecFailure> = bytes.withUnsafeBufferPointer { buffer in
      guard let decoder = bnn_jpeg_decoder_create(buffer.baseAddress, buffer.count) else {
        return .failure(ImageCodecFailure("out of memory"))
      }
      defer { bnn_jpeg_decoder_destroy(decoder) }
      let message = { String(cString: bnn_jpeg_decoder_message(decoder)) }
      var header = bnn_image_header()
      let status = bnn_jpeg_read_header(decoder, &header)
      guard status == BNN_CODEC_OK else {
        let what = status == BNN_CODEC_UNSUPPORTED ? "unsupported JPEG file: " : "invalid JPEG file: "
        return .failure(ImageCodecFailure(what + message()))
      }
      return CodecSupport.decodePixels(header: header, format: "JPEG", message: message) { pixels, capacity in
        bnn_jpeg_decode(decoder, pixels, capacity)
      }
    }
    return try result.get()
  }

  /// `quality` 1...100 (checked by the caller).
  static func encode(_ image: PixelImage, quality: Int) throws(ImageCodecFailure) -> [UInt8] {
    try CodecSupport.encode(image, format: "JPEG") { pixels, out in
      bnn_jpeg_encode(
        pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels), Int32(quality), out)
    }
  }
}

/// What the PNG and JPEG wrappers share: the size check between header and pixels, and
/// taking the encoded bytes out of C.
enum CodecSupport {
  /// Checks the header's size, allocates the pixels and lets `decode` fill them.
  static func decodePixels(
    header: bnn_image_header, format: String, message: () -> String,
    decode: (UnsafeMutablePointer<UInt8>, Int) -> bnn_codec_status
  ) -> Result<PixelImage, ImageCodecFailure> {
    let width = Int(header.width)
    let height = Int(header.height)
    let channels = Int(header.channels)
    do {
      try ImageSizeLimits.check(width: width, height: height)
    } catch {
      return .failure(error)
    }
    guard channels == 1 || channels == 3 else {
      return .failure(ImageCodecFailure("\(format) decoder gave \(channels) channels"))
    }
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    let status = pixels.withUnsafeMutableBufferPointer { decode($0.baseAddress!, $0.count) }
    guard status == BNN_CODEC_OK else {
      return .failure(ImageCodecFailure("invalid \(format) file: " + message()))
    }
    return .success(PixelImage(width: width, height: height, channels: channels, pixels: pixels))
  }

  /// Runs a C encoder over the image's pixels and copies its output.
  static func encode(
    _ image: PixelImage, format: String,
    encoder: (UnsafePointer<UInt8>, UnsafeMutablePointer<bnn_encoded_image>) -> bnn_codec_status
  ) throws(ImageCodecFailure) -> [UInt8] {
    var out = bnn_encoded_image()
    defer { bnn_encoded_image_free(&out) }
    let status = image.pixels.withUnsafeBufferPointer { encoder($0.baseAddress!, &out) }
    guard status == BNN_CODEC_OK, let data = out.data else {
      let reason = withUnsafeBytes(of: out.message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      throw ImageCodecFailure("cannot encode as \(format): " + reason)
    }
    return Array(UnsafeBufferPointer(start: data, count: out.size))
  }
}
