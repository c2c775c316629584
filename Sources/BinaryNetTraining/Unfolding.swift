import CFloatKernels

/// im2col (`unfold`) and its adjoint col2im (`fold`) over NHWC images, split between
/// threads by image (each image's rows are written by one thread: results do not depend
/// on the split). See `bnn_im2col` for the layout.
enum Unfolding {
  /// `cols[(n, oy, ox)][(ky, kx, c)] = x[n][oy*s + ky - padTop][ox*s + kx - padLeft][c]`,
  /// or `padValue` outside the image.
  static func unfold(
    _ images: UnsafePointer<Float>, images count: Int, window: bnn_window, padValue: Float,
    into cols: UnsafeMutablePointer<Float>, threads: Int
  ) {
    let imageSize = window.height * window.width * window.channels
    let rowsPerImage = window.out_height * window.out_width
    let rowSize = window.kernel_height * window.kernel_width * window.channels
    let p = UncheckedSendable((images, cols))
    Parallel.forEachChunk(
      count: count, threads: threads,
      minimumChunk: max(1, (1 << 14) / max(1, rowsPerImage * rowSize))
    ) { range in
      var w = window
      bnn_im2col(
        p.value.0 + range.lowerBound * imageSize, range.count, &w, padValue,
        p.value.1 + range.lowerBound * rowsPerImage * rowSize)
    }
  }

  /// `x = 0`, then every element of `cols` is added onto the input position `unfold` read
  /// it from (padding positions are dropped).
  static func fold(
    _ cols: UnsafePointer<Float>, images count: Int, window: bnn_window,
    into images: UnsafeMutablePointer<Float>, threads: Int
  ) {
    let imageSize = window.height * window.width * window.channels
    let rowsPerImage = window.out_height * window.out_width
    let rowSize = window.kernel_height * window.kernel_width * window.channels
    let p = UncheckedSendable((cols, images))
    Parallel.forEachChunk(
      count: count, threads: threads,
      minimumChunk: max(1, (1 << 14) / max(1, rowsPerImage * rowSize))
    ) { range in
      var w = window
      bnn_col2im(
        p.value.0 + range.lowerBound * rowsPerImage * rowSize, range.count, &w,
        p.value.1 + range.lowerBound * imageSize)
    }
  }
}
