import CPopcount

/// The output positions of a 'same' convolution whose windows cover padding, grouped into
/// border classes (format v3, docs/FORMAT.md "Border thresholds").
///
/// Along one axis, the first `leading` outputs overhang the start of the input and the
/// last `trailing` outputs (only) its end. Output `o` has class `o` for `o < leading`,
/// `leading + 1 + (o - (out - trailing))` for the last `trailing`, and `leading` (the
/// interior, no padding) otherwise. Every class sees the same padded kernel taps at each
/// of its positions, so a correction that depends only on which taps are padding is one
/// value per class and channel.
public struct AxisBorder: Equatable, Sendable {
  public var leading: Int
  public var trailing: Int

  /// `leading + 1 + trailing`: the border classes and the interior.
  public var classCount: Int { leading + 1 + trailing }

  public init(leading: Int, trailing: Int) {
    self.leading = leading
    self.trailing = trailing
  }

  /// The border of an axis of `input` positions under `window`'s stride and padding.
  public init(input: Int, kernel: Int, window: Geometry) {
    let out = window.outputLength(input: input, kernel: kernel) ?? 0
    let pad = window.leadingPad(input: input, kernel: kernel)
    var leading = 0
    var trailing = 0
    for o in 0..<out {
      let start = o * window.stride - pad
      if start < 0 {
        leading += 1
      } else if start + kernel > input {
        trailing += 1
      }
    }
    self.leading = leading
    self.trailing = trailing
  }

  /// The class of output position `o` of `outputs`.
  public func classIndex(ofOutput o: Int, outputs: Int) -> Int {
    if o < leading { return o }
    if o >= outputs - trailing { return leading + 1 + (o - (outputs - trailing)) }
    return leading
  }

  /// An output position of class `index` (nil for the interior when the axis has none).
  public func representative(ofClass index: Int, outputs: Int) -> Int? {
    if index < leading { return index }
    if index > leading { return outputs - trailing + (index - leading - 1) }
    return leading < outputs - trailing ? leading : nil
  }

  var cValue: bnn_axis_border { bnn_axis_border(leading: leading, trailing: trailing) }
}

/// The border classes of a convolution over an input shape: rows x columns.
public struct ConvolutionBorder: Equatable, Sendable {
  public var rows: AxisBorder
  public var columns: AxisBorder

  public init(input: TensorShape, window: Geometry) {
    rows = AxisBorder(input: input.height, kernel: window.kernelHeight, window: window)
    columns = AxisBorder(input: input.width, kernel: window.kernelWidth, window: window)
  }

  /// Number of (row class, column class) pairs, the interior included.
  public var classCount: Int { rows.classCount * columns.classCount }

  /// Whether some window covers padding.
  public var isEmpty: Bool { classCount == 1 }

  /// The class index `rowClass * columnClasses + columnClass` of interior positions.
  public var interiorClass: Int { rows.leading * columns.classCount + columns.leading }

  /// Whether the kernel tap `(ky, kx)` falls on padding for the positions of class
  /// `index` (false everywhere for the interior).
  public func tapIsPadding(ky: Int, kx: Int, ofClass index: Int, input: TensorShape, window: Geometry) -> Bool {
    let out = window.outputShape(input: input, channels: 1)!
    let rowClass = index / columns.classCount
    let columnClass = index % columns.classCount
    if let oy = rows.representative(ofClass: rowClass, outputs: out.height) {
      let iy = oy * window.stride - window.leadingPad(input: input.height, kernel: window.kernelHeight) + ky
      if iy < 0 || iy >= input.height { return true }
    }
    if let ox = columns.representative(ofClass: columnClass, outputs: out.width) {
      let ix = ox * window.stride - window.leadingPad(input: input.width, kernel: window.kernelWidth) + kx
      if ix < 0 || ix >= input.width { return true }
    }
    return false
  }
}
