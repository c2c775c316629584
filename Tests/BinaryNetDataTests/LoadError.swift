import BinaryNet
import BinaryNetData
import Testing

/// The one-line message `DataSet.load` fails with (nil when it loads).
func loadError(
  _ path: String, options: DataSetOptions = DataSetOptions(), decode: ImageDecoder? = nil
) -> String? {
  do {
    if let decode {
      _ = try DataSet.load(path: path, options: options, decode: decode)
    } else {
      _ = try DataSet.load(path: path, options: options)
    }
    return nil
  } catch {
    return error.description
  }
}

/// Expects loading `path` to fail with one line starting with `prefix` that holds every
/// text in `parts`.
func expectLoadError(
  _ path: String, prefix: String? = nil, _ parts: [String], options: DataSetOptions = DataSetOptions(),
  decode: ImageDecoder? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  guard let message = loadError(path, options: options, decode: decode) else {
    Issue.record("\(path) loaded; expected an error with \(parts)", sourceLocation: sourceLocation)
    return
  }
  #expect(message.hasPrefix(prefix ?? path), "\(message)", sourceLocation: sourceLocation)
  #expect(!message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
  for part in parts {
    #expect(message.contains(part), "'\(message)' lacks '\(part)'", sourceLocation: sourceLocation)
  }
}
