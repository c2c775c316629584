/// SplitMix64's finaliser applied to a running value: a stateless hash of a few integers.
struct SplitMix64 {
  private(set) var value: UInt64

  init(_ seed: UInt64) { value = Self.finalize(seed) }

  mutating func mix(_ word: UInt64) { value = Self.finalize((value &+ 0x9E37_79B9_7F4A_7C15) ^ word) }

  static func finalize(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
