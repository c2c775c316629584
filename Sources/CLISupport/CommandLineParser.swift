/// What a command line asks for: the command's help, or a run with parsed arguments.
public enum CommandRequest<C: Command>: Sendable {
  case help
  case run(ParsedCommand<C>)
}

extension ParsedCommand {
  /// Parses `arguments` (after the command name) against `C`'s declarations.
  ///
  /// `--name VALUE`, `--name=VALUE`, `--flag`, positionals; `--` ends the options. Usage
  /// errors: an unknown option, a missing or malformed value, an option given twice, a
  /// missing required option, too few or too many positionals, an output path that is
  /// one of the inputs or another output. `-h` / `--help` anywhere before `--` asks for
  /// the help instead.
  public static func parse(_ arguments: [String], as _: C.Type = C.self) throws(CLIError) -> CommandRequest<C> {
    let command = C()
    let declarations = command.declarations
    let beforeEnd = arguments.prefix { $0 != "--" }
    if beforeEnd.contains("-h") || beforeEnd.contains("--help") { return .help }

    var byName: [String: any OptionDeclaration] = [:]
    for declaration in declarations {
      precondition(byName[declaration.info.name] == nil, "\(C.name): --\(declaration.info.name) is declared twice")
      byName[declaration.info.name] = declaration
    }
    var values: [String: any Sendable] = [:]
    var texts: [String: String] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []
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
      guard argument.hasPrefix("--") else { throw .usage("unknown option '\(argument)'") }
      var name = String(argument.dropFirst(2))
      var inlineValue: String? = nil
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      guard let declaration = byName[name] else { throw .usage("unknown option '--\(name)'") }
      guard texts[name] == nil, !flags.contains(name) else {
        throw .usage("option '--\(name)' is given more than once")
      }
      if declaration.info.isFlag {
        guard inlineValue == nil else { throw .usage("option '--\(name)' takes no value") }
        flags.insert(name)
        continue
      }
      let text: String
      if let inlineValue {
        text = inlineValue
      } else {
        guard i < arguments.count else { throw .usage("option '--\(name)' needs a value") }
        text = arguments[i]
        i += 1
      }
      texts[name] = text
      values[name] = try declaration.parseValue(text)
    }

    for declaration in declarations where declaration.info.isRequired && texts[declaration.info.name] == nil {
      throw .usage("\(C.name): --\(declaration.info.name) is required")
    }
    let roles = try assignPositionals(positionals)
    var inputs: [PathUse] = []
    var outputs: [PathUse] = []
    for (index, positional) in roles.enumerated() {
      guard let role = positional.role else { continue }
      let use = PathUse(what: positional.name, path: positionals[index])
      if role == .input { inputs.append(use) } else { outputs.append(use) }
    }
    for declaration in declarations {
      guard let role = declaration.info.pathRole, let path = texts[declaration.info.name] else { continue }
      let use = PathUse(what: "--" + declaration.info.name, path: path)
      if role == .input { inputs.append(use) } else { outputs.append(use) }
    }
    try PathUse.checkNoOverwrite(inputs: inputs, outputs: outputs)
    return .run(ParsedCommand(command: command, positionals: positionals, values: values, givenFlags: flags))
  }

  /// The declaration each positional argument fills, in order, or a usage error when there
  /// are too few or too many.
  static func assignPositionals(_ positionals: [String]) throws(CLIError) -> [Positional] {
    var assigned: [Positional] = []
    var remaining = positionals.count
    for (index, positional) in C.positionals.enumerated() {
      switch positional.count {
      case .one:
        guard remaining > 0 else {
          throw .usage("\(C.name): missing \(positional.name) argument")
        }
        assigned.append(positional)
        remaining -= 1
      case .optional:
        // Leave one for each later required positional.
        let laterRequired = C.positionals[(index + 1)...].filter { $0.count != .optional }.count
        if remaining > laterRequired {
          assigned.append(positional)
          remaining -= 1
        }
      case .oneOrMore:
        let laterRequired = C.positionals[(index + 1)...].filter { $0.count != .optional }.count
        guard remaining > laterRequired else {
          throw .usage("\(C.name): missing \(positional.name) argument")
        }
        let take = remaining - laterRequired
        assigned += Array(repeating: positional, count: take)
        remaining -= take
      }
    }
    if remaining > 0 {
      let extra = positionals[positionals.count - remaining]
      throw .usage(
        C.positionals.isEmpty
          ? "unexpected argument '\(extra)' (\(C.name) takes options only)"
          : "\(C.name): unexpected argument '\(extra)'")
    }
    return assigned
  }
}
