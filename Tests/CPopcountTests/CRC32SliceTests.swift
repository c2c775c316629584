import CPopcount
import Testing

/// `bnn_crc32` reads 8 bytes a step on 64-bit hosts: every length, start alignment and
/// split point must still give the bit-by-bit CRC-32.
@Test func crc32EveryLengthAlignmentAndSplit() {
  var state: UInt32 = 0x1234_5678
  let data: [UInt8] = (0..<600).map { _ in
    state = state &* 1_664_525 &+ 1_013_904_223
    return UInt8(state >> 24)
  }
  data.withUnsafeBytes { buffer in
    for start in 0..<9 {
      for length in 0...(200 - start) {
        let slice = Array(data[start..<(start + length)])
        let expected = crc32Bitwise(slice)
        #expect(bnn_crc32(0, buffer.baseAddress! + start, length) == expected)
        let split = length / 3
        let first = bnn_crc32(0, buffer.baseAddress! + start, split)
        #expect(bnn_crc32(first, buffer.baseAddress! + start + split, length - split) == expected)
      }
    }
    #expect(bnn_crc32(0, buffer.baseAddress!, data.count) == crc32Bitwise(data))
  }
}
