import BinaryNetData
import BinaryNetImport
import Foundation

/// Rewrites an import `.npz` for the refusal tests: the arrays of a fixture, with
/// `model.json` (and any array) replaced, written as a stored ZIP the way `numpy.savez`
/// does (minus its zip64 local headers, which the reader ignores).
struct NPZBuilder {
  var arrays: [(name: String, npy: [UInt8])] = []

  /// The arrays of the fixture `name` as they are.
  init(fixture name: String) throws {
    let archive = try NumPyArchive(path: LarqFixtures.path(name))
    // The exporter indents its JSON; on one line (`{"a": [1, 2]}`) the edits are simpler.
    json = String(decoding: try archive.array(named: "model.json")!.uint8Values()!, as: UTF8.self)
      .replacingOccurrences(of: "\n *", with: " ", options: .regularExpression)
      .replacingOccurrences(of: "[ ", with: "[").replacingOccurrences(of: " ]", with: "]")
      .replacingOccurrences(of: "{ ", with: "{").replacingOccurrences(of: " }", with: "}")
    for key in archive.arrayNames where key != "model.json" {
      let array = try archive.array(named: key)!
      arrays.append((key, Self.npy(descr: array.descr, shape: array.shape, data: array.data)))
    }
  }

  /// The document as text (written as the `model.json` uint8 array).
  var json: String

  /// `json` with `old` replaced by `new` (which must occur).
  mutating func replace(_ old: String, with new: String) {
    precondition(json.contains(old), "fixture JSON has no \(old)")
    json = json.replacingOccurrences(of: old, with: new)
  }

  mutating func set(_ name: String, _ npy: [UInt8]) {
    if let index = arrays.firstIndex(where: { $0.name == name }) {
      arrays[index].npy = npy
    } else {
      arrays.append((name, npy))
    }
  }

  mutating func remove(_ name: String) { arrays.removeAll { $0.name == name } }

  /// A float32 array.
  static func float32(_ values: [Float], shape: [Int]) -> [UInt8] {
    npy(
      descr: "<f4", shape: shape,
      data: values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } })
  }

  static func npy(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
    let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0a)
    return [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header
      + data
  }

  /// The archive's bytes (stored entries).
  var bytes: [UInt8] {
    var output: [UInt8] = []
    var central: [UInt8] = []
    let document = Self.npy(descr: "|u1", shape: [json.utf8.count], data: Array(json.utf8))
    let all = [("model.json", document)] + arrays
    for (name, data) in all {
      let file = Array((name + ".npy").utf8)
      let crc = Self.crc32(data)
      let offset = UInt32(output.count)
      output += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
      output += le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(file.count)) + le16(0) + file + data
      central += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
      central += le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(file.count))
      central += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + file
    }
    let directory = UInt32(output.count)
    output += central
    output += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(all.count)) + le16(UInt16(all.count))
    output += le32(UInt32(central.count)) + le32(directory) + le16(0)
    return output
  }

  /// The import of these bytes: the model, or the error's text.
  func importResult() -> Result<ImportedModel, ImportError> {
    let archive: NumPyArchive
    do { archive = try NumPyArchive(bytes: bytes, path: "edited.npz") } catch {
      return .failure(ImportError(error.description))
    }
    return Result { () throws(ImportError) in try ModelImport.importModel(archive: archive) }
  }

  /// The error message of the import, nil when it succeeds.
  var importError: String? {
    if case .failure(let error) = importResult() { return error.description }
    return nil
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return ~crc
  }

  private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
  private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
