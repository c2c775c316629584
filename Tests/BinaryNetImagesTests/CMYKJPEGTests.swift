import BinaryNetImages
import Foundation
import Testing

/// CMYK JPEGs (Adobe, 4 components) are refused with a clear error, not decoded wrongly.
@Suite struct CMYKJPEGTests {
  /// A 2x2 CMYK JPEG written by libjpeg-turbo (in_color_space JCS_CMYK, quality 10).
  static let cmykJPEG = Data(
    base64Encoded:
      "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwBQNzxGPDJQRkFGWlVQX3jIgnhubnj1r7mRyP//////////////////////////////////"
      + "/////////////////8AAFAgAAgACBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIB"
      + "AwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZH"
      + "SElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV"
      + "1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwCWL/VJ/uirUX+qT/dFVm+8frULfeP1r//Z")!

  @Test func cmykIsRefused() {
    #expect {
      try ImageFile.decode([UInt8](Self.cmykJPEG), name: "print.jpg")
    } throws: { error in
      "\(error)" == "print.jpg: unsupported JPEG file: CMYK JPEG images are not supported (save it as RGB)"
    }
  }
}
