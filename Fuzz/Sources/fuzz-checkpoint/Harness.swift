import BinaryNetTraining
import FuzzSupport

/// Checkpoint reader. When the first byte is odd the input (minus that byte) gets the
/// magic, the format version and a correct trailing CRC-32, so the metadata and tensor
/// checks behind them are reached.
let scratch = ScratchFile("run.ckpt")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data, size > 0 else { return 0 }
  var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  if data[0] & 1 == 1 && bytes.count >= 24 {
    bytes.replaceSubrange(0..<8, with: Checkpoint.magic)
    bytes.replaceSubrange(8..<12, with: [2, 0, 0, 0])
    let crc = crc32(bytes.dropLast(4))
    for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
  }
  bytes.withUnsafeBufferPointer { scratch.write($0.baseAddress, $0.count) }
  do {
    let checkpoint = try Checkpoint.read(fromFile: scratch.path)
    for (entry, values) in zip(checkpoint.metadata.tensors, checkpoint.tensors) {
      precondition(entry.count == values.count)
    }
  } catch {
    precondition(error.description.contains(scratch.path))
  }
  return 0
}

/// CRC-32 (IEEE), bitwise.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
  }
  return ~crc
}
