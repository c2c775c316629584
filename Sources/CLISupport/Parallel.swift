import Foundation

/// Runs `body(i)` for `i` in `0..<count` on up to `count` threads and waits.
///
/// The closure may capture unsafe pointers: the caller promises each iteration touches
/// its own part of the memory (that is what makes the data race-free).
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
  withoutActuallyEscaping(body) { escapable in
    let box = UncheckedSendable(escapable)
    DispatchQueue.concurrentPerform(iterations: count) { i in box.value(i) }
  }
}

/// Wraps a value the compiler cannot prove `Sendable`; see `parallelFor`.
// @unchecked: used only where the caller guarantees that concurrent users touch disjoint
// memory (one slice per worker) or only read.
public struct UncheckedSendable<T>: @unchecked Sendable {
  public let value: T
  public init(_ value: T) { self.value = value }
}

/// The first error message reported by any of several workers.
// @unchecked: `message` is only read and written with `lock` held.
public final class FirstError: @unchecked Sendable {
  private let lock = NSLock()
  private var message: String?

  public init() {}

  /// Keeps `text` unless an earlier worker already reported an error.
  public func record(_ text: String) {
    lock.lock()
    if message == nil { message = text }
    lock.unlock()
  }

  /// The first recorded message, nil when no worker failed.
  public var first: String? {
    lock.lock()
    defer { lock.unlock() }
    return message
  }
}
