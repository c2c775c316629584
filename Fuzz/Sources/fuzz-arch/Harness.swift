import BinaryNet

/// The architecture spec parser (`NetworkArchitecture`, in the core): any text either
/// parses or is refused with a message; what parses prints a canonical spec that parses
/// to the same architecture, for a 28x28 input and for the spec's own input size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchitecture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
  let spec: String
  let inputSize: Int?
  do throws(ArchitectureError) {
    spec = try NetworkArchitecture.canonicalSpec(text)
    inputSize = try NetworkArchitecture.declaredInputSize(text)
    let again = try NetworkArchitecture.canonicalSpec(spec)
    precondition(again == spec, "canonical spec is not stable")
  } catch {
    _ = error.description
    return 0
  }
  let shapes = [
    TensorShape(height: 28, width: 28, channels: 1), TensorShape(features: inputSize ?? 1),
  ]
  for shape in shapes {
    do throws(ArchitectureError) {
      let architecture = try NetworkArchitecture.parse(text, input: shape)
      precondition(architecture.spec == spec, "printed spec differs from the canonical one")
      let reparsed = try NetworkArchitecture.parse(spec, input: shape)
      precondition(reparsed == architecture, "round trip differs")
      precondition(architecture.layerGeometries != nil)
    } catch {
      _ = error.description
    }
  }
  return 0
}
