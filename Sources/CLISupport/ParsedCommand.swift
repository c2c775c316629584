/// A command line parsed against a command's declarations: every value is already
/// converted and validated. Options are read by key path into the command type, so only a
/// declared option can be read, with its declared type.
public struct ParsedCommand<C: Command>: Sendable {
  /// The command with its declarations.
  public let command: C
  /// The positional arguments, counts checked against `C.positionals`.
  public let positionals: [String]
  let values: [String: any Sendable]
  let givenFlags: Set<String>

  /// The option's value, or its default when the command line does not give it.
  public subscript<Value>(_ key: KeyPath<C, Option<Value>>) -> Value {
    let option = command[keyPath: key]
    if let value = values[option.info.name] {
      guard let typed = value as? Value else { preconditionFailure("--\(option.info.name) parsed as another type") }
      return typed
    }
    assert(
      command.declarations.contains { $0.info.name == option.info.name },
      "--\(option.info.name) is not a stored property of \(C.name), so it is never parsed")
    guard let defaultValue = option.defaultValue else {
      preconditionFailure("required option --\(option.info.name) was not checked")
    }
    return defaultValue
  }

  /// Whether the flag is on the command line.
  public subscript(_ key: KeyPath<C, Flag>) -> Bool { givenFlags.contains(command[keyPath: key].info.name) }

  /// Whether the command line gives the option (as opposed to its default applying).
  public func isGiven<Value>(_ key: KeyPath<C, Option<Value>>) -> Bool {
    values[command[keyPath: key].info.name] != nil
  }
}
