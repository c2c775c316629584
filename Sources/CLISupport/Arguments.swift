import Foundation

/// A command-line mistake (exit status 2) or a failure while running (exit status 1).
public enum CLIError: Error, CustomStringConvertible {
  case usage(String)
  case runtime(String)

  public var description: String {
    switch self {
    case .usage(let text), .runtime(let text): return text
    }
  }

  public var exitCode: Int32 {
    switch self {
    case .usage: return 2
    case .runtime: return 1
    }
  }
}

/// Parsed command-line arguments: `--name value`, `--name=value`, `--flag`, positionals.
///
/// Options are declared up front, so an unknown option or a missing value is a usage
/// error naming the culprit. `--` ends option parsing.
public struct ParsedArguments {
  public private(set) var positionals: [String] = []
  private var values: [String: String] = [:]
  private var flags: Set<String> = []

  /// - Parameters:
  ///   - valued: options that take a value (without the leading `--`).
  ///   - flags: options that take none.
  public init(_ arguments: [String], valued: Set<String>, flags knownFlags: Set<String>) throws(CLIError) {
    var i = 0
    var optionsEnded = false
    while i < arguments.count {
      let argument = arguments[i]
      i += 1
      if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
        positionals.append(argument)
        continue
      }
      if argument == "--" {
        optionsEnded = true
        continue
      }
      guard argument.hasPrefix("--") else {
        if argument == "-h" {
          flags.insert("help")
          continue
        }
        throw .usage("unknown option '\(argument)'")
      }
      var name = String(argument.dropFirst(2))
      var inlineValue: String? = nil
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      if valued.contains(name) {
        if let inlineValue {
          values[name] = inlineValue
        } else {
          guard i < arguments.count else { throw .usage("option '--\(name)' needs a value") }
          values[name] = arguments[i]
          i += 1
        }
      } else if knownFlags.contains(name) {
        guard inlineValue == nil else { throw .usage("option '--\(name)' takes no value") }
        flags.insert(name)
      } else {
        throw .usage("unknown option '--\(name)'")
      }
    }
  }

  public func flag(_ name: String) -> Bool { flags.contains(name) }

  public func string(_ name: String) -> String? { values[name] }

  /// An integer option within `range`, or `defaultValue` when absent.
  public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(CLIError) -> Int {
    guard let text = values[name] else { return defaultValue }
    guard let value = Int(text), range.contains(value) else {
      throw .usage("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return value
  }

  /// A floating-point option within `range`, or `defaultValue` when absent.
  public func double(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(CLIError)
    -> Double
  {
    guard let text = values[name] else { return defaultValue }
    guard let value = Double(text), value.isFinite, range.contains(value) else {
      throw .usage("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return value
  }
}

/// Standard streams and exit, in one place for both command-line tools.
public enum Console {
  public static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  public static func err(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// Whether standard error is a terminal (progress bars only then).
  public static var stderrIsTerminal: Bool { isatty(2) != 0 }

  /// Prints `tool: error: message` (and a hint for usage errors) and exits.
  public static func fail(_ tool: String, _ error: CLIError) -> Never {
    err("\(tool): error: \(error.description)")
    if case .usage = error { err("Run '\(tool) --help' for usage.") }
    exit(error.exitCode)
  }
}

/// Runs `body(i)` for `i` in `0..<count` on up to `count` threads and waits.
///
/// The closure may capture unsafe pointers: the caller promises each iteration touches
/// its own part of the memory (that is what makes the data race-free).
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
  withoutActuallyEscaping(body) { escapable in
    let box = UncheckedSendable(escapable)
    DispatchQueue.concurrentPerform(iterations: count) { i in box.value(i) }
  }
}

/// Wraps a value the compiler cannot prove `Sendable`; see `parallelFor`.
public struct UncheckedSendable<T>: @unchecked Sendable {
  public let value: T
  public init(_ value: T) { self.value = value }
}
