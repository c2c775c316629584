import BinaryNet
import BinaryNetImages

/// `ImageFile.decode` over any bytes (PNG, JPEG, PGM, PPM): an error is fine, a crash is
/// not. A decoded image must have a valid shape within `ImageSizeLimits`; a small one is
/// also re-encoded (PNG and Netpbm must give the same pixels back) and resized both ways.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let image: PixelImage
  do throws(ImageFileError) {
    image = try ImageFile.decode(bytes, name: "fuzz")
  } catch {
    precondition(error.description.hasPrefix("fuzz: ") && !error.description.contains("\n"))
    return 0
  }
  precondition(image.channels == 1 || image.channels == 3)
  precondition(image.width >= 1 && image.height >= 1)
  precondition(image.width <= ImageSizeLimits.maximumSide && image.height <= ImageSizeLimits.maximumSide)
  precondition(image.width * image.height <= ImageSizeLimits.maximumPixels)
  precondition(image.pixels.count == image.width * image.height * image.channels)
  guard image.width * image.height <= 4096 else { return 0 }
  do throws(ImageFileError) {
    let png = try ImageFile.encode(image, format: .png, name: "fuzz.png")
    let fromPNG = try ImageFile.decode(png, name: "fuzz.png")
    precondition(fromPNG == image, "PNG round trip changed the pixels")
    let netpbm = try ImageFile.encode(image, format: image.channels == 1 ? .pgm : .ppm, name: "fuzz.pnm")
    let fromNetpbm = try ImageFile.decode(netpbm, name: "fuzz.pnm")
    precondition(fromNetpbm == image, "Netpbm round trip changed the pixels")
    _ = try ImageFile.encode(image, format: .jpeg, quality: 75, name: "fuzz.jpg")
  } catch {
    preconditionFailure("re-encoding a decoded image failed: \(error)")
  }
  for method in ResizeMethod.allCases {
    let small = image.resized(width: 7, height: 5, method: method)
    precondition(small.pixels.count == 7 * 5 * image.channels)
  }
  return 0
}
