/// The version of the command-line tools (one number for both).
public enum Version {
  public static let string = "0.1.0"

  /// `--version` output: `tool version (details)`, or under `--json` one object with
  /// the name, the version and the `details` as further fields.
  public static func text(tool: String, details: [(String, String)], json: Bool) -> String {
    if json {
      return JSON.object(
        [("name", .string(tool)), ("version", .string(string))] + details.map { ($0.0, .string($0.1)) }
      )
      .text
    }
    let extra = details.map { "\($0.0.replacingUnderscores): \($0.1)" }.joined(separator: ", ")
    return "\(tool) \(string)" + (extra.isEmpty ? "" : " (\(extra))")
  }
}

extension String {
  fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
