/// A positional argument of a command: its placeholder, how many it takes, what it is.
public struct Positional: Sendable {
  public enum Count: Sendable {
    /// Exactly one.
    case one
    /// None or one (the command says when it is needed).
    case optional
    /// One or more.
    case oneOrMore
  }

  /// The placeholder in the help (`MODEL`, `FILE`).
  public let name: String
  public let count: Count
  /// Whether it names a file the command reads or writes.
  public let role: PathRole?
  public let help: String

  public init(_ name: String, count: Count = .one, role: PathRole? = nil, help: String) {
    self.name = name
    self.count = count
    self.role = role
    self.help = help
  }

  /// How it appears in a synopsis: `MODEL`, `[MODEL]`, `FILE...`.
  var synopsis: String {
    switch count {
    case .one: return name
    case .optional: return "[\(name)]"
    case .oneOrMore: return "\(name)..."
    }
  }
}
