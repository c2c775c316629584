/// Spatial padding of a convolution.
public enum Padding: UInt32, Sendable, Equatable {
  /// No padding: only positions where the kernel fits inside the input.
  case valid = 0
  /// Output size `ceil(input / stride)`; the missing border is padding (binary layers pad
  /// with +1, i.e. bit 0; pixel layers pad with pixel value 0). As in TensorFlow, an odd
  /// total pad puts the extra row/column at the bottom/right.
  case same = 1

  public var name: String { self == .valid ? "valid" : "same" }
}

/// The window of a convolution or pooling layer. Dense layers use `.dense` (1x1, stride 1).
public struct Geometry: Equatable, Sendable {
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var stride: Int
  public var padding: Padding

  public init(kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Padding = .same) {
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.stride = stride
    self.padding = padding
  }

  public static let dense = Geometry(kernelHeight: 1, kernelWidth: 1, stride: 1, padding: .valid)
  /// 2x2 max pooling, stride 2, remainders dropped.
  public static let pool2x2 = Geometry(kernelHeight: 2, kernelWidth: 2, stride: 2, padding: .valid)

  /// Output length along one axis, or nil when the window does not fit.
  public func outputLength(input: Int, kernel: Int) -> Int? {
    guard input >= 1, kernel >= 1, stride >= 1 else { return nil }
    switch padding {
    case .same: return (input + stride - 1) / stride
    case .valid: return input >= kernel ? (input - kernel) / stride + 1 : nil
    }
  }

  /// Padding before the first input position along one axis.
  public func leadingPad(input: Int, kernel: Int) -> Int { totalPad(input: input, kernel: kernel) / 2 }

  /// Padding positions along one axis, before and after together:
  /// `max((out - 1) * stride + kernel - input, 0)` for 'same', 0 for 'valid'.
  public func totalPad(input: Int, kernel: Int) -> Int {
    guard padding == .same, let out = outputLength(input: input, kernel: kernel) else { return 0 }
    return max((out - 1) * stride + kernel - input, 0)
  }

  /// Whether some window over `input` covers padding (a 'same' window that overhangs).
  public func coversPadding(input: TensorShape) -> Bool {
    totalPad(input: input.height, kernel: kernelHeight) > 0 || totalPad(input: input.width, kernel: kernelWidth) > 0
  }

  /// The output shape for `input` with `channels` output channels, or nil if it does not fit.
  public func outputShape(input: TensorShape, channels: Int) -> TensorShape? {
    guard let h = outputLength(input: input.height, kernel: kernelHeight),
      let w = outputLength(input: input.width, kernel: kernelWidth)
    else { return nil }
    return TensorShape(height: h, width: w, channels: channels)
  }
}
