/// `--help` text generated from a command's declarations.
public enum HelpText {
  /// The one-line synopsis: positionals and required options (`eval MODEL --images IDX`).
  public static func synopsis<C: Command>(_: C.Type) -> String {
    let required = C().declarations.filter { $0.info.isRequired }.map { "--\($0.info.name) \($0.info.valueName ?? "")" }
    return ([C.name] + C.positionals.map(\.synopsis) + required).joined(separator: " ")
  }

  /// The full help of a command; `tool` is the tool's name for a subcommand, nil for a
  /// single-command tool.
  public static func render<C: Command>(_: C.Type, tool: String?) -> String {
    let prefix = tool.map { $0 + " " } ?? ""
    var lines = ["Usage: " + prefix + synopsis(C.self) + " [options]"]
    for alternative in C.alternativeUsages { lines.append("       " + alternative) }
    if !C.discussion.isEmpty { lines += ["", C.discussion] }
    let declarations = C().declarations
    var section: String?? = .none
    for declaration in declarations {
      let info = declaration.info
      if section != .some(info.section) {
        section = .some(info.section)
        lines += ["", (info.section ?? "Options") + ":"]
      }
      lines += optionLines(label(info), help: helpWithDefault(info))
    }
    if section == .none { lines += ["", "Options:"] }
    lines += optionLines("-h, --help", help: "this help")
    if !C.epilogue.isEmpty { lines += ["", C.epilogue] }
    return lines.joined(separator: "\n")
  }

  /// The column where help texts start.
  static let helpColumn = 24

  static func label(_ info: OptionInfo) -> String {
    "--" + info.name + (info.valueName.map { " " + $0 } ?? "")
  }

  /// The help text, with `(required)` or `(default: ...)` after its last line, or on a
  /// line of its own when the last line would pass 80 columns.
  static func helpWithDefault(_ info: OptionInfo) -> String {
    let note: String
    if info.isRequired {
      note = "(required)"
    } else if let defaultText = info.defaultText {
      note = "(default: \(defaultText))"
    } else {
      return info.help
    }
    let lastLine = info.help.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
    let fits = helpColumn + lastLine.count + 1 + note.count <= 80
    return info.help + (fits ? " " : "\n") + note
  }

  /// `  label   help`, the help's further lines indented to the help column.
  public static func optionLines(_ label: String, help: String) -> [String] {
    let helpLines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let indent = String(repeating: " ", count: helpColumn)
    var first = "  " + label
    var rest = helpLines.dropFirst().map { indent + $0 }
    if first.count + 2 <= helpColumn {
      first += String(repeating: " ", count: helpColumn - first.count) + (helpLines.first ?? "")
    } else {
      rest.insert(indent + (helpLines.first ?? ""), at: 0)
    }
    return [first] + rest
  }
}
