import BinaryNetImages

/// What `bnn-run export-images` writes: an image folder tree (PNG or JPEG files) or the
/// four IDX files of the MNIST layout.
enum ExportFormat: String, Sendable {
  case png, jpeg, idx

  /// The image file format of a folder tree; nil for IDX.
  var imageFormat: ImageFileFormat? {
    switch self {
    case .png: return .png
    case .jpeg: return .jpeg
    case .idx: return nil
    }
  }
}
