import BinaryNet
import FuzzCLISupport

/// Architecture spec parser (`Architecture.parse`), then the shapes it implies for a
/// 28x28 input. Kept tiny: the parser is being rewritten.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchitecture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
  do {
    let architecture = try Architecture.parse(text)
    _ = try architecture.shapes(input: TensorShape(height: 28, width: 28, channels: 1))
  } catch {
    _ = error.description
  }
  return 0
}
