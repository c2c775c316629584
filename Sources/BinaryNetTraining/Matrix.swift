/// A row-major `rows x cols` float32 matrix in its own 64-byte aligned allocation.
///
/// A class with a raw pointer rather than `[Float]` so that the hot loops and the C
/// kernels work on stable memory without copy-on-write checks or nested closures.
/// Not thread-safe by itself: callers give disjoint parts to different threads.
public final class Matrix {
  public let rows: Int
  public let cols: Int
  public let data: UnsafeMutablePointer<Float>

  /// A zero-filled matrix.
  public init(rows: Int, cols: Int) {
    precondition(rows >= 0 && cols >= 0)
    self.rows = rows
    self.cols = cols
    let bytes = max(1, rows * cols) * MemoryLayout<Float>.stride
    let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    data = raw.bindMemory(to: Float.self, capacity: max(1, rows * cols))
    data.initialize(repeating: 0, count: max(1, rows * cols))
  }

  /// A matrix holding `values` (row-major, `rows * cols` of them).
  public convenience init(rows: Int, cols: Int, values: [Float]) {
    precondition(values.count == rows * cols, "value count does not match the shape")
    self.init(rows: rows, cols: cols)
    values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
  }

  deinit { data.deallocate() }

  public var count: Int { rows * cols }

  public subscript(row: Int, col: Int) -> Float {
    get { data[row * cols + col] }
    set { data[row * cols + col] = newValue }
  }

  /// Pointer to the first element of `row`.
  @inline(__always) public func row(_ row: Int) -> UnsafeMutablePointer<Float> {
    data + row * cols
  }

  /// The elements, row-major.
  public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

  /// Overwrites every element with `values` (row-major).
  public func assign(_ values: [Float]) {
    precondition(values.count == count)
    values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
  }

  public func fill(_ value: Float) { data.update(repeating: value, count: count) }
}
