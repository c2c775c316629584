import Foundation

/// A tool with subcommands (`bnn-run eval ...`): the list of commands, `--help`, `help
/// COMMAND`, `--version [--json]` and dispatch, all from the commands' declarations.
public struct Tool: Sendable {
  public let name: String
  /// The first line of the help.
  public let abstract: String
  public let commands: [any Command.Type]
  /// Further `--version` fields (`kernels`: `avx512`).
  public let versionDetails: @Sendable () -> [(String, String)]
  /// Text after the list of commands (notes, examples).
  public let epilogue: String

  public init(
    name: String, abstract: String, commands: [any Command.Type],
    versionDetails: @escaping @Sendable () -> [(String, String)], epilogue: String
  ) {
    self.name = name
    self.abstract = abstract
    self.commands = commands
    self.versionDetails = versionDetails
    self.epilogue = epilogue
  }

  /// The tool's help: the commands with their synopsis and abstract.
  public var help: String {
    var lines = [abstract, "", "Usage: \(name) <command> [options]", "", "Commands:"]
    for command in commands {
      lines.append("  " + HelpText.synopsis(command))
      lines.append("      " + command.abstract)
    }
    lines += ["", "Options common to every command:"]
    lines += HelpText.optionLines("--json", help: "machine-readable output (one JSON object on stdout)")
    lines += HelpText.optionLines("-h, --help", help: "this text; '\(name) help COMMAND' for a command's options")
    lines += HelpText.optionLines("--version", help: "version and details (with --json: as a JSON object)")
    if !epilogue.isEmpty { lines += [""] + HelpText.reflow(epilogue, width: 80) }
    return lines.joined(separator: "\n")
  }

  /// Runs the command line and exits: 0 success, 1 runtime error, 2 usage error.
  public func main(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
    do {
      try run(arguments)
    } catch {
      Console.fail(name, error)
    }
    exit(0)
  }

  func run(_ arguments: [String]) throws(CLIError) {
    guard let first = arguments.first else {
      Console.err(help)
      throw .usage("no command given")
    }
    let rest = Array(arguments.dropFirst())
    switch first {
    case "-h", "--help", "help":
      if let topic = rest.first, let command = commands.first(where: { $0.name == topic }) {
        Console.out(HelpText.render(command, tool: name))
      } else {
        Console.out(help)
      }
    case "--version", "version":
      if let extra = rest.first(where: { $0 != "--json" }) {
        throw .usage("--version takes no argument but --json, got '\(extra)'")
      }
      if rest.count > 1 { throw .usage("option '--json' is given more than once") }
      Console.out(Version.text(tool: name, details: versionDetails(), json: rest.contains("--json")))
    default:
      guard let command = commands.first(where: { $0.name == first }) else {
        throw .usage(
          "unknown command '\(first)' (commands: \(commands.map { $0.name }.joined(separator: ", ")))")
      }
      try execute(command, rest)
    }
  }

  func execute<C: Command>(_: C.Type, _ arguments: [String]) throws(CLIError) {
    switch try ParsedCommand<C>.parse(arguments) {
    case .help: Console.out(HelpText.render(C.self, tool: name))
    case .run(let parsed): try parsed.command.run(parsed)
    }
  }

  /// Runs a single-command tool (`bnn-train`) and exits like `main`.
  public static func main<C: Command>(_: C.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst()))
    -> Never
  {
    do {
      switch try ParsedCommand<C>.parse(arguments) {
      case .help: Console.out(HelpText.render(C.self, tool: nil))
      case .run(let parsed): try parsed.command.run(parsed)
      }
    } catch {
      Console.fail(C.name, error)
    }
    exit(0)
  }
}
