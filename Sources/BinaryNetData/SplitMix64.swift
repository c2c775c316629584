/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator whose sequence is fixed
/// by its seed on every platform and Swift version (the standard library's shuffles are not
/// promised to be), so a split made with seed S is the same split everywhere.
struct SplitMix64 {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, unbiased).
  mutating func next(below bound: Int) -> Int {
    precondition(bound > 0)
    let range = UInt64(bound)
    let threshold = (0 &- range) % range
    while true {
      let product = next().multipliedFullWidth(by: range)
      if product.low >= threshold { return Int(product.high) }
    }
  }
}
