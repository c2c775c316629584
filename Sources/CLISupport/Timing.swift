import Foundation

/// Seconds since an arbitrary start, monotonic.
public func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The value at quantile `q` (0...1) of ascending `sorted` values (nearest rank).
public func percentile(_ sorted: [Double], _ q: Double) -> Double {
  sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
}

/// The median of `values` (the mean of the middle two for an even count), 0 when empty.
public func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return 0 }
  return sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
