/// Text that is safe as one component of a file name on every common file system: ASCII
/// letters, digits, `-`, `_` and `.` kept, every other character (spaces, `/`, `:`,
/// non-ASCII) replaced by `_`, at most `maxLength` characters, never empty and never
/// starting with `.` (hidden files, `.` and `..`: a leading `.` becomes `_`).
public func fileNameComponent(_ text: String, maxLength: Int = 40) -> String {
  var out = ""
  for scalar in text.unicodeScalars.prefix(maxLength) {
    let v = scalar.value
    let keep =
      (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || scalar == "-"
      || scalar == "_" || scalar == "."
    out.unicodeScalars.append(keep ? scalar : "_")
  }
  if out.hasPrefix(".") { out = "_" + out.dropFirst() }
  return out.isEmpty ? "_" : out
}

/// `value` in decimal with leading zeros to at least `digits` digits (`000042`).
public func zeroPadded(_ value: Int, _ digits: Int) -> String {
  let text = String(value)
  return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
}

/// A folder name per class for an image folder tree: each name made safe
/// (`fileNameComponent`); if the safe names are not unique or do not sort (byte order,
/// as an image folder's classes are read back) in class order, every one gets its
/// zero-padded class index in front (`03-cat`), so reading the tree back gives every
/// image its class.
public func classFolderNames(_ names: [String]) -> [String] {
  let safe = names.map { fileNameComponent($0) }
  let inOrder = zip(safe, safe.dropFirst()).allSatisfy { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  if inOrder { return safe }
  let digits = String(max(names.count - 1, 0)).count
  return safe.enumerated().map { zeroPadded($0.offset, digits) + "-" + $0.element }
}
