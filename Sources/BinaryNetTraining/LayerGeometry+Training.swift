import BinaryNet
import CFloatKernels

/// What the trainer's kernels need of a layer's geometry.
extension LayerGeometry {
  /// The window for the im2col kernels.
  var cWindow: bnn_window {
    bnn_window(
      height: input.height, width: input.width, channels: input.channels,
      kernel_height: window.kernelHeight, kernel_width: window.kernelWidth, stride: window.stride,
      pad_top: window.leadingPad(input: input.height, kernel: window.kernelHeight),
      pad_left: window.leadingPad(input: input.width, kernel: window.kernelWidth),
      out_height: convolution.height, out_width: convolution.width)
  }

  /// Images unfolded at a time: the unfolded block (`images x convolutionPixels x K`
  /// floats) stays near 4 MB, cache-sized. A fixed function of the geometry, so that the
  /// weight gradient's summation order never depends on the thread count.
  public var imagesPerUnfold: Int { max(1, (1 << 20) / max(1, convolutionPixels * dotLength)) }
}
