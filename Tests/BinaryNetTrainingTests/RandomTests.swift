import Testing

@testable import BinaryNetTraining

@Suite struct RandomTests {
  /// Values from an independent implementation of SplitMix64 + xoshiro256** (Python).
  @Test func matchesTheReferenceAlgorithm() {
    var rng = Xoshiro256(seed: 0)
    #expect(
      rng.state == [
        0xe220_a839_7b1d_cdaf, 0x6e78_9e6a_a1b9_65f4, 0x06c4_5d18_8009_454f, 0xf88b_b8a8_724c_81ec,
      ])
    #expect(
      [rng.next(), rng.next(), rng.next()] == [
        0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a, 0x1a5f_849d_4933_e6e0,
      ])
    var other = Xoshiro256(seed: 42)
    #expect(
      [other.next(), other.next(), other.next()] == [
        0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1,
      ])
  }

  @Test func permutationsAreReproduciblePermutations() {
    var first = Xoshiro256(seed: 5)
    var second = Xoshiro256(seed: 5)
    let order = first.permutation(1000)
    #expect(order == second.permutation(1000))
    #expect(order.sorted() == Array(0..<1000))
    #expect(order != Array(0..<1000))
    #expect(first == second)
  }

  @Test func drawsStayInRange() {
    var rng = Xoshiro256(seed: 3)
    for bound in [1, 2, 3, 10, 1000] {
      for _ in 0..<200 {
        let index = rng.nextIndex(below: bound)
        #expect(index >= 0 && index < bound)
      }
    }
    for _ in 0..<1000 {
      let unit = rng.nextUnitFloat()
      #expect(unit >= 0 && unit < 1)
    }
  }
}
