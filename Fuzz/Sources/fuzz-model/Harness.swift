import BinaryNet
import BinaryNetFiles
import FuzzSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Model reader, then inference on every model it accepts. When the first byte is odd the
/// input (minus that byte) gets a correct file size at offset 16 and a correct trailing
/// CRC-32, so the structural checks behind those two are reached; otherwise it is used as is.
/// One input in 16 goes through `Model(contentsOfFile:)` (the bounded file reader).
let scratch = ScratchFile("model.bnn")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data, size > 0 else { return 0 }
  let mode = data[0]
  var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  if mode & 1 == 1 && bytes.count >= 28 {
    let fileSize = UInt64(bytes.count)
    for i in 0..<8 { bytes[16 + i] = UInt8(truncatingIfNeeded: fileSize >> (8 * UInt64(i))) }
    let crc = bytes.withUnsafeBytes { bnnCRC32($0.baseAddress!, $0.count - 4) }
    for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
  }
  let model: Model
  do {
    if mode & 0xF0 == 0xF0 {
      bytes.withUnsafeBufferPointer { scratch.write($0.baseAddress, $0.count) }
      model = try Model(contentsOfFile: scratch.path)
    } else {
      model = try Model(bytes: bytes)
    }
  } catch {
    _ = error.description
    return 0
  }
  // Accepted: inference must work on any input. Skip absurd input sizes (a report of its
  // own: see docs/ROBUSTNESS.md) so the harness does not run out of memory.
  let pixels = model.input.pixelCount
  guard pixels > 0, pixels <= 1 << 22 else { return 0 }
  var image = [UInt8](repeating: 0, count: pixels * 2)
  for i in image.indices { image[i] = UInt8(truncatingIfNeeded: i &* 37 &+ Int(mode)) }
  do {
    let one = try model.classify(Array(image[0..<pixels]))
    precondition(one.label >= 0 && one.label < model.classCount)
    let two = try model.predictLabels(image, count: 2, batchSize: 2)
    precondition(two.count == 2 && two[0] == one.label, "batch and single inference disagree")
  } catch {
    _ = error.description
  }
  return 0
}

/// CRC-32 (IEEE) of `count` bytes, bitwise (independent of the library's table version).
func bnnCRC32(_ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  let bytes = base.assumingMemoryBound(to: UInt8.self)
  for i in 0..<count {
    crc ^= UInt32(bytes[i])
    for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
  }
  return ~crc
}
