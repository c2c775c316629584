import BinaryNet

/// An independent float reference for convolutional BNNs: direct loops over `Float`
/// ±1 values, the trainer's order `conv -> (+ bias) -> (maxpool) -> BatchNorm -> sign`
/// (or `BatchNorm -> maxpool -> sign` with `poolAfterBatchNorm`), 'same' padding with
/// pixel 0 on the image and +1 on binary activations unless a layer says `inputPadValue`.
/// With an input offset, a first layer pad value or an input sign, the first layer runs on
/// the normalised input `x * scale + offset` (or its sign), as a framework does. Shares
/// no code with the engine.
struct ConvolutionReferenceNetwork {
  let layers: [TrainedLayer]
  let input: InputDescription

  /// A float tensor in HWC order.
  struct Tensor {
    var h: Int, w: Int, c: Int
    var values: [Float]
    subscript(y y: Int, x x: Int, ch ch: Int) -> Float { values[(y * w + x) * c + ch] }
  }

  static func sign(_ w: Float) -> Float { w < 0 ? -1 : 1 }

  func convolve(_ t: Tensor, _ layer: TrainedConvLayer, padValue: Float) -> Tensor {
    let g = layer.geometry
    let out = layer.convolutionOutputShape!
    let padTop: Int
    let padLeft: Int
    if g.padding == .same {
      padTop = max((out.height - 1) * g.stride + g.kernelHeight - t.h, 0) / 2
      padLeft = max((out.width - 1) * g.stride + g.kernelWidth - t.w, 0) / 2
    } else {
      padTop = 0
      padLeft = 0
    }
    var result = Tensor(h: out.height, w: out.width, c: layer.outputChannels, values: [])
    for oy in 0..<out.height {
      for ox in 0..<out.width {
        for oc in 0..<layer.outputChannels {
          var sum: Float = 0
          for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
              let iy = oy * g.stride + ky - padTop
              let ix = ox * g.stride + kx - padLeft
              for ic in 0..<t.c {
                let v = (iy >= 0 && iy < t.h && ix >= 0 && ix < t.w) ? t[y: iy, x: ix, ch: ic] : padValue
                let w = layer.weights[((oc * g.kernelHeight + ky) * g.kernelWidth + kx) * t.c + ic]
                sum += Self.sign(w) * v
              }
            }
          }
          result.values.append(sum)
        }
      }
    }
    return result
  }

  func maxPool(_ t: Tensor) -> Tensor {
    var result = Tensor(h: t.h / 2, w: t.w / 2, c: t.c, values: [])
    for y in 0..<(t.h / 2) {
      for x in 0..<(t.w / 2) {
        for ch in 0..<t.c {
          result.values.append(
            max(
              t[y: 2 * y, x: 2 * x, ch: ch], t[y: 2 * y, x: 2 * x + 1, ch: ch],
              t[y: 2 * y + 1, x: 2 * x, ch: ch], t[y: 2 * y + 1, x: 2 * x + 1, ch: ch]))
        }
      }
    }
    return result
  }

  func bn(_ v: Float, _ p: BatchNormParameters, _ j: Int) -> Float {
    p.gamma[j] * ((v - p.mean[j]) / (p.variance[j] + p.epsilon).squareRoot()) + p.beta[j]
  }

  func scores(_ pixels: ArraySlice<UInt8>) -> [Float] {
    // Offset 0 and pad value 0: the first layer sees x * scale, z * scale below.
    // Otherwise it sees the normalised input itself (scale 1 below).
    var normalised = input.offset != 0 || layers.first == .inputSign
    if case .convolution(let conv)? = layers.first, let pad = conv.inputPadValue, pad != 0 { normalised = true }
    var t = Tensor(
      h: input.height, w: input.width, c: input.channels,
      values: pixels.map { normalised ? Float($0) * input.scale + input.offset : Float($0) })
    for (index, layer) in layers.enumerated() {
      let scale: Float = index == 0 && !normalised ? input.scale : 1
      switch layer {
      case .inputSign:
        t.values = t.values.map { $0 >= 0 ? 1 : -1 }
      case .convolution(let conv):
        // What the model padded: its own value, else pixel 0 (normalised: the offset) or +1.
        let enginePad: Float = index == 0 ? (normalised ? input.offset : 0) : 1
        var z = convolve(t, conv, padValue: conv.inputPadValue ?? enginePad)
        for i in 0..<z.values.count {
          z.values[i] = z.values[i] * scale + (conv.bias?[i % z.c] ?? 0)
        }
        if conv.poolAfter && !conv.poolAfterBatchNorm { z = maxPool(z) }
        for i in 0..<z.values.count { z.values[i] = bn(z.values[i], conv.batchNorm, i % z.c) }
        if conv.poolAfter && conv.poolAfterBatchNorm { z = maxPool(z) }
        for i in 0..<z.values.count { z.values[i] = z.values[i] >= 0 ? 1 : -1 }
        t = z
      case .dense(let dense):
        var out: [Float] = []
        for j in 0..<dense.outputCount {
          var dot: Float = 0
          for i in 0..<dense.inputCount { dot += Self.sign(dense.weights[j * dense.inputCount + i]) * t.values[i] }
          let y = bn(dot * scale + (dense.bias?[j] ?? 0), dense.batchNorm, j)
          out.append(index == layers.count - 1 ? y : (y >= 0 ? 1 : -1))
        }
        t = Tensor(h: 1, w: 1, c: out.count, values: out)
      }
    }
    return t.values
  }

  func predict(_ pixels: ArraySlice<UInt8>) -> Int {
    let s = scores(pixels)
    var best = 0
    for j in 1..<s.count where s[j] > s[best] { best = j }
    return best
  }
}

/// Random BatchNorm for `n` channels around a pre-activation of typical size `spread`,
/// with negative gammas (every third) so pooling has to take minimums too.
func randomBatchNorm(_ n: Int, spread: Float, rng: inout SplitMix64) -> BatchNormParameters {
  BatchNormParameters(
    gamma: (0..<n).map { j in (j % 3 == 1 ? -1 : 1) * Float.random(in: 0.3...2, using: &rng) },
    beta: (0..<n).map { _ in Float.random(in: -0.5...0.5, using: &rng) },
    mean: (0..<n).map { _ in Float.random(in: -0.3...0.3, using: &rng) * spread },
    variance: (0..<n).map { _ in spread * spread * Float.random(in: 0.3...1.2, using: &rng) },
    epsilon: 1e-5)
}
