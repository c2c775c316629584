/// PGM reader (bnn-run's PGMImage.swift, compiled in through a symlink).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPGM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  do throws(PGMError) {
    let image = try PGMImage(bytes: bytes)
    precondition(image.pixels.count == image.width * image.height)
  } catch {
    _ = error.description
  }
  return 0
}
