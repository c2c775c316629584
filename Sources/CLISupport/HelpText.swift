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
    if !C.discussion.isEmpty { lines += [""] + reflow(C.discussion, width: 80) }
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
    if !C.epilogue.isEmpty { lines += [""] + reflow(C.epilogue, width: 80) }
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
    let lastIsIndented = info.help.split(separator: "\n").last?.hasPrefix(" ") ?? false
    return info.help + (lastIsIndented ? "\n" : " ") + note
  }

  /// `  label   help`, the help reflowed to 80 columns and indented to the help column.
  public static func optionLines(_ label: String, help: String) -> [String] {
    let helpLines = reflow(help, width: 80 - helpColumn)
    let indent = String(repeating: " ", count: helpColumn)
    var first = "  " + label
    var rest = helpLines.dropFirst().map { $0.isEmpty ? "" : indent + $0 }
    if first.count + 2 <= helpColumn {
      first += String(repeating: " ", count: helpColumn - first.count) + (helpLines.first ?? "")
    } else {
      rest.insert(indent + (helpLines.first ?? ""), at: 0)
    }
    return [first] + rest
  }

  /// `text` with each paragraph (consecutive lines that do not start with a space) joined
  /// and broken at spaces into lines of at most `width` characters. Indented lines (tables,
  /// examples) and blank lines stay as they are.
  public static func reflow(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var paragraph: [Substring] = []
    func flush() {
      guard !paragraph.isEmpty else { return }
      lines += wrap(paragraph.joined(separator: " "), width: width)
      paragraph = []
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.isEmpty || line.hasPrefix(" ") {
        flush()
        lines.append(String(line))
      } else {
        paragraph.append(line)
      }
    }
    flush()
    return lines
  }

  /// `line` broken at spaces into lines of at most `width` characters (a longer word stays
  /// whole).
  static func wrap(_ line: String, width: Int) -> [String] {
    var lines: [String] = []
    var rest = Substring(line)
    while rest.count > width {
      let window = rest.prefix(width + 1)
      guard let space = window.lastIndex(of: " ") else { break }
      lines.append(String(rest[..<space]))
      rest = rest[rest.index(after: space)...].drop { $0 == " " }
    }
    lines.append(String(rest))
    return lines
  }
}
