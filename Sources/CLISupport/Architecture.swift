import BinaryNet

/// `--arch TEXT` (bnn-train, `bnn-run bench --arch`): the core's architecture parser with
/// its errors as usage errors.
extension NetworkArchitecture {
  /// The architecture `text` names for images of shape `input`.
  public static func option(_ text: String, input: TensorShape) throws(CLIError) -> NetworkArchitecture {
    do { return try parse(text, input: input) } catch { throw .usage(error.description) }
  }

  /// The canonical spec of `text`, its syntax checked (before the data's shape is known).
  public static func optionSpec(_ text: String) throws(CLIError) -> String {
    do { return try canonicalSpec(text) } catch { throw .usage(error.description) }
  }

  /// The flat input size an MLP spec starts with, nil for a convolutional spec.
  public static func optionInputSize(_ text: String) throws(CLIError) -> Int? {
    do { return try declaredInputSize(text) } catch { throw .usage(error.description) }
  }

  /// The number of classes the spec ends with.
  public static func optionClassCount(_ spec: String) throws(CLIError) -> Int {
    do { return try declaredClassCount(spec) } catch { throw .usage(error.description) }
  }
}
