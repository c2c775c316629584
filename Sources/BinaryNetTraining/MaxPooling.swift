import BinaryNet
import CFloatKernels

/// 2x2 max pooling with stride 2 over NHWC tensors (odd last rows and columns dropped),
/// split between threads by image:
///
///     out[n][y][x][c] = max(in[n][2y][2x][c], in[n][2y][2x+1][c], in[n][2y+1][2x][c], in[n][2y+1][2x+1][c])
///
/// Backward routes each output's gradient to the input that won (the first in that order
/// on ties); every other input gets 0.
enum MaxPooling {
  /// Pools `images` tensors of `shape` into `out`, recording the winners (`0...3`, one
  /// byte per output element).
  static func forward(
    _ input: UnsafePointer<Float>, images: Int, shape: TensorShape,
    into out: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>, threads: Int
  ) {
    let inSize = shape.elementCount
    let outSize = (shape.height / 2) * (shape.width / 2) * shape.channels
    let p = UncheckedSendable((input, out, winners))
    Parallel.forEachChunk(
      count: images, threads: threads, minimumChunk: max(1, (1 << 15) / max(1, inSize))
    ) { range in
      let (input, out, winners) = p.value
      let i = range.lowerBound
      bnn_maxpool2x2_forward(
        input + i * inSize, range.count, shape.height, shape.width, shape.channels,
        out + i * outSize, winners + i * outSize)
    }
  }

  /// The gradient w.r.t. the pooling's input (`images` tensors of `shape`) from the
  /// gradient w.r.t. its output and the forward pass's winners.
  static func backward(
    _ outputGradient: UnsafePointer<Float>, winners: UnsafePointer<UInt8>, images: Int,
    shape: TensorShape, into inputGradient: UnsafeMutablePointer<Float>, threads: Int
  ) {
    let inSize = shape.elementCount
    let outSize = (shape.height / 2) * (shape.width / 2) * shape.channels
    let p = UncheckedSendable((outputGradient, winners, inputGradient))
    Parallel.forEachChunk(
      count: images, threads: threads, minimumChunk: max(1, (1 << 15) / max(1, inSize))
    ) { range in
      let (gradient, winners, target) = p.value
      let i = range.lowerBound
      bnn_maxpool2x2_backward(
        gradient + i * outSize, winners + i * outSize, range.count, shape.height, shape.width,
        shape.channels, target + i * inSize)
    }
  }
}
