/// A command (a subcommand of `bnn-run`, or `bnn-train` itself), declared once: its options
/// are the stored properties of the conforming type (each an `Option` or a `Flag`, found
/// with `Mirror`), its positional arguments are `positionals`. Parsing, validation, the
/// usage errors and `--help` are generated from these declarations.
///
/// `--help` / `-h` is understood by every command and needs no declaration.
public protocol Command: Sendable {
  /// The options with their declared defaults.
  init()
  /// The command's name (`eval`), or the tool's for a single-command tool.
  static var name: String { get }
  /// One line for the list of commands.
  static var abstract: String { get }
  /// Paragraphs after the usage lines in `--help`.
  static var discussion: String { get }
  static var positionals: [Positional] { get }
  /// Further usage lines, after the generated one (e.g. another way to call it).
  static var alternativeUsages: [String] { get }
  /// Text after the options in `--help` (exit status, examples).
  static var epilogue: String { get }

  /// Runs the command with parsed, validated arguments.
  func run(_ arguments: ParsedCommand<Self>) throws(CLIError)
}

extension Command {
  public static var discussion: String { "" }
  public static var positionals: [Positional] { [] }
  public static var alternativeUsages: [String] { [] }
  public static var epilogue: String { "" }

  /// Every declared option, in declaration order.
  public var declarations: [any OptionDeclaration] {
    Mirror(reflecting: self).children.compactMap { $0.value as? any OptionDeclaration }
  }
}
