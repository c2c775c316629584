/// What a path option or argument names: a file the command reads, or one it writes.
/// The parser refuses a command line where an output is one of the inputs or another output.
public enum PathRole: Sendable {
  case input
  case output
}

/// What the parser and the help text need to know of a declared option, whatever its type.
public struct OptionInfo: Sendable {
  /// The name without the leading `--`.
  public let name: String
  /// The placeholder of its value in the help (`N`, `PATH`); nil for a flag.
  public let valueName: String?
  /// The help text; lines after the first are indented under it.
  public let help: String
  /// The default as the help shows it (`(default: ...)`), nil to show none.
  public let defaultText: String?
  /// Whether the command line must give it.
  public let isRequired: Bool
  /// Whether its value is a path the command reads or writes.
  public let pathRole: PathRole?
  /// The help section it is listed under (nil: "Options").
  public let section: String?

  public var isFlag: Bool { valueName == nil }
}

/// Any declared option (a `Option` or a `Flag`): its description and its value parser.
public protocol OptionDeclaration: Sendable {
  var info: OptionInfo { get }
  /// The typed value of `text`, or a usage error naming the option.
  func parseValue(_ text: String) throws(CLIError) -> any Sendable
}

/// An option that takes a value, `--name VALUE` or `--name=VALUE`, declared once with its
/// name, type, default, accepted values and help line. A command reads it back as `Value`
/// through `ParsedCommand`, so an undeclared option cannot be read.
///
/// Optional options are `Option<T?>` (default nil); required ones have no default.
public struct Option<Value: Sendable>: OptionDeclaration {
  public let info: OptionInfo
  /// The value when the option is absent; nil only for required options.
  let defaultValue: Value?
  let convert: @Sendable (String) throws(CLIError) -> Value

  /// - Parameters:
  ///   - name: without `--`.
  ///   - valueName: the placeholder in the help (`N`, `PATH`).
  ///   - defaultValue: the value when absent; nil makes the option required.
  ///   - defaultText: the default as the help shows it (nil: none shown).
  ///   - convert: the value of a given text; throws a usage error saying what is accepted.
  public init(
    _ name: String, value valueName: String, default defaultValue: Value?, defaultText: String? = nil,
    role: PathRole? = nil, section: String? = nil, help: String,
    convert: @escaping @Sendable (String) throws(CLIError) -> Value
  ) {
    info = OptionInfo(
      name: name, valueName: valueName, help: help, defaultText: defaultText, isRequired: defaultValue == nil,
      pathRole: role, section: section)
    self.defaultValue = defaultValue
    self.convert = convert
  }

  public func parseValue(_ text: String) throws(CLIError) -> any Sendable { try convert(text) }
}

/// An option without a value: present or not.
public struct Flag: OptionDeclaration {
  public let info: OptionInfo

  public init(_ name: String, section: String? = nil, help: String) {
    info = OptionInfo(
      name: name, valueName: nil, help: help, defaultText: nil, isRequired: false, pathRole: nil, section: section)
  }

  public func parseValue(_ text: String) throws(CLIError) -> any Sendable {
    throw .usage("option '--\(info.name)' takes no value")
  }
}

// MARK: - Typed declarations

extension Option where Value == Int {
  /// An integer in `range`, `defaultValue` when absent.
  public static func integer(
    _ name: String, value: String = "N", default defaultValue: Int, defaultText: String? = nil,
    range: ClosedRange<Int>, section: String? = nil, help: String
  ) -> Option {
    Option(
      name, value: value, default: defaultValue, defaultText: defaultText ?? String(defaultValue), section: section,
      help: help
    ) { text throws(CLIError) in try parseInteger(text, name: name, range: range) }
  }
}

extension Option where Value == Int? {
  /// An integer in `range`, nil when absent (the command decides).
  public static func integer(
    _ name: String, value: String = "N", defaultText: String? = nil, range: ClosedRange<Int>,
    section: String? = nil, help: String
  ) -> Option {
    Option(name, value: value, default: .some(nil), defaultText: defaultText, section: section, help: help) {
      text throws(CLIError) in try parseInteger(text, name: name, range: range)
    }
  }
}

extension Option where Value == Double {
  /// A finite number in `range`, `defaultValue` when absent.
  public static func number(
    _ name: String, value: String = "X", default defaultValue: Double, defaultText: String? = nil,
    range: ClosedRange<Double>, section: String? = nil, help: String
  ) -> Option {
    Option(
      name, value: value, default: defaultValue, defaultText: defaultText ?? fixedShortest(defaultValue),
      section: section, help: help
    ) { text throws(CLIError) in try parseNumber(text, name: name, range: range) }
  }
}

extension Option where Value == Double? {
  /// A finite number in `range`, nil when absent (the command decides).
  public static func number(
    _ name: String, value: String = "X", defaultText: String? = nil, range: ClosedRange<Double>,
    section: String? = nil, help: String
  ) -> Option {
    Option(name, value: value, default: .some(nil), defaultText: defaultText, section: section, help: help) {
      text throws(CLIError) in try parseNumber(text, name: name, range: range)
    }
  }
}

extension Option where Value == String {
  /// Any text, `defaultValue` when absent, nil `defaultValue`: required.
  public static func text(
    _ name: String, value: String, default defaultValue: String?, section: String? = nil, help: String
  ) -> Option {
    Option(name, value: value, default: defaultValue, defaultText: defaultValue, section: section, help: help) {
      text throws(CLIError) in try nonEmpty(text, name: name)
    }
  }

  /// A required path the command reads (`.input`) or writes (`.output`).
  public static func path(
    _ name: String, value: String = "PATH", role: PathRole, section: String? = nil, help: String
  ) -> Option {
    Option(name, value: value, default: nil, role: role, section: section, help: help) {
      text throws(CLIError) in try nonEmpty(text, name: name)
    }
  }
}

extension Option where Value == String? {
  /// Any text, nil when absent.
  public static func text(_ name: String, value: String, section: String? = nil, help: String) -> Option {
    Option(name, value: value, default: .some(nil), section: section, help: help) { text throws(CLIError) in
      try nonEmpty(text, name: name)
    }
  }

  /// An optional path the command reads (`.input`) or writes (`.output`).
  public static func path(
    _ name: String, value: String = "PATH", role: PathRole, defaultText: String? = nil, section: String? = nil,
    help: String
  ) -> Option {
    Option(name, value: value, default: .some(nil), defaultText: defaultText, role: role, section: section, help: help)
    { text throws(CLIError) in try nonEmpty(text, name: name) }
  }
}

func parseInteger(_ text: String, name: String, range: ClosedRange<Int>) throws(CLIError) -> Int {
  guard let value = Int(text), range.contains(value) else {
    throw .usage("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
  }
  return value
}

func parseNumber(_ text: String, name: String, range: ClosedRange<Double>) throws(CLIError) -> Double {
  guard let value = Double(text), value.isFinite, range.contains(value) else {
    throw .usage("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
  }
  return value
}

func nonEmpty(_ text: String, name: String) throws(CLIError) -> String {
  guard !text.isEmpty else { throw .usage("--\(name) needs a non-empty value") }
  return text
}

/// `1`, `0.5`: the shortest text of a default number.
func fixedShortest(_ value: Double) -> String {
  value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
