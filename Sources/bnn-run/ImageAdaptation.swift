import BinaryNet
import CLISupport

/// How bnn-run brings an image to the model's input: colour to grey (or grey to colour)
/// always, another size only when `--resize` names a method, `--invert` on request.
///
/// Order: channels, then size, then inversion (`255 - v`), each a `PixelImage`
/// conversion. What was done is returned as notes for the user.
struct ImageAdaptation: Sendable {
  /// `--resize`: nil refuses an image of another size.
  var resize: ResizeMethod?
  /// `--invert`: dark-on-light to MNIST's light-on-dark.
  var invert: Bool

  /// `image` in the model's input shape, and a note for each change made to it.
  func adapt(_ image: PixelImage, to input: InputDescription, name: String) throws(CLIError) -> (
    image: PixelImage, notes: [String]
  ) {
    var image = image
    var notes: [String] = []
    if image.channels != input.channels {
      notes.append(
        input.channels == 1
          ? "colour image converted to grey (the model takes 1 channel)"
          : "grey image converted to colour (the model takes 3 channels)")
      image = image.converted(toChannels: input.channels)
    }
    if image.width != input.width || image.height != input.height {
      let sizes = "image is \(image.height)x\(image.width), the model takes \(input.height)x\(input.width)"
      guard let resize else {
        throw .runtime("\(name): \(sizes) (height x width); give --resize area|bilinear")
      }
      notes.append("resized from \(image.height)x\(image.width) to \(input.height)x\(input.width) (\(resize.rawValue))")
      image = image.resized(width: input.width, height: input.height, method: resize)
    }
    if invert {
      image = image.inverted()
      notes.append("inverted (255 - value)")
    }
    return (image, notes)
  }

  /// Whether `adapt` changes nothing for images of `shape` (the fast path for data sets).
  func isIdentity(for shape: TensorShape, input: InputDescription) -> Bool {
    !invert && shape.height == input.height && shape.width == input.width && shape.channels == input.channels
  }

  static let resizeOption = Option<ResizeMethod?>.resizeMethod(
    "resize",
    help: """
      bring images of another size to the model's: area (mean of the covered
      pixels, for shrinking) or bilinear; without it another size is an error
      """)
  static let invertOption = Flag(
    "invert", help: "invert pixels (255 - v): dark-on-light to MNIST's light-on-dark")
}
