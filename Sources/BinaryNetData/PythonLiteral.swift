/// A value of the Python literal syntax that `.npy` headers are written in:
/// `{'descr': '<i8', 'fortran_order': False, 'shape': (60000, 28, 28), }`.
///
/// Grammar read: strings ('…' or "…", with backslash escapes taken literally), integers
/// (an optional sign, digits, an optional Python 2 `L`), `True`, `False`, `None`, tuples,
/// lists and dictionaries with string keys, trailing commas allowed, nesting at most
/// `maximumDepth` deep. Anything else is an error that says where.
enum PythonLiteral: Equatable {
  case string(String)
  case integer(Int)
  case boolean(Bool)
  case none
  case sequence([PythonLiteral])
  case dictionary([String: PythonLiteral])

  static let maximumDepth = 16

  /// Parses `text` as one literal followed only by white space.
  static func parse(_ text: [UInt8]) throws(PythonLiteralError) -> PythonLiteral {
    var parser = Parser(text: text)
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    if parser.position < text.count { throw parser.error("unexpected text after the value") }
    return value
  }
}

/// Why a header literal could not be parsed: `reason` and the byte offset.
struct PythonLiteralError: Error {
  var reason: String
}

private struct Parser {
  let text: [UInt8]
  var position = 0

  init(text: [UInt8]) { self.text = text }

  func error(_ reason: String) -> PythonLiteralError {
    PythonLiteralError(reason: "\(reason) at offset \(position)")
  }

  var current: UInt8? { position < text.count ? text[position] : nil }

  mutating func skipSpace() {
    while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { position += 1 }
  }

  mutating func value(depth: Int) throws(PythonLiteralError) -> PythonLiteral {
    if depth > PythonLiteral.maximumDepth { throw error("nested too deeply") }
    skipSpace()
    guard let byte = current else { throw error("the header ends where a value should be") }
    switch byte {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string(quote: byte))
    case UInt8(ascii: "("): return .sequence(try items(closing: UInt8(ascii: ")"), depth: depth))
    case UInt8(ascii: "["): return .sequence(try items(closing: UInt8(ascii: "]"), depth: depth))
    case UInt8(ascii: "{"): return try dictionary(depth: depth)
    case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
    default:
      for (word, literal) in [("True", PythonLiteral.boolean(true)), ("False", .boolean(false)), ("None", .none)]
      where matches(word) {
        position += word.utf8.count
        return literal
      }
      throw error("unexpected character '\(Unicode.Scalar(byte))'")
    }
  }

  func matches(_ word: String) -> Bool {
    let bytes = Array(word.utf8)
    guard position + bytes.count <= text.count, Array(text[position..<position + bytes.count]) == bytes else {
      return false
    }
    let next = position + bytes.count
    if next < text.count, isIdentifierByte(text[next]) { return false }
    return true
  }

  func isIdentifierByte(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte == 0x5f
  }

  mutating func string(quote: UInt8) throws(PythonLiteralError) -> String {
    position += 1
    var bytes: [UInt8] = []
    while let byte = current {
      position += 1
      if byte == quote { return String(decoding: bytes, as: UTF8.self) }
      if byte == UInt8(ascii: "\\"), let escaped = current {
        position += 1
        bytes.append(escaped)
      } else {
        bytes.append(byte)
      }
    }
    throw error("unterminated string")
  }

  mutating func integer() throws(PythonLiteralError) -> Int {
    var negative = false
    if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") {
      negative = current == UInt8(ascii: "-")
      position += 1
    }
    var value = 0
    var digits = 0
    while let byte = current, byte >= 0x30 && byte <= 0x39 {
      let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - 0x30))
      if overflow1 || overflow2 { throw error("integer too large") }
      value = sum
      digits += 1
      position += 1
    }
    if digits == 0 { throw error("expected digits") }
    if current == UInt8(ascii: "L") || current == UInt8(ascii: "l") { position += 1 }
    return negative ? -value : value
  }

  mutating func items(closing: UInt8, depth: Int) throws(PythonLiteralError) -> [PythonLiteral] {
    position += 1
    var result: [PythonLiteral] = []
    while true {
      skipSpace()
      if current == closing {
        position += 1
        return result
      }
      result.append(try value(depth: depth + 1))
      skipSpace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != closing {
        throw error("expected ',' or '\(Unicode.Scalar(closing))'")
      }
    }
  }

  mutating func dictionary(depth: Int) throws(PythonLiteralError) -> PythonLiteral {
    position += 1
    var result: [String: PythonLiteral] = [:]
    while true {
      skipSpace()
      if current == UInt8(ascii: "}") {
        position += 1
        return .dictionary(result)
      }
      guard case .string(let key) = try value(depth: depth + 1) else { throw error("a dictionary key is not a string") }
      skipSpace()
      if current != UInt8(ascii: ":") { throw error("expected ':'") }
      position += 1
      result[key] = try value(depth: depth + 1)
      skipSpace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != UInt8(ascii: "}") {
        throw error("expected ',' or '}'")
      }
    }
  }
}
