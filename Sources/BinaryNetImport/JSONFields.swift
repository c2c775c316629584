/// The fields of one JSON object, read with the type and range each must have; every
/// failure is an `ImportError` naming `context` (e.g. `layer 3 (conv2d 'c1')`) and the key.
struct JSONFields {
  let object: [String: JSONValue]
  let context: String

  init(_ value: JSONValue, context: String) throws(ImportError) {
    guard case .object(let object) = value else {
      throw ImportError(context + " is " + value.typeName + ", not an object")
    }
    self.object = object
    self.context = context
  }

  func fail(_ key: String, _ reason: String) -> ImportError { ImportError(context + ": '" + key + "' " + reason) }

  func value(_ key: String) throws(ImportError) -> JSONValue {
    guard let value = object[key] else { throw ImportError(context + ": '" + key + "' is missing") }
    return value
  }

  func string(_ key: String) throws(ImportError) -> String {
    let value = try value(key)
    guard case .string(let text) = value else { throw fail(key, "is " + value.typeName + ", not a string") }
    return text
  }

  /// A string, or nil when the key is absent or null.
  func optionalString(_ key: String) throws(ImportError) -> String? {
    guard let value = object[key], value != .null else { return nil }
    guard case .string(let text) = value else { throw fail(key, "is " + value.typeName + ", not a string or null") }
    return text
  }

  func number(_ key: String) throws(ImportError) -> Double {
    let value = try value(key)
    guard case .number(let number) = value, number.isFinite else { throw fail(key, "is not a finite number") }
    return number
  }

  func bool(_ key: String, default fallback: Bool) throws(ImportError) -> Bool {
    guard let value = object[key], value != .null else { return fallback }
    guard case .bool(let flag) = value else { throw fail(key, "is " + value.typeName + ", not a boolean") }
    return flag
  }

  func integer(_ key: String, in range: ClosedRange<Int>) throws(ImportError) -> Int {
    guard let integer = Self.integer(try value(key), in: range) else {
      throw fail(key, "must be an integer in " + String(range.lowerBound) + "..." + String(range.upperBound))
    }
    return integer
  }

  /// An array of integers, each in `range`, of `count` elements (any count when nil).
  func integers(_ key: String, count: ClosedRange<Int>, each range: ClosedRange<Int>) throws(ImportError) -> [Int] {
    let value = try value(key)
    let what =
      "must be an array of " + String(count.lowerBound)
      + (count.upperBound == count.lowerBound ? "" : " to " + String(count.upperBound))
      + " integers in " + String(range.lowerBound) + "..." + String(range.upperBound)
    guard case .array(let items) = value, count.contains(items.count) else { throw fail(key, what) }
    var result: [Int] = []
    for item in items {
      guard let integer = Self.integer(item, in: range) else { throw fail(key, what) }
      result.append(integer)
    }
    return result
  }

  func strings(_ key: String) throws(ImportError) -> [String] {
    let value = try value(key)
    guard case .array(let items) = value else { throw fail(key, "is " + value.typeName + ", not an array of strings") }
    var result: [String] = []
    for item in items {
      guard case .string(let text) = item else { throw fail(key, "holds " + item.typeName + ", not only strings") }
      result.append(text)
    }
    return result
  }

  func objects(_ key: String) throws(ImportError) -> [JSONValue] {
    let value = try value(key)
    guard case .array(let items) = value else { throw fail(key, "is " + value.typeName + ", not an array") }
    return items
  }

  static func integer(_ value: JSONValue, in range: ClosedRange<Int>) -> Int? {
    guard case .number(let number) = value, number.rounded() == number, number.magnitude < 1e18,
      number >= Double(range.lowerBound), number <= Double(range.upperBound)
    else { return nil }
    return Int(number)
  }
}
