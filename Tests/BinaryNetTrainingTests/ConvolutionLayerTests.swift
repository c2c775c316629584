import BinaryNet
import Testing

@testable import BinaryNetTraining

/// im2col / col2im, max pooling and the convolution layer's forward and backward, against
/// direct loops over the definitions and against finite differences.
@Suite struct ConvolutionLayerTests {
  static func randomValues(_ count: Int, _ rng: inout Xoshiro256) -> [Float] {
    (0..<count).map { _ in 2 * rng.nextUnitFloat() - 1 }
  }

  /// Windows covering 'same' and 'valid' padding, strides 1 and 2, odd sizes, 1x1 and
  /// kernels larger than half the input.
  static let windows: [(input: TensorShape, window: Geometry)] = [
    (TensorShape(height: 5, width: 6, channels: 3), Geometry(kernelHeight: 3, kernelWidth: 3)),
    (
      TensorShape(height: 7, width: 5, channels: 2),
      Geometry(kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .same)
    ),
    (
      TensorShape(height: 6, width: 6, channels: 4),
      Geometry(kernelHeight: 2, kernelWidth: 2, stride: 2, padding: .valid)
    ),
    (
      TensorShape(height: 5, width: 5, channels: 1),
      Geometry(kernelHeight: 5, kernelWidth: 5, stride: 1, padding: .same)
    ),
    (
      TensorShape(height: 4, width: 3, channels: 5),
      Geometry(kernelHeight: 1, kernelWidth: 1, stride: 1, padding: .valid)
    ),
    (
      TensorShape(height: 9, width: 8, channels: 2),
      Geometry(kernelHeight: 4, kernelWidth: 4, stride: 2, padding: .same)
    ),
  ]

  /// Input position `(iy, ix)` read by output `(oy, ox)` at kernel offset `(ky, kx)`,
  /// nil for padding (FORMAT.md, "Convolution geometry").
  static func source(_ g: LayerGeometry, oy: Int, ox: Int, ky: Int, kx: Int) -> (Int, Int)? {
    let w = g.window
    let iy = oy * w.stride + ky - w.leadingPad(input: g.input.height, kernel: w.kernelHeight)
    let ix = ox * w.stride + kx - w.leadingPad(input: g.input.width, kernel: w.kernelWidth)
    guard (0..<g.input.height).contains(iy), (0..<g.input.width).contains(ix) else { return nil }
    return (iy, ix)
  }

  @Test(arguments: 0..<6)
  func unfoldMatchesTheDefinitionAndFoldIsItsAdjoint(index: Int) {
    let (shape, window) = Self.windows[index]
    let g = LayerGeometry(input: shape, outputChannels: 1, window: window, pool: false)!
    var rng = Xoshiro256(seed: UInt64(index))
    let images = 3
    let x = Self.randomValues(images * shape.elementCount, &rng)
    let (rows, k) = (images * g.convolutionPixels, g.dotLength)
    for padValue: Float in [0, 1] {
      var cols = [Float](repeating: .nan, count: rows * k)
      x.withUnsafeBufferPointer { xp in
        cols.withUnsafeMutableBufferPointer {
          Unfolding.unfold(
            xp.baseAddress!, images: images, window: g.cWindow, padValue: padValue,
            into: $0.baseAddress!, threads: 2)
        }
      }
      var mismatches = 0
      for n in 0..<images {
        for oy in 0..<g.convolution.height {
          for ox in 0..<g.convolution.width {
            let row = (n * g.convolution.height + oy) * g.convolution.width + ox
            for ky in 0..<window.kernelHeight {
              for kx in 0..<window.kernelWidth {
                for c in 0..<shape.channels {
                  let expected: Float
                  if let (iy, ix) = Self.source(g, oy: oy, ox: ox, ky: ky, kx: kx) {
                    expected =
                      x[n * shape.elementCount + (iy * shape.width + ix) * shape.channels + c]
                  } else {
                    expected = padValue
                  }
                  let column = (ky * window.kernelWidth + kx) * shape.channels + c
                  if cols[row * k + column] != expected { mismatches += 1 }
                }
              }
            }
          }
        }
      }
      #expect(mismatches == 0, "window \(index), pad \(padValue)")
    }
    // <unfold(x), y> == <x, fold(y)> for padding 0 (fold is the adjoint).
    let y = Self.randomValues(rows * k, &rng)
    var cols = [Float](repeating: 0, count: rows * k)
    var folded = [Float](repeating: .nan, count: x.count)
    x.withUnsafeBufferPointer { xp in
      cols.withUnsafeMutableBufferPointer {
        Unfolding.unfold(
          xp.baseAddress!, images: images, window: g.cWindow, padValue: 0, into: $0.baseAddress!,
          threads: 1)
      }
    }
    y.withUnsafeBufferPointer { yp in
      folded.withUnsafeMutableBufferPointer {
        Unfolding.fold(
          yp.baseAddress!, images: images, window: g.cWindow, into: $0.baseAddress!, threads: 3)
      }
    }
    let left = zip(cols, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let right = zip(x, folded).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(left - right) < 1e-4 * max(1, abs(left)), "window \(index): \(left) vs \(right)")
  }

  @Test(arguments: [
    TensorShape(height: 4, width: 6, channels: 3), TensorShape(height: 5, width: 7, channels: 2),
    TensorShape(height: 3, width: 2, channels: 65),
  ])
  func maxPoolingTakesTheMaximumAndRoutesItsGradient(shape: TensorShape) {
    var rng = Xoshiro256(seed: 3)
    let images = 3
    let (oh, ow, c) = (shape.height / 2, shape.width / 2, shape.channels)
    var x = Self.randomValues(images * shape.elementCount, &rng)
    (x[0], x[c]) = (2, 2)  // a tie for the maximum: the first of the window wins
    let outCount = images * oh * ow * c
    var out = [Float](repeating: .nan, count: outCount)
    var winners = [UInt8](repeating: 9, count: outCount)
    let dOut = Self.randomValues(outCount, &rng)
    var dIn = [Float](repeating: .nan, count: x.count)
    x.withUnsafeBufferPointer { xp in
      out.withUnsafeMutableBufferPointer { op in
        winners.withUnsafeMutableBufferPointer { wp in
          MaxPooling.forward(
            xp.baseAddress!, images: images, shape: shape, into: op.baseAddress!,
            winners: wp.baseAddress!, threads: 2)
          dOut.withUnsafeBufferPointer { dp in
            dIn.withUnsafeMutableBufferPointer {
              MaxPooling.backward(
                dp.baseAddress!, winners: UnsafePointer(wp.baseAddress!), images: images,
                shape: shape, into: $0.baseAddress!, threads: 2)
            }
          }
        }
      }
    }
    var expectedGradient = [Float](repeating: 0, count: x.count)
    for n in 0..<images {
      for y in 0..<oh {
        for xo in 0..<ow {
          for ch in 0..<c {
            let positions = [(0, 0), (0, 1), (1, 0), (1, 1)].map { dy, dx in
              n * shape.elementCount + ((2 * y + dy) * shape.width + 2 * xo + dx) * c + ch
            }
            let values = positions.map { x[$0] }
            let best = values.max()!
            let winner = values.firstIndex(of: best)!
            let o = ((n * oh + y) * ow + xo) * c + ch
            #expect(out[o] == best)
            #expect(Int(winners[o]) == winner)
            expectedGradient[positions[winner]] = dOut[o]
          }
        }
      }
    }
    #expect(dIn == expectedGradient)
    #expect(winners[0] == 0)
  }

  /// A convolution layer with float (not binarised) weights, for the linear-part checks.
  static func floatLayer(
    _ input: TensorShape, channels: Int, window: Geometry, pool: Bool, readsPixels: Bool,
    rng: inout Xoshiro256
  ) -> BinaryLayer {
    let layer = BinaryLayer(
      geometry: LayerGeometry(input: input, outputChannels: channels, window: window, pool: pool)!,
      readsPixels: readsPixels, batchNorm: BatchNorm(features: channels))
    layer.binary.assign(randomValues(layer.binary.count, &rng))
    return layer
  }

  /// `z = pool(conv(x, W))` through the layer's code, as `Double`s, and the pooling's
  /// winners (empty without pooling).
  static func forward(_ layer: BinaryLayer, _ x: [Float], images: Int) -> (
    z: [Double], winners: [UInt8]
  ) {
    let g = layer.geometry
    let scratch = Matrix(rows: 1, cols: max(1, layer.scratchCount))
    let z = Matrix(rows: images * g.convolutionPixels, cols: g.outputChannels)
    x.withUnsafeBufferPointer {
      layer.convolve(
        $0.baseAddress!, images: images, into: z.data, scratch: scratch.data, gemm: GEMM(threads: 2)
      )
    }
    guard g.pool else { return (z.values.map(Double.init), []) }
    let pooled = Matrix(rows: images * g.outputPixels, cols: g.outputChannels)
    var winners = [UInt8](repeating: 0, count: pooled.count)
    winners.withUnsafeMutableBufferPointer {
      MaxPooling.forward(
        z.data, images: images, shape: g.convolution, into: pooled.data,
        winners: $0.baseAddress!, threads: 1)
    }
    return (pooled.values.map(Double.init), winners)
  }

  /// The layer's convolution equals the direct sum over the window, padding included
  /// (0 for pixel layers, +1 otherwise), also when the batch is unfolded in several blocks.
  @Test(arguments: [false, true])
  func convolutionMatchesTheDirectSum(readsPixels: Bool) {
    var rng = Xoshiro256(seed: 5)
    let input = TensorShape(height: 20, width: 20, channels: 48)
    let layer = Self.floatLayer(
      input, channels: 3, window: Geometry(kernelHeight: 3, kernelWidth: 3, stride: 1),
      pool: false, readsPixels: readsPixels, rng: &rng)
    let g = layer.geometry
    #expect(g.imagesPerUnfold == 6)
    let images = 7
    let x = Self.randomValues(images * input.elementCount, &rng)
    let z = Self.forward(layer, x, images: images).z
    let w = layer.binary.values
    var worst = 0.0
    for n in 0..<images {
      for oy in 0..<20 {
        for ox in 0..<20 {
          for j in 0..<3 {
            var sum = 0.0
            for ky in 0..<3 {
              for kx in 0..<3 {
                for c in 0..<48 {
                  let v: Double
                  if let (iy, ix) = Self.source(g, oy: oy, ox: ox, ky: ky, kx: kx) {
                    v = Double(x[n * input.elementCount + (iy * 20 + ix) * 48 + c])
                  } else {
                    v = readsPixels ? 0 : 1
                  }
                  sum += v * Double(w[j * g.dotLength + (ky * 3 + kx) * 48 + c])
                }
              }
            }
            worst = max(worst, abs(sum - z[((n * 20 + oy) * 20 + ox) * 3 + j]))
          }
        }
      }
    }
    #expect(worst < 1e-3)
  }

  /// `L = sum c * pool(conv(x, W))` is linear in `W` and in `x` while the pooling's winners
  /// stay put: the layer's `dW` and `dx` must equal central differences of `L` (checked
  /// where a perturbation leaves every winner in place).
  @Test(arguments: [
    (
      TensorShape(height: 6, width: 7, channels: 3), Geometry(kernelHeight: 3, kernelWidth: 3),
      true, false
    ),
    (
      TensorShape(height: 7, width: 6, channels: 2),
      Geometry(kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .same), false, true
    ),
    (
      TensorShape(height: 8, width: 8, channels: 2),
      Geometry(kernelHeight: 2, kernelWidth: 2, stride: 1, padding: .valid), true, true
    ),
    (TensorShape(height: 3, width: 2, channels: 5), Geometry.dense, false, false),
  ])
  func backwardMatchesFiniteDifferences(
    input: TensorShape, window: Geometry, pool: Bool, readsPixels: Bool
  ) {
    var rng = Xoshiro256(seed: 8)
    let channels = 4
    let layer: BinaryLayer
    if window == .dense {
      layer = BinaryLayer(
        geometry: LayerGeometry(dense: input, outputs: channels), readsPixels: readsPixels,
        batchNorm: BatchNorm(features: channels))
      layer.binary.assign(Self.randomValues(layer.binary.count, &rng))
    } else {
      layer = Self.floatLayer(
        input, channels: channels, window: window, pool: pool, readsPixels: readsPixels, rng: &rng)
    }
    let g = layer.geometry
    let images = 3
    let x = Self.randomValues(images * input.elementCount, &rng)
    let c = Self.randomValues(images * g.outputPixels * channels, &rng)
    let baseWinners = Self.forward(layer, x, images: images).winners
    /// The loss, or nil when a winner moved (the function is not linear across that).
    func loss(_ x: [Float]) -> Double? {
      let (z, winners) = Self.forward(layer, x, images: images)
      guard winners == baseWinners else { return nil }
      return zip(z, c).reduce(0) { $0 + $1.0 * Double($1.1) }
    }

    // Backward: pool's gradient routing, then the convolution's.
    let gemm = GEMM(threads: 2)
    let scratch = Matrix(rows: 1, cols: max(1, layer.scratchCount))
    let convolution = Matrix(rows: images * g.convolutionPixels, cols: channels)
    x.withUnsafeBufferPointer {
      layer.convolve(
        $0.baseAddress!, images: images, into: convolution.data, scratch: scratch.data, gemm: gemm)
    }
    let dz = Matrix(rows: images * g.convolutionPixels, cols: channels)
    if g.pool {
      let pooled = Matrix(rows: images * g.outputPixels, cols: channels)
      var winners = [UInt8](repeating: 0, count: pooled.count)
      winners.withUnsafeMutableBufferPointer { wp in
        MaxPooling.forward(
          convolution.data, images: images, shape: g.convolution, into: pooled.data,
          winners: wp.baseAddress!, threads: 1)
        c.withUnsafeBufferPointer {
          MaxPooling.backward(
            $0.baseAddress!, winners: UnsafePointer(wp.baseAddress!), images: images,
            shape: g.convolution, into: dz.data, threads: 1)
        }
      }
    } else {
      dz.assign(c)
    }
    let dW = Matrix(rows: channels, cols: g.dotLength)
    var dx = [Float](repeating: .nan, count: x.count)
    x.withUnsafeBufferPointer { xp in
      dx.withUnsafeMutableBufferPointer {
        layer.backward(
          dz.data, input: xp.baseAddress!, images: images, weightGradient: dW, alpha: 1,
          inputGradient: $0.baseAddress!, scratch: scratch.data, gemm: gemm)
      }
    }

    let h: Float = 0.01
    var checked = 0
    // Weights.
    let weights = layer.binary.values
    for index in stride(from: 0, to: weights.count, by: max(1, weights.count / 40)) {
      layer.binary.data[index] = weights[index] + h
      let plus = loss(x)
      layer.binary.data[index] = weights[index] - h
      let minus = loss(x)
      layer.binary.data[index] = weights[index]
      guard let plus, let minus else { continue }
      let numeric = (plus - minus) / Double(2 * h)
      #expect(abs(numeric - Double(dW.data[index])) < 1e-2, "dW[\(index)]")
      checked += 1
    }
    // Inputs (padding never receives gradient: only real positions are perturbed).
    for index in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
      var plus = x
      var minus = x
      plus[index] += h
      minus[index] -= h
      guard let lossPlus = loss(plus), let lossMinus = loss(minus) else { continue }
      let numeric = (lossPlus - lossMinus) / Double(2 * h)
      #expect(abs(numeric - Double(dx[index])) < 1e-2, "dx[\(index)]")
      checked += 1
    }
    #expect(checked > 50, "\(checked) coordinates checked")
  }

  /// The layer shapes of the `conv` preset and the geometry errors.
  @Test func architectureGeometry() {
    let image = TensorShape(height: 28, width: 28, channels: 1)
    let conv = NetworkArchitecture(
      input: image,
      layers: [
        .convolution(channels: 32, kernel: 3, stride: 1, padding: .same, pool: false),
        .convolution(channels: 64, kernel: 3, stride: 1, padding: .same, pool: true),
        .convolution(channels: 128, kernel: 3, stride: 1, padding: .same, pool: true),
        .dense(outputs: 256), .dense(outputs: 10),
      ])
    let geometries = conv.layerGeometries!
    #expect(
      geometries.map(\.output.description) == ["28x28x32", "14x14x64", "7x7x128", "256", "10"])
    #expect(geometries.map(\.dotLength) == [9, 288, 576, 6272, 256])
    #expect(geometries[1].convolution == TensorShape(height: 28, width: 28, channels: 64))
    #expect(geometries.map(\.isDense) == [false, false, false, true, true])
    #expect(conv.weightCount == 1_700_640)
    #expect(conv.spec == "c32-c64-p-c128-p-256-10")
    #expect(conv.isConvolutional && conv.classCount == 10)
    let mlp = NetworkArchitecture.mlp(input: image, widths: [1024, 1024, 1024, 10])
    #expect(mlp.spec == "784-1024-1024-1024-10" && !mlp.isConvolutional)
    #expect(mlp.weightCount == 784 * 1024 + 2 * 1024 * 1024 + 10240)
    #expect(
      mlp.layerGeometries![0].window
        == Geometry(kernelHeight: 28, kernelWidth: 28, stride: 1, padding: .valid))
    #expect(
      NetworkArchitecture(
        input: image,
        layers: [
          .convolution(channels: 8, kernel: 3, stride: 2, padding: .valid, pool: true),
          .dense(outputs: 10),
        ]
      ).spec == "c8s2v-p-10")
    // Windows that do not fit, pooling a 1x1 map, a dense layer before a convolution,
    // no dense layer at the end.
    for layers: [NetworkArchitecture.Layer] in [
      [
        .convolution(channels: 8, kernel: 29, stride: 1, padding: .valid, pool: false),
        .dense(outputs: 10),
      ],
      [
        .convolution(channels: 8, kernel: 28, stride: 1, padding: .valid, pool: true),
        .dense(outputs: 10),
      ],
      [
        .dense(outputs: 10),
        .convolution(channels: 8, kernel: 1, stride: 1, padding: .same, pool: false),
        .dense(outputs: 10),
      ],
      [.convolution(channels: 8, kernel: 3, stride: 1, padding: .same, pool: false)],
    ] {
      #expect(NetworkArchitecture(input: image, layers: layers).layerGeometries == nil)
    }
  }
}
