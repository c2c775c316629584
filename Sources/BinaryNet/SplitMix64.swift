/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose sequence is fixed
/// by its seed on every platform and Swift version (the standard library's shuffles are
/// not promised to be). Used wherever a seed must give the same choice everywhere: data
/// set splits, flips, coloured MNIST, the trainer's xoshiro256** seeding.
///
/// `next()` returns `finalize(state)` and advances `state` by the golden-ratio increment
/// `0x9E3779B97F4A7C15`.
public struct SplitMix64: Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    defer { state &+= Self.increment }
    return Self.finalize(state)
  }

  /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, unbiased).
  public mutating func next(below bound: Int) -> Int {
    precondition(bound > 0)
    let range = UInt64(bound)
    let threshold = (0 &- range) % range
    while true {
      let product = next().multipliedFullWidth(by: range)
      if product.low >= threshold { return Int(product.high) }
    }
  }

  static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

  /// SplitMix64's output function of a state `x`: `z = x + increment`, then
  /// `z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
  /// z ^= z >> 31`. A stateless hash too: `finalize(finalize(a) ^ b)` mixes two words.
  public static func finalize(_ x: UInt64) -> UInt64 {
    var z = x &+ increment
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
