import BinaryNet
import CPopcount
import Testing

/// Regression tests for what fuzzing found (docs/ROBUSTNESS.md, "Findings").
@Suite struct FuzzFindingTests {
  /// The reader read class labels up to the layer-table offset before checking that the
  /// offset lies inside the file: a well-sealed file whose table offset points past its
  /// end made a label slice run past the bytes (Fuzz/reproducers/model-label-overread.bin).
  @Test func layerTableOffsetPastTheFileIsRefusedBeforeLabelsAreRead() throws {
    var bytes = try smallModelBytes()
    // A long last label reaching past the end, and a table offset beyond the file.
    let labelsOffset = Int(bytes[56]) | Int(bytes[57]) << 8
    for i in 0..<4 { bytes[labelsOffset + i] = UInt8(truncatingIfNeeded: 4000 >> (8 * i)) }
    let table = UInt32(bytes.count + 4096)
    for i in 0..<4 { bytes[60 + i] = UInt8(truncatingIfNeeded: table >> UInt32(8 * i)) }
    let crc = bytes.withUnsafeBytes { bnn_crc32(0, $0.baseAddress!, bytes.count - 4) }
    for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
    do {
      _ = try Model(bytes: bytes)
      Issue.record("accepted")
    } catch {
      #expect(error == .corrupt("layer table out of range"), "\(error)")
    }
  }
}
