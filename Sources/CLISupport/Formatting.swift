import Foundation

/// Right-aligned text in `width` columns.
public func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// `value` with `digits` decimals.
public func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// `fraction` as a percentage with two decimals (`98.81%`).
public func percent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }

/// `m:ss` or `h:mm:ss`.
public func clock(_ seconds: Double) -> String {
  let total = Int(max(0, seconds).rounded())
  let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
  let ss = s < 10 ? "0\(s)" : "\(s)"
  if h > 0 { return "\(h):\(m < 10 ? "0" : "")\(m):\(ss)" }
  return "\(m):\(ss)"
}

/// The `Double` whose shortest decimal form is the `Float`'s (0.003, not 0.0030000000260770321).
public func shortestDouble(_ value: Float) -> Double { Double(String(value)) ?? Double(value) }

/// Number of cores to use by default.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
