// The popcount variants for cores without a popcount instruction (swar-mul, swar-nomul,
// table; popcount_portable.h) against the bit-by-bit definition, on seeded random rows of
// the sizes kernels meet (0, 1, 63, 64, 65, 127, 128, 129 words) and on edge words.
import CPopcount
import Testing

@Suite struct PopcountVariantTests {
  static let variants: [bnn_popcount_variant] = [BNN_POPCOUNT_SWAR_MUL, BNN_POPCOUNT_SWAR_NOMUL, BNN_POPCOUNT_TABLE]

  /// popcount by testing each bit, written here (independent of the C reference).
  static func definition(_ words: [UInt64]) -> UInt32 {
    var n: UInt32 = 0
    for w in words { for b in 0..<64 where (w >> UInt64(b)) & 1 == 1 { n += 1 } }
    return n
  }

  static func count(_ variant: bnn_popcount_variant, _ words: [UInt64]) -> UInt32 {
    words.withUnsafeBufferPointer { bnn_popcount_words(variant, $0.baseAddress, $0.count) }
  }

  @Test(arguments: [0, 1, 63, 64, 65, 127, 128, 129])
  func randomRows(words: Int) {
    var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(words))
    for trial in 0..<20 {
      // Dense, sparse and nearly full rows: popcounts near 0, 32 and 64 per word.
      let row: [UInt64] = (0..<words).map { _ in
        switch trial % 3 {
        case 0: return rng.next()
        case 1: return rng.next() & rng.next() & rng.next()
        default: return rng.next() | rng.next() | rng.next()
        }
      }
      let expected = Self.definition(row)
      #expect(Self.count(BNN_POPCOUNT_REFERENCE, row) == expected)
      for v in Self.variants {
        #expect(Self.count(v, row) == expected, "\(String(cString: bnn_popcount_variant_name(v))), \(words) words")
      }
    }
  }

  @Test func edgeWords() {
    // Every single-bit word, all ones, all zeros, alternating patterns, byte boundaries.
    var words: [UInt64] = [
      0, ~0, 0x5555_5555_5555_5555, 0xAAAA_AAAA_AAAA_AAAA, 0xFF00_FF00_FF00_FF00, 0x8000_0000_0000_0001,
    ]
    for b in 0..<64 { words.append(1 << UInt64(b)) }
    for b in 0..<64 { words.append(~(1 << UInt64(b))) }
    for w in words {
      for v in Self.variants {
        #expect(
          Self.count(v, [w]) == UInt32(w.nonzeroBitCount), "\(String(cString: bnn_popcount_variant_name(v))), word \(w)"
        )
      }
    }
    // A long row of all ones: 129 words = 8,256 bits (no per-word overflow anywhere).
    let ones = [UInt64](repeating: ~0, count: 129)
    for v in Self.variants { #expect(Self.count(v, ones) == 129 * 64) }
  }

  @Test func scalarKernelsUseAKnownVariant() {
    let chosen = bnn_scalar_popcount_variant()
    #expect(Self.variants.contains(chosen))
    #expect(String(cString: bnn_popcount_variant_name(chosen)) != "unknown")
  }
}
