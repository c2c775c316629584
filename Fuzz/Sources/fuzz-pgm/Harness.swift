#if canImport(Glibc)
  import Glibc
#endif

let checkKnownIssues = getenv("BNN_FUZZ_ALL") != nil

/// PGM reader (bnn-run's PGMImage.swift, compiled in through a symlink).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPGM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  // Known, reported (docs/ROBUSTNESS.md, reproducers/pgm-p2-huge-header.pgm): the reader
  // allocates width*height bytes before checking that the data can hold them. Inputs that
  // announce far more pixels than they have bytes are skipped so the fuzzer looks past it,
  // unless BNN_FUZZ_ALL is set (to reproduce: BNN_FUZZ_ALL=1 fuzz-pgm reproducers/pgm-*).
  if !checkKnownIssues, let (width, height) = headerSize(bytes) {
    let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
    if overflow || pixels > 4 * bytes.count + 4096 { return 0 }
  }
  do {
    let image = try PGMImage(bytes: bytes)
    precondition(image.pixels.count == image.width * image.height)
  } catch {
    _ = error.description
  }
  return 0
}

/// Width and height as the PGM header announces them (whitespace and # comments skipped).
func headerSize(_ bytes: [UInt8]) -> (Int, Int)? {
  var cursor = 2
  func number() -> Int? {
    while cursor < bytes.count {
      if bytes[cursor] == UInt8(ascii: "#") {
        while cursor < bytes.count && bytes[cursor] != 0x0A { cursor += 1 }
      } else if bytes[cursor] <= 0x20 {
        cursor += 1
      } else {
        break
      }
    }
    var value = 0
    var digits = 0
    while cursor < bytes.count, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39, value < 1 << 30 {
      value = value * 10 + Int(bytes[cursor] - 0x30)
      digits += 1
      cursor += 1
    }
    return digits > 0 ? value : nil
  }
  guard bytes.count > 2, let width = number(), let height = number() else { return nil }
  return (width, height)
}
