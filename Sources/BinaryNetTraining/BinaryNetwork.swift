import BinaryNet

/// A binarized network of `BinaryLayer`s (convolutions, then dense layers): the first
/// layer sees real inputs `pixel/255`; every hidden layer's BatchNorm output goes through
/// `sign`; the last layer's BatchNorm output is the class score (softmax on top in
/// training).
public final class BinaryNetwork {
  public let architecture: NetworkArchitecture
  public let layers: [BinaryLayer]
  /// Input normalisation: the first layer sees `pixel * inputScale`.
  public static let inputScale: Float = 1 / 255

  /// Needs an architecture whose layers fit (`architecture.layerGeometries != nil`).
  public init(architecture: NetworkArchitecture, epsilon: Float, momentum: Float) {
    guard let geometries = architecture.layerGeometries else {
      preconditionFailure("the layers of \(architecture) do not fit")
    }
    self.architecture = architecture
    layers = geometries.enumerated().map { index, geometry in
      BinaryLayer(
        geometry: geometry, readsPixels: index == 0,
        batchNorm: BatchNorm(
          features: geometry.outputChannels, epsilon: epsilon, momentum: momentum))
    }
  }

  /// Pixels per input image.
  public var inputCount: Int { architecture.input.elementCount }
  public var classCount: Int { layers[layers.count - 1].outputCount }

  /// Latent weights uniform in [-1, 1] (the BNN paper's initialisation with H = 1).
  public func initializeWeights(using rng: inout Xoshiro256) {
    for layer in layers {
      for i in 0..<layer.latent.count { layer.latent.data[i] = 2 * rng.nextUnitFloat() - 1 }
    }
  }

  public func refreshBinaryWeights(threads: Int) {
    for layer in layers { layer.refreshBinaryWeights(threads: threads) }
  }

  /// Floats of im2col scratch the layers need (the largest).
  var scratchCount: Int { layers.map(\.scratchCount).max() ?? 0 }

  /// Writes the raw pixel values (0...255, exact in `Float`) of images `indices` into the
  /// rows of `input`. The first layer's product with ±1 weights is then an exact integer,
  /// scaled by `inputScale` afterwards exactly as the engine does (`Float(z) * scale`).
  public static func loadInputs(
    pixels: UnsafePointer<UInt8>, imageSize: Int, indices: some Collection<Int>, into input: Matrix
  ) {
    precondition(input.cols == imageSize && input.rows >= indices.count)
    for (row, image) in indices.enumerated() {
      let source = pixels + image * imageSize
      let target = input.row(row)
      for i in 0..<imageSize { target[i] = Float(source[i]) }
    }
  }

  /// Multiplies `count` values by `inputScale`: the first layer's pre-activation
  /// `sum_i w_i * (x_i * scale)` from the exact integer `sum_i w_i * x_i` (after pooling,
  /// which commutes with the scaling: rounding is monotone).
  static func scaleFirstLayer(_ z: UnsafeMutablePointer<Float>, count: Int) {
    let scale = inputScale
    for index in 0..<count { z[index] = z[index] * scale }
  }
}
