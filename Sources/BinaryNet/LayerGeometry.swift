/// How one weight layer maps its input to its output, as the trainer runs it:
///
///     input (H x W x C) -> window (kernel, stride, padding) -> convolution (OH x OW x N)
///       -> optional 2x2 max pooling -> output (PH x PW x N)
///
/// A dense layer is the convolution whose kernel covers the whole input ('valid', stride
/// 1): its single output pixel reads the flattened HWC input as it is, so it needs no
/// im2col, and its weights `[N][H][W][C]` are the dense `[outputs][inputs]` matrix.
public struct LayerGeometry: Equatable, Sendable {
  public let input: TensorShape
  public let outputChannels: Int
  public let window: Geometry
  public let pool: Bool
  /// The dense form: the kernel covers the input, so no unfolding.
  public let isDense: Bool
  /// After the convolution, before pooling.
  public let convolution: TensorShape
  /// What the layer hands on (after pooling when `pool`).
  public let output: TensorShape

  /// A convolution, or nil when the window (or the pooling) does not fit the input.
  public init?(input: TensorShape, outputChannels: Int, window: Geometry, pool: Bool) {
    guard window.stride >= 1, window.kernelHeight >= 1, window.kernelWidth >= 1,
      let convolution = window.outputShape(input: input, channels: outputChannels),
      let output = pool
        ? Geometry.pool2x2.outputShape(input: convolution, channels: outputChannels) : convolution
    else { return nil }
    self.input = input
    self.outputChannels = outputChannels
    self.window = window
    self.pool = pool
    self.convolution = convolution
    self.output = output
    isDense = false
  }

  /// A dense layer of `outputs` neurons over the whole `input`.
  public init(dense input: TensorShape, outputs: Int) {
    self.input = input
    outputChannels = outputs
    window = Geometry(
      kernelHeight: input.height, kernelWidth: input.width, stride: 1, padding: .valid)
    pool = false
    isDense = true
    convolution = TensorShape(features: outputs)
    output = convolution
  }

  /// K, the length of a weight row: kernel height x kernel width x input channels.
  public var dotLength: Int { window.kernelHeight * window.kernelWidth * input.channels }

  /// Output pixels of the convolution per image (rows of its GEMM per image).
  public var convolutionPixels: Int { convolution.height * convolution.width }

  /// Output pixels after pooling per image (rows of the BatchNorm per image).
  public var outputPixels: Int { output.height * output.width }

  /// Glorot fan-in and fan-out of the weights: `K` and `kernel area x N` for
  /// convolutions, inputs and outputs for dense layers.
  public var fanIn: Int { dotLength }
  public var fanOut: Int {
    isDense ? outputChannels : window.kernelHeight * window.kernelWidth * outputChannels
  }
}
