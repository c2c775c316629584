import BinaryNet
import Testing

@testable import BinaryNetTraining

/// The first convolution straight on its pixels: the forward pass is exactly im2col +
/// SGEMM, and the weight gradient matches a Double reference with the same bytes for any
/// thread count.
@Suite struct PixelConvolutionTests {
  /// Integer pixels in 0...255, about half of them 0 (the kernel skips zeros).
  static func pixels(_ count: Int, _ rng: inout Xoshiro256) -> [Float] {
    (0..<count).map { _ in rng.nextUnitFloat() < 0.5 ? 0 : Float(Int(rng.nextUnitFloat() * 256) % 256) }
  }

  static func pixelLayer(
    _ input: TensorShape, window: Geometry, channels: Int, rng: inout Xoshiro256
  ) -> BinaryLayer {
    let layer = BinaryLayer(
      geometry: LayerGeometry(input: input, outputChannels: channels, window: window, pool: false)!,
      readsPixels: true, batchNorm: BatchNorm(features: channels))
    layer.binary.assign((0..<layer.binary.count).map { _ in rng.nextUnitFloat() < 0.5 ? -1 : 1 })
    return layer
  }

  static let cases: [(index: Int, channels: Int)] = [
    (0, 5), (1, 32), (2, 33), (3, 70), (4, 1), (5, 64), (0, 32),
  ]

  @Test(arguments: cases)
  func forwardIsExactlyUnfoldTimesWeights(index: Int, channels: Int) {
    let (shape, window) = ConvolutionLayerTests.windows[index]
    var rng = Xoshiro256(seed: UInt64(100 + index))
    let layer = Self.pixelLayer(shape, window: window, channels: channels, rng: &rng)
    #expect(layer.hasPixelConvolution)
    let g = layer.geometry
    let images = 5
    let x = Self.pixels(images * shape.elementCount, &rng)
    let rows = images * g.convolutionPixels
    // Reference: im2col with pixel padding 0, then the float product.
    let cols = Matrix(rows: rows, cols: g.dotLength)
    let expected = Matrix(rows: rows, cols: channels)
    x.withUnsafeBufferPointer {
      Unfolding.unfold(
        $0.baseAddress!, images: images, window: g.cWindow, padValue: 0, into: cols.data,
        threads: 1)
    }
    GEMM(threads: 1).multiply(cols, layer.binary, transposeB: true, into: expected)
    for threads in [1, 3] {
      let z = Matrix(rows: rows, cols: channels)
      z.assign([Float](repeating: .nan, count: z.count))
      x.withUnsafeBufferPointer {
        layer.convolvePixels($0.baseAddress!, images: images, into: z.data, threads: threads)
      }
      #expect(z.values == expected.values, "threads \(threads)")
    }
  }

  @Test(arguments: cases)
  func weightGradientMatchesTheDefinition(index: Int, channels: Int) {
    let (shape, window) = ConvolutionLayerTests.windows[index]
    var rng = Xoshiro256(seed: UInt64(200 + index))
    let layer = Self.pixelLayer(shape, window: window, channels: channels, rng: &rng)
    let g = layer.geometry
    for images in [1, 7, 40] {
      let x = Self.pixels(images * shape.elementCount, &rng)
      let rows = images * g.convolutionPixels
      let dz = ConvolutionLayerTests.randomValues(rows * channels, &rng)
      let alpha: Float = 1 / 255
      var results: [[Float]] = []
      for threads in [1, 2, 3] {
        var dW = [Float](repeating: .nan, count: channels * g.dotLength)
        x.withUnsafeBufferPointer { xp in
          dz.withUnsafeBufferPointer { dp in
            dW.withUnsafeMutableBufferPointer {
              layer.pixelWeightGradient(
                dp.baseAddress!, input: xp.baseAddress!, images: images, alpha: alpha,
                into: $0.baseAddress!, threads: threads)
            }
          }
        }
        results.append(dW)
      }
      #expect(results[1] == results[0] && results[2] == results[0], "images \(images)")
      var worst = 0.0
      for j in 0..<channels {
        for ky in 0..<window.kernelHeight {
          for kx in 0..<window.kernelWidth {
            for c in 0..<shape.channels {
              var sum = 0.0
              for n in 0..<images {
                for oy in 0..<g.convolution.height {
                  for ox in 0..<g.convolution.width {
                    guard
                      let (iy, ix) = ConvolutionLayerTests.source(g, oy: oy, ox: ox, ky: ky, kx: kx)
                    else { continue }
                    let row = (n * g.convolution.height + oy) * g.convolution.width + ox
                    let pixel = x[n * shape.elementCount + (iy * shape.width + ix) * shape.channels + c]
                    sum += Double(pixel) * Double(dz[row * channels + j])
                  }
                }
              }
              let t = (ky * window.kernelWidth + kx) * shape.channels + c
              let expected = Double(alpha) * sum
              worst = max(worst, abs(Double(results[0][j * g.dotLength + t]) - expected))
            }
          }
        }
      }
      #expect(worst < 1e-4, "images \(images): \(worst)")
    }
  }

  @Test func onlyExactPixelConvolutionsTakeTheDirectPath() {
    var rng = Xoshiro256(seed: 3)
    let shape = TensorShape(height: 5, width: 5, channels: 2)
    #expect(
      Self.pixelLayer(shape, window: Geometry(kernelHeight: 3, kernelWidth: 3), channels: 4, rng: &rng)
        .hasPixelConvolution)
    let binaryInput = BinaryLayer(
      geometry: LayerGeometry(
        input: shape, outputChannels: 4, window: Geometry(kernelHeight: 3, kernelWidth: 3), pool: false)!,
      readsPixels: false, batchNorm: BatchNorm(features: 4))
    #expect(!binaryInput.hasPixelConvolution)
    let dense = BinaryLayer(
      geometry: LayerGeometry(dense: shape, outputs: 4), readsPixels: true,
      batchNorm: BatchNorm(features: 4))
    #expect(!dense.hasPixelConvolution)
  }
}
