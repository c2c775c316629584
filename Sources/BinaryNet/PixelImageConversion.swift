// Grey/colour conversion, resizing and inversion of a `PixelImage`, in integers only, so
// every platform (and a JavaScript port) computes the same bytes. Each formula below is
// the whole rule; "/" is integer division of non-negative numbers (rounding down), and
// every intermediate is held in 64 bits.

extension PixelImage {
  /// The image with `channels` channels (1 or 3; the same count returns the image as it is).
  ///
  /// - grey to RGB repeats the value: `R = G = B = v`;
  /// - RGB to grey is the ITU-R BT.601 luma, rounded: `(299 R + 587 G + 114 B + 500) / 1000`.
  ///
  /// Grey to RGB to grey gives the grey image back (the weights add up to 1000).
  public func converted(toChannels channels: Int) -> PixelImage {
    precondition(channels == 1 || channels == 3, "an image has 1 or 3 channels")
    if channels == self.channels { return self }
    let count = width * height
    if channels == 3 {
      var rgb = [UInt8](repeating: 0, count: count * 3)
      for i in 0..<count {
        let v = pixels[i]
        rgb[3 * i] = v
        rgb[3 * i + 1] = v
        rgb[3 * i + 2] = v
      }
      return PixelImage(width: width, height: height, channels: 3, pixels: rgb)
    }
    var grey = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
      let red = UInt32(pixels[3 * i])
      let green = UInt32(pixels[3 * i + 1])
      let blue = UInt32(pixels[3 * i + 2])
      grey[i] = UInt8((299 * red + 587 * green + 114 * blue + 500) / 1000)
    }
    return PixelImage(width: width, height: height, channels: 1, pixels: grey)
  }

  /// `255 - value` for every sample (dark-on-light to MNIST's light-on-dark).
  public func inverted() -> PixelImage {
    PixelImage(width: width, height: height, channels: channels, pixels: pixels.map { 255 - $0 })
  }

  /// The image resized to `width x height` (each at least 1; so must the image's own be),
  /// every channel alike. Resizing to the same size returns the same pixels with either
  /// method. With source size `W x H` and output size `w x h`:
  ///
  /// **area** (box filter, exact): output pixel `(x, y)` covers the source rectangle
  /// `[x W / w, (x + 1) W / w) x [y H / h, (y + 1) H / h)`. Measured in units of `1 / w`
  /// across and `1 / h` down, source column `i` and output column `x` overlap by
  ///
  ///     wx(x, i) = max(0, min((x + 1) W, (i + 1) w) - max(x W, i w))
  ///
  /// (likewise `wy(y, j)` with `H`, `h`); the weights of an output pixel add up to `W H`.
  /// Then
  ///
  ///     out(x, y) = (sum over i, j of wx(x, i) wy(y, j) in(i, j) + (W H) / 2) / (W H)
  ///
  /// the exact covered-area mean, rounded half up. Shrinking by whole factors
  /// (`W = k w`, `H = m h`) gives the rounded mean of each `k x m` block.
  ///
  /// **bilinear** (half-pixel centres, edges clamped): output column `x` samples the
  /// source at `sx = (x + 1/2) W / w - 1/2`, kept as the fraction
  /// `sx = nx / dx` with `nx = (2 x + 1) W - w`, `dx = 2 w`. If `nx < 0`: `x0 = 0`,
  /// `fx = 0`; else `x0 = nx / dx`, `fx = nx - x0 dx`; if `x0 >= W - 1`: `x0 = W - 1`,
  /// `fx = 0`; `x1 = min(x0 + 1, W - 1)`. Likewise `y0, y1, fy, dy = 2 h` down. Then
  ///
  ///     out = ((dx - fx)(dy - fy) in(x0, y0) + fx (dy - fy) in(x1, y0)
  ///            + (dx - fx) fy in(x0, y1) + fx fy in(x1, y1) + (dx dy) / 2) / (dx dy)
  ///
  /// rounded half up. Only the four nearest source pixels count: for shrinking by more
  /// than 2, `area` is the right choice.
  ///
  /// For sides up to 65535 every intermediate stays below 2^53, so a port that computes
  /// in doubles (JavaScript numbers) is exact too.
  public func resized(width newWidth: Int, height newHeight: Int, method: ResizeMethod) -> PixelImage {
    precondition(newWidth >= 1 && newHeight >= 1, "a resized image has at least 1x1 pixels")
    precondition(width >= 1 && height >= 1, "an empty image cannot be resized")
    if newWidth == width && newHeight == height { return self }
    switch method {
    case .area: return areaResized(width: newWidth, height: newHeight)
    case .bilinear: return bilinearResized(width: newWidth, height: newHeight)
    }
  }

  /// The box filter: a horizontal pass of unrounded weighted sums, then a vertical pass
  /// over them and one rounded division (the same sum as the 2-D formula).
  private func areaResized(width newWidth: Int, height newHeight: Int) -> PixelImage {
    let columns = AreaWeights(source: width, output: newWidth)
    let rows = AreaWeights(source: height, output: newHeight)
    // Horizontal pass: for each source row, sum over i of wx(x, i) in(i, row).
    var across = [UInt64](repeating: 0, count: height * newWidth * channels)
    for row in 0..<height {
      for x in 0..<newWidth {
        for c in 0..<channels {
          var sum: UInt64 = 0
          for k in columns.spans[x] {
            sum += columns.weights[k] * UInt64(pixels[(row * width + columns.sources[k]) * channels + c])
          }
          across[(row * newWidth + x) * channels + c] = sum
        }
      }
    }
    // Vertical pass and the rounded division by W H.
    let total = UInt64(width) * UInt64(height)
    var output = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
    for y in 0..<newHeight {
      for x in 0..<newWidth {
        for c in 0..<channels {
          var sum: UInt64 = 0
          for k in rows.spans[y] {
            sum += rows.weights[k] * across[(rows.sources[k] * newWidth + x) * channels + c]
          }
          output[(y * newWidth + x) * channels + c] = UInt8((sum + total / 2) / total)
        }
      }
    }
    return PixelImage(width: newWidth, height: newHeight, channels: channels, pixels: output)
  }

  private func bilinearResized(width newWidth: Int, height newHeight: Int) -> PixelImage {
    let columns = (0..<newWidth).map { BilinearTap(output: $0, outputSize: newWidth, sourceSize: width) }
    let rows = (0..<newHeight).map { BilinearTap(output: $0, outputSize: newHeight, sourceSize: height) }
    let dx = UInt64(2 * newWidth)
    let dy = UInt64(2 * newHeight)
    let denominator = dx * dy
    var output = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
    for y in 0..<newHeight {
      let r = rows[y]
      for x in 0..<newWidth {
        let col = columns[x]
        let w00 = (dx - col.fraction) * (dy - r.fraction)
        let w10 = col.fraction * (dy - r.fraction)
        let w01 = (dx - col.fraction) * r.fraction
        let w11 = col.fraction * r.fraction
        for c in 0..<channels {
          let p00 = UInt64(pixels[(r.first * width + col.first) * channels + c])
          let p10 = UInt64(pixels[(r.first * width + col.second) * channels + c])
          let p01 = UInt64(pixels[(r.second * width + col.first) * channels + c])
          let p11 = UInt64(pixels[(r.second * width + col.second) * channels + c])
          let sum = w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11
          output[(y * newWidth + x) * channels + c] = UInt8((sum + denominator / 2) / denominator)
        }
      }
    }
    return PixelImage(width: newWidth, height: newHeight, channels: channels, pixels: output)
  }
}

/// The area weights along one axis: for output index `x`, the source indices
/// `sources[k]` and weights `weights[k]` for `k` in `spans[x]` (only non-zero overlaps).
private struct AreaWeights {
  var sources: [Int] = []
  var weights: [UInt64] = []
  var spans: [Range<Int>] = []

  /// `w(x, i) = max(0, min((x + 1) S, (i + 1) n) - max(x S, i n))` for source size `S`
  /// and output size `n`, both measured in units of `1 / n` of a source pixel.
  init(source: Int, output: Int) {
    let s = UInt64(source)
    let n = UInt64(output)
    for x in 0..<output {
      let start = UInt64(x) * s
      let end = start + s
      let first = Int(start / n)
      let start0 = sources.count
      var i = first
      while i < source && UInt64(i) * n < end {
        let overlap = min(end, UInt64(i + 1) * n) - max(start, UInt64(i) * n)
        if overlap > 0 {
          sources.append(i)
          weights.append(overlap)
        }
        i += 1
      }
      spans.append(start0..<sources.count)
    }
  }
}

/// Where bilinear output index `x` samples along one axis: between source indices
/// `first` and `second`, `fraction / (2 n)` of the way (see `resized`).
private struct BilinearTap {
  var first: Int
  var second: Int
  var fraction: UInt64

  init(output x: Int, outputSize n: Int, sourceSize s: Int) {
    let numerator = Int64(2 * x + 1) * Int64(s) - Int64(n)
    let denominator = Int64(2 * n)
    var index = 0
    var remainder: Int64 = 0
    if numerator > 0 {
      index = Int(numerator / denominator)
      remainder = numerator - Int64(index) * denominator
    }
    if index >= s - 1 {
      index = s - 1
      remainder = 0
    }
    first = index
    second = min(index + 1, s - 1)
    fraction = UInt64(remainder)
  }
}
