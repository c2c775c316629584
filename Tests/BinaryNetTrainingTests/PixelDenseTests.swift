import BinaryNet
import CPopcount
import Testing

@testable import BinaryNetTraining

/// The first dense layer's forward product on the pixel bytes (`multiplyPixelBytes`, the
/// engine's int8 kernel) gives exactly the float product `x W_b^T`, for any thread count,
/// and declines inputs it cannot hold exactly.
@Suite struct PixelDenseTests {
  static func denseLayer(inputs: Int, outputs: Int, rng: inout Xoshiro256) -> BinaryLayer {
    let layer = BinaryLayer(
      geometry: LayerGeometry(dense: TensorShape(height: 1, width: inputs, channels: 1), outputs: outputs),
      readsPixels: true, batchNorm: BatchNorm(features: outputs))
    layer.binary.assign((0..<layer.binary.count).map { _ in rng.nextUnitFloat() < 0.5 ? -1 : 1 })
    return layer
  }

  /// The float product, the reference.
  static func floatProduct(_ layer: BinaryLayer, _ x: [Float], images: Int) -> [Float] {
    let input = Matrix(rows: images, cols: layer.geometry.dotLength)
    input.assign(x)
    let z = Matrix(rows: images, cols: layer.outputCount)
    GEMM(threads: 1).multiply(input, layer.binary, transposeB: true, into: z)
    return z.values
  }

  static let shapes: [(inputs: Int, outputs: Int, images: Int)] = [
    (1, 1, 1), (31, 3, 2), (32, 4, 5), (33, 5, 7), (63, 64, 3), (64, 65, 4), (65, 129, 9),
    (784, 100, 13), (2100, 70, 3),
  ]

  @Test(arguments: shapes)
  func pixelBytesGiveTheFloatProduct(inputs: Int, outputs: Int, images: Int) throws {
    var rng = Xoshiro256(seed: UInt64(inputs * 1000 + outputs))
    let layer = Self.denseLayer(inputs: inputs, outputs: outputs, rng: &rng)
    try #require(layer.hasPixelBytesForward || bnn_kernels_best().pointee.int8_dense_gemm == nil)
    guard layer.hasPixelBytesForward else { return }  // no int8 kernel on this CPU
    // MNIST-like: mostly 0, some 255, the rest anything.
    let x: [Float] = (0..<(images * inputs)).map { _ in
      let u = rng.nextUnitFloat()
      return u < 0.5 ? 0 : u < 0.6 ? 255 : Float(Int(rng.nextUnitFloat() * 256) % 256)
    }
    let expected = Self.floatProduct(layer, x, images: images)
    for threads in [1, 2, 3] {
      var z = [Float](repeating: .nan, count: images * outputs)
      let done = x.withUnsafeBufferPointer { xp in
        z.withUnsafeMutableBufferPointer {
          layer.multiplyPixelBytes(xp.baseAddress!, images: images, into: $0.baseAddress!, threads: threads)
        }
      }
      #expect(done)
      let differing = zip(z, expected).filter { $0 != $1 }.count
      #expect(differing == 0, "threads \(threads): \(differing) of \(z.count) values differ")
    }
  }

  /// Inputs that are not bytes (a fraction, a negative value, 256, NaN) and weights that
  /// are not ±1 leave the product to the float GEMM; `convolve` still gives its values.
  @Test func declinesWhatBytesCannotHold() {
    var rng = Xoshiro256(seed: 42)
    let layer = Self.denseLayer(inputs: 40, outputs: 9, rng: &rng)
    guard layer.hasPixelBytesForward else { return }
    let images = 3
    let pixels: [Float] = (0..<(images * 40)).map { _ in Float(Int(rng.nextUnitFloat() * 256) % 256) }
    func attempt(_ x: [Float]) -> Bool {
      var z = [Float](repeating: 0, count: images * 9)
      return x.withUnsafeBufferPointer { xp in
        z.withUnsafeMutableBufferPointer {
          layer.multiplyPixelBytes(xp.baseAddress!, images: images, into: $0.baseAddress!, threads: 2)
        }
      }
    }
    #expect(attempt(pixels))
    for bad: Float in [0.5, -1, 256, .nan, -0.25] {
      var x = pixels
      x[77] = bad
      #expect(!attempt(x), "pixel \(bad)")
      // convolve falls back to the float product and gives its values.
      let expected = Self.floatProduct(layer, x, images: images)
      let z = Matrix(rows: images, cols: 9)
      x.withUnsafeBufferPointer {
        layer.convolve(
          $0.baseAddress!, images: images, into: z.data, scratch: z.data, gemm: GEMM(threads: 2))
      }
      #expect(z.values.elementsEqual(expected) { $0 == $1 || ($0.isNaN && $1.isNaN) }, "pixel \(bad)")
    }
    let saved = layer.binary.values
    for bad: Float in [0, 0.5, -0.0, 2] {
      var weights = saved
      weights[13] = bad
      layer.binary.assign(weights)
      #expect(!attempt(pixels), "weight \(bad)")
    }
    layer.binary.assign(saved)
    #expect(attempt(pixels))
  }

  @Test func onlyDensePixelLayersTakeThisPath() {
    var rng = Xoshiro256(seed: 5)
    let hidden = BinaryLayer(
      geometry: LayerGeometry(dense: TensorShape(height: 1, width: 64, channels: 1), outputs: 8),
      readsPixels: false, batchNorm: BatchNorm(features: 8))
    #expect(!hidden.hasPixelBytesForward)
    let convolution = PixelConvolutionTests.pixelLayer(
      TensorShape(height: 5, width: 5, channels: 1), window: Geometry(kernelHeight: 3, kernelWidth: 3),
      channels: 4, rng: &rng)
    #expect(!convolution.hasPixelBytesForward)
    #expect(
      Self.denseLayer(inputs: 784, outputs: 8, rng: &rng).hasPixelBytesForward
        == (bnn_kernels_best().pointee.int8_dense_gemm != nil))
  }
}
