import Dispatch

/// Splits work over a fixed number of threads with `DispatchQueue.concurrentPerform`.
///
/// Work is always cut into the same chunks for a given thread count, and every
/// element is produced by exactly one chunk, so results never depend on scheduling.
public enum Parallel {
  /// Calls `body` on `min(threads, count / minimumChunk)` contiguous, disjoint parts of
  /// `0..<count` concurrently. Part boundaries are multiples of `alignment`.
  public static func forEachChunk(
    count: Int, threads: Int, alignment: Int = 1, minimumChunk: Int = 1,
    _ body: (Range<Int>) -> Void
  ) {
    let parts = chunks(
      count: count, threads: threads, alignment: alignment, minimumChunk: minimumChunk)
    if parts.count <= 1 {
      if count > 0 { body(0..<count) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let work = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: parts.count) { work.value(parts[$0]) }
    }
  }

  /// The parts `forEachChunk` uses: near-equal, aligned, covering `0..<count`.
  public static func chunks(count: Int, threads: Int, alignment: Int = 1, minimumChunk: Int = 1)
    -> [Range<Int>]
  {
    guard count > 0 else { return [] }
    let units = (count + alignment - 1) / alignment
    let parts = max(1, min(threads, units, count / max(1, minimumChunk)))
    var ranges: [Range<Int>] = []
    var start = 0
    for part in 0..<parts {
      let endUnit = units * (part + 1) / parts
      let end = min(count, endUnit * alignment)
      if end > start { ranges.append(start..<end) }
      start = end
    }
    return ranges
  }
}

/// Hands a value to `concurrentPerform` workers. The callers guarantee that the workers
/// touch disjoint memory, which the type system cannot see through raw pointers.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
