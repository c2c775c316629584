import BinaryNet

/// xoshiro256** pseudo-random generator (Blackman & Vigna), seeded through SplitMix64.
///
/// Small, fast and fully determined by its four-word state, which the checkpoint stores
/// so that a resumed run draws exactly the numbers an uninterrupted run would.
public struct Xoshiro256: RandomNumberGenerator, Codable, Equatable, Sendable {
  public var state: [UInt64]

  /// Expands `seed` into the 256-bit state with SplitMix64 (never all zero).
  public init(seed: UInt64) {
    var splitMix = SplitMix64(seed: seed)
    state = (0..<4).map { _ in splitMix.next() }
  }

  public mutating func next() -> UInt64 {
    let result = rotateLeft(state[1] &* 5, 7) &* 9
    let t = state[1] << 17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = rotateLeft(state[3], 45)
    return result
  }

  /// Uniform in [0, 1) with 24 random bits.
  public mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Uniform in `0..<bound` without modulo bias (Lemire's multiply-shift with rejection).
  public mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0)
    let range = UInt64(bound)
    let threshold = (0 &- range) % range
    while true {
      let product = next().multipliedFullWidth(by: range)
      if product.low >= threshold { return Int(product.high) }
    }
  }

  /// A Fisher-Yates permutation of `0..<count`.
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    if count < 2 { return order }
    for index in stride(from: count - 1, to: 0, by: -1) {
      order.swapAt(index, nextIndex(below: index + 1))
    }
    return order
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
