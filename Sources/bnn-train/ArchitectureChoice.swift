import BinaryNet
import BinaryNetTraining
import CLISupport

extension Architecture {
  /// The trainer's architecture for images of shape `input`, or a usage error when a
  /// layer does not fit (a window larger than its input, an MLP input size that is not
  /// the image size).
  func network(input: TensorShape) throws(CLIError) -> NetworkArchitecture {
    _ = try shapes(input: input)
    let layers: [NetworkArchitecture.Layer] = layers.map { layer in
      switch layer {
      case .dense(let outputs):
        return .dense(outputs: outputs)
      case .convolution(let channels, let geometry, let pool):
        return .convolution(
          channels: channels, kernel: geometry.kernelHeight, stride: geometry.stride,
          padding: geometry.padding == .same ? .same : .valid, pool: pool)
      }
    }
    let network = NetworkArchitecture(input: input, layers: layers)
    guard network.layerGeometries != nil else {
      throw .usage("the architecture \(spec) does not fit \(input) images")
    }
    return network
  }
}

/// The preset name of a layer spec (`conv` for `c32-c64-p-c128-p-256-10`), else the spec.
func architectureName(_ spec: String) -> String {
  Architecture.presets.first { $0.spec == spec }?.name ?? spec
}

/// `name (spec)` for presets, the spec otherwise.
func architectureDescription(_ spec: String) -> String {
  let name = architectureName(spec)
  return name == spec ? spec : "\(name) (\(spec))"
}
