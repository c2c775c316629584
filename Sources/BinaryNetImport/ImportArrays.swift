import BinaryNetData

/// The parameter arrays of an import `.npz`, fetched by the names the document gives
/// and checked before use: present, float32 little-endian (`<f4`), C order, exactly the
/// expected shape, every element finite.
struct ImportArrays {
  let archive: NumPyArchive

  /// The array that `entry`'s field `field` names, as `[Float]` in C order. A null (or
  /// absent) field gives nil when `optional`, and is an error otherwise.
  func floats(_ entry: LayerEntry, _ field: String, shape: [Int], optional: Bool = false) throws(ImportError)
    -> [Float]?
  {
    let name: String
    if optional {
      guard let given = try entry.fields.optionalString(field) else { return nil }
      name = given
    } else {
      name = try entry.fields.string(field)
    }
    let what = entry.label + ": array '" + LayerEntry.printable(name) + "' (" + field + ")"
    let found: NumPyArrayData?
    do { found = try archive.array(named: name) } catch { throw ImportError(error.description) }
    guard let array = found else { throw ImportError(what + " is missing from the archive") }
    guard array.descr == "<f4" else {
      throw ImportError(what + " has dtype " + array.descr + "; only float32 ('<f4') is supported")
    }
    guard array.shape == shape else {
      throw ImportError(what + " has shape " + array.shapeText + ", expected " + shapeText(shape))
    }
    guard let values = array.float32Values() else {
      throw ImportError(what + " is in Fortran order; only C order is supported")
    }
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw ImportError(what + ": element " + String(bad) + " is " + String(values[bad]) + " (not finite)")
    }
    return values
  }

  func shapeText(_ shape: [Int]) -> String {
    "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
  }
}
