/// Text that is safe as one component of a file name on every common file system: ASCII
/// letters, digits, `-`, `_` and `.` kept, every other character (spaces, `/`, `:`,
/// non-ASCII) replaced by `_`, at most `maxLength` characters, never empty, `.` or `..`
/// (those become `_`).
public func fileNameComponent(_ text: String, maxLength: Int = 40) -> String {
  var out = ""
  for scalar in text.unicodeScalars.prefix(maxLength) {
    let v = scalar.value
    let keep =
      (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || scalar == "-"
      || scalar == "_" || scalar == "."
    out.unicodeScalars.append(keep ? scalar : "_")
  }
  return out.isEmpty || out == "." || out == ".." ? "_" : out
}

/// `value` in decimal with leading zeros to at least `digits` digits (`000042`).
public func zeroPadded(_ value: Int, _ digits: Int) -> String {
  let text = String(value)
  return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
}
