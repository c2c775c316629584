/// Dense architectures by name (DESIGN.md's reference presets) or as layer widths.
public enum DenseArchitecture {
  /// The presets, by name: widths from input to classes.
  public static let presets: [(name: String, widths: [Int])] = [
    ("mlp-1024", [784, 1024, 1024, 1024, 10]),
    ("mlp-4096", [784, 4096, 4096, 4096, 10]),
  ]

  /// Parses `mlp-1024`, `mlp-4096` or widths such as `784-256-256-10`.
  public static func parse(_ text: String) throws(CLIError) -> [Int] {
    if let preset = presets.first(where: { $0.name == text }) { return preset.widths }
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    let widths = parts.compactMap { Int($0) }
    guard widths.count == parts.count, widths.count >= 2, widths.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
      throw .usage(
        "unknown architecture '\(text)': use " + presets.map(\.name).joined(separator: ", ")
          + " or widths such as 784-256-256-10")
    }
    return widths
  }
}
