import Foundation

/// `work(i)` for every `i` in `0..<count`, on all cores: the indices are cut into
/// contiguous chunks (8 per core) handed to `DispatchQueue.concurrentPerform`, and each
/// result is stored at its index, so the outcome never depends on the threads' timing.
/// Once a result satisfies `isFailure`, workers start no new index; the indices skipped
/// that way are nil (every nil comes with a failure somewhere in the results).
func parallelResults<Result: Sendable>(
  count: Int, isFailure: @escaping @Sendable (Result) -> Bool = { _ in false },
  _ work: @escaping @Sendable (Int) -> Result
) -> [Result?] {
  let results = UnsafeMutableBufferPointer<Result?>.allocate(capacity: count)
  results.initialize(repeating: nil)
  defer {
    results.deinitialize()
    results.deallocate()
  }
  let chunkCount = min(count, max(1, ProcessInfo.processInfo.activeProcessorCount * 8))
  let failed = FailureFlag()
  let shared = UncheckedSendable(results)
  DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
    for index in (count * chunk / chunkCount)..<(count * (chunk + 1) / chunkCount) {
      if failed.isSet { return }
      let result = work(index)
      if isFailure(result) { failed.set() }
      shared.value[index] = result
    }
  }
  return Array(results)
}

/// Set once by any worker; read by all.
// @unchecked: `value` is only read and written with `lock` held.
private final class FailureFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return value
  }

  func set() {
    lock.lock()
    value = true
    lock.unlock()
  }
}

/// Hands the result buffer to the workers.
// @unchecked: each worker writes only the indices of its own chunk.
private struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
