/// Layer widths of a binarized multilayer perceptron: `widths[0]` inputs (pixels),
/// `widths.last` classes, hidden layers in between. `784-1024-1024-1024-10` has four
/// weight layers.
public struct MLPArchitecture: Codable, Equatable, Sendable, CustomStringConvertible {
  public var widths: [Int]

  public init(widths: [Int]) {
    precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 })
    self.widths = widths
  }

  /// Named presets (DESIGN.md, "Reference architectures").
  public static let presets: [(name: String, widths: [Int])] = [
    ("mlp-1024", [784, 1024, 1024, 1024, 10]),
    ("mlp-4096", [784, 4096, 4096, 4096, 10]),
  ]

  /// Parses a preset name or dash-separated widths such as `784-256-256-10`.
  public static func parse(_ text: String) -> MLPArchitecture? {
    if let preset = presets.first(where: { $0.name == text }) {
      return MLPArchitecture(widths: preset.widths)
    }
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count >= 2 else { return nil }
    var widths: [Int] = []
    for part in parts {
      guard let width = Int(part), width > 0, width <= 1 << 20 else { return nil }
      widths.append(width)
    }
    return MLPArchitecture(widths: widths)
  }

  /// Number of weight layers.
  public var layerCount: Int { widths.count - 1 }
  public var inputCount: Int { widths[0] }
  public var classCount: Int { widths[widths.count - 1] }

  /// Latent binary weights in all layers.
  public var weightCount: Int { (0..<layerCount).reduce(0) { $0 + widths[$1] * widths[$1 + 1] } }

  /// The preset name if it is one, else the widths joined by dashes.
  public var name: String {
    Self.presets.first(where: { $0.widths == widths })?.name ?? dashed
  }

  public var dashed: String { widths.map(String.init).joined(separator: "-") }

  public var description: String { name == dashed ? name : "\(name) (\(dashed))" }
}
