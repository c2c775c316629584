import BinaryNet
import Testing

@testable import BinaryNetTraining

/// The forward product of ±1 layers through XOR-popcount (`convolveBinary`) equals the
/// direct sum over the window (padding +1) exactly, for dense and convolutional layers with
/// channel counts around the 64-bit words, 'same' and 'valid' windows, strides 1 and 2, and
/// more images than threads; inputs that are not all ±1 fall back to the float product.
@Suite struct BinaryForwardTests {
  static func signs(_ count: Int, _ rng: inout Xoshiro256) -> [Float] {
    (0..<count).map { _ in rng.next() & 1 == 0 ? 1 : -1 }
  }

  /// z of every image, output pixel and channel from the definition (Double, exact here).
  static func directSum(_ layer: BinaryLayer, _ x: [Float], images: Int) -> [Float] {
    let g = layer.geometry
    let (n, k) = (layer.outputCount, g.dotLength)
    let w = layer.binary.values
    if g.isDense {
      return (0..<(images * n)).map { e in
        let (i, j) = (e / n, e % n)
        return Float((0..<k).reduce(0.0) { $0 + Double(x[i * k + $1]) * Double(w[j * k + $1]) })
      }
    }
    let (inH, inW, c) = (g.input.height, g.input.width, g.input.channels)
    let (kh, kw, s) = (g.window.kernelHeight, g.window.kernelWidth, g.window.stride)
    let top = g.window.leadingPad(input: inH, kernel: kh)
    let left = g.window.leadingPad(input: inW, kernel: kw)
    let (outH, outW) = (g.convolution.height, g.convolution.width)
    var z = [Float](repeating: 0, count: images * outH * outW * n)
    for i in 0..<images {
      for oy in 0..<outH {
        for ox in 0..<outW {
          for j in 0..<n {
            var sum = 0.0
            for ky in 0..<kh {
              for kx in 0..<kw {
                let (iy, ix) = (oy * s + ky - top, ox * s + kx - left)
                let inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW
                for ch in 0..<c {
                  let v = inside ? Double(x[i * inH * inW * c + (iy * inW + ix) * c + ch]) : 1
                  sum += v * Double(w[j * k + (ky * kw + kx) * c + ch])
                }
              }
            }
            z[((i * outH + oy) * outW + ox) * n + j] = Float(sum)
          }
        }
      }
    }
    return z
  }

  static func run(_ layer: BinaryLayer, _ x: [Float], images: Int) -> (z: [Float], binary: Bool) {
    let g = layer.geometry
    let z = Matrix(rows: images * g.convolutionPixels, cols: g.outputChannels)
    let done = x.withUnsafeBufferPointer {
      layer.convolveBinary($0.baseAddress!, images: images, into: z.data, threads: 2)
    }
    return (z.values, done)
  }

  @Test(arguments: [1, 3, 32, 63, 64, 65, 100])
  func convolutionEqualsTheDirectSum(channels: Int) {
    var rng = Xoshiro256(seed: UInt64(channels))
    let cases: [(TensorShape, Geometry)] = [
      (TensorShape(height: 7, width: 6, channels: channels), Geometry(kernelHeight: 3, kernelWidth: 3)),
      (
        TensorShape(height: 8, width: 5, channels: channels),
        Geometry(kernelHeight: 2, kernelWidth: 3, stride: 2, padding: .valid)
      ),
    ]
    for (shape, window) in cases {
      let layer = BinaryLayer(
        geometry: LayerGeometry(input: shape, outputChannels: 5 + channels % 7, window: window, pool: false)!,
        readsPixels: false, batchNorm: BatchNorm(features: 5 + channels % 7))
      layer.binary.assign(Self.signs(layer.binary.count, &rng))
      #expect(layer.hasBinaryForward)
      let images = 5
      let x = Self.signs(images * shape.elementCount, &rng)
      let (z, binary) = Self.run(layer, x, images: images)
      #expect(binary)
      #expect(z == Self.directSum(layer, x, images: images), "\(shape) \(window)")
    }
  }

  @Test(arguments: [1, 63, 64, 65, 300])
  func denseEqualsTheDirectSum(inputs: Int) {
    var rng = Xoshiro256(seed: 77 + UInt64(inputs))
    let layer = BinaryLayer(
      geometry: LayerGeometry(dense: TensorShape(height: 1, width: 1, channels: inputs), outputs: 70),
      readsPixels: false, batchNorm: BatchNorm(features: 70))
    layer.binary.assign(Self.signs(layer.binary.count, &rng))
    let images = 9
    let x = Self.signs(images * inputs, &rng)
    let (z, binary) = Self.run(layer, x, images: images)
    #expect(binary)
    #expect(z == Self.directSum(layer, x, images: images))
  }

  /// A layer big enough that its weight rows are packed in several chunks (2^16 floats at
  /// least each, two threads): still the direct sum, and one weight that is not ±1 in the
  /// last chunk still sends it to the float product.
  @Test func weightsPackedInChunksEqualTheDirectSum() {
    var rng = Xoshiro256(seed: 5)
    let inputs = 1000
    let layer = BinaryLayer(
      geometry: LayerGeometry(dense: TensorShape(height: 1, width: 1, channels: inputs), outputs: 203),
      readsPixels: false, batchNorm: BatchNorm(features: 203))
    layer.binary.assign(Self.signs(layer.binary.count, &rng))
    let images = 3
    let x = Self.signs(images * inputs, &rng)
    let (z, binary) = Self.run(layer, x, images: images)
    #expect(binary)
    #expect(z == Self.directSum(layer, x, images: images))
    layer.binary.data[layer.binary.count - 2] = -0.5
    #expect(!Self.run(layer, x, images: images).binary)
  }

  /// One input that is not ±1 (or a weight): no XOR-popcount result, and `convolve` runs the
  /// float product instead.
  @Test func otherValuesFallBackToTheFloatProduct() {
    var rng = Xoshiro256(seed: 3)
    let shape = TensorShape(height: 5, width: 5, channels: 4)
    let layer = BinaryLayer(
      geometry: LayerGeometry(
        input: shape, outputChannels: 3, window: Geometry(kernelHeight: 3, kernelWidth: 3), pool: false)!,
      readsPixels: false, batchNorm: BatchNorm(features: 3))
    layer.binary.assign(Self.signs(layer.binary.count, &rng))
    var x = Self.signs(4 * shape.elementCount, &rng)
    x[3 * shape.elementCount + 7] = 0.5
    #expect(!Self.run(layer, x, images: 4).binary)
    let z = Matrix(rows: 4 * layer.geometry.convolutionPixels, cols: 3)
    let scratch = Matrix(rows: 1, cols: layer.scratchCount)
    x.withUnsafeBufferPointer {
      layer.convolve($0.baseAddress!, images: 4, into: z.data, scratch: scratch.data, gemm: GEMM(threads: 2))
    }
    let want = Self.directSum(layer, x, images: 4)
    #expect(zip(z.values, want).allSatisfy { abs($0 - $1) < 1e-4 })
    layer.binary.data[0] = 0.25
    #expect(!Self.run(layer, Self.signs(4 * shape.elementCount, &rng), images: 4).binary)
  }

  /// A pooled convolution pooled on the fly (`convolveAndPool` through `convolveBinary`)
  /// gives the same values and winners as the unpooled product then `MaxPooling.forward`,
  /// with odd sizes (a dropped row and column), ties (few channels make equal dots
  /// likely), more images than threads, and the float fallback for inputs that are not ±1.
  @Test(arguments: [(1, 5), (64, 3), (65, 70), (3, 64)])
  func poolingOnTheFlyEqualsPoolingAfterwards(channels: Int, outputs: Int) {
    var rng = Xoshiro256(seed: 40 + UInt64(channels))
    for shape in [
      TensorShape(height: 7, width: 9, channels: channels),
      TensorShape(height: 6, width: 4, channels: channels),
    ] {
      let layer = BinaryLayer(
        geometry: LayerGeometry(
          input: shape, outputChannels: outputs, window: Geometry(kernelHeight: 3, kernelWidth: 3), pool: true)!,
        readsPixels: false, batchNorm: BatchNorm(features: outputs))
      layer.binary.assign(Self.signs(layer.binary.count, &rng))
      let g = layer.geometry
      let images = 5
      var x = Self.signs(images * shape.elementCount, &rng)
      for fallback in [false, true] {
        if fallback { x[2 * shape.elementCount + 1] = 0.5 }
        // Reference: the whole convolution, then the pooling.
        let unpooled = Matrix(rows: images * g.convolutionPixels, cols: outputs)
        let expected = Matrix(rows: images * g.outputPixels, cols: outputs)
        var expectedWinners = [UInt8](repeating: 9, count: expected.count)
        let scratch = Matrix(rows: 1, cols: max(1, layer.scratchCount))
        x.withUnsafeBufferPointer {
          layer.convolve(
            $0.baseAddress!, images: images, into: unpooled.data, scratch: scratch.data,
            gemm: GEMM(threads: 1))
        }
        expectedWinners.withUnsafeMutableBufferPointer {
          MaxPooling.forward(
            unpooled.data, images: images, shape: g.convolution, into: expected.data,
            winners: $0.baseAddress!, threads: 1)
        }
        for threads in [1, 3] {
          let pooled = Matrix(rows: images * g.outputPixels, cols: outputs)
          var winners = [UInt8](repeating: 9, count: pooled.count)
          let convolution = Matrix(rows: images * g.convolutionPixels, cols: outputs)
          x.withUnsafeBufferPointer { xp in
            winners.withUnsafeMutableBufferPointer {
              layer.convolveAndPool(
                xp.baseAddress!, images: images, into: pooled.data, winners: $0.baseAddress!,
                convolution: convolution.data, scratch: scratch.data, gemm: GEMM(threads: threads))
            }
          }
          #expect(pooled.values == expected.values, "\(shape) threads \(threads) fallback \(fallback)")
          #expect(winners == expectedWinners, "\(shape) threads \(threads) fallback \(fallback)")
        }
      }
    }
  }
}
