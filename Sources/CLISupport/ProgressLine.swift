/// One line of a progress display that fits a terminal width: a label, a bar, the
/// percentage, then optional fields in order of importance; the bar shrinks first (down
/// to `minimumBar` cells), then the least important fields are left out.
public struct ProgressLine: Sendable {
  /// Always shown, before the bar (`epoch 3/20`).
  public var label: String
  /// 0...1.
  public var fraction: Double
  /// Shown after the percentage when they fit, most important first: each is
  /// (position in the line, text); the position keeps the line's order whatever is left out.
  public var fields: [(order: Int, text: String)]

  public static let maximumBar = 28
  public static let minimumBar = 8

  public init(label: String, fraction: Double, fields: [(order: Int, text: String)]) {
    self.label = label
    self.fraction = min(max(fraction, 0), 1)
    self.fields = fields
  }

  /// The line in at most `columns - 1` characters (the last column stays free, so the
  /// terminal never wraps).
  public func text(columns: Int) -> String {
    let limit = max(1, columns - 1)
    var kept = fields.count
    while true {
      let tail = fields.prefix(kept).sorted { $0.order < $1.order }.map(\.text).joined(separator: "  ")
      let fixedPart = label.count + 3 + 1 + percentText.count + (tail.isEmpty ? 0 : 2 + tail.count)
      let room = limit - fixedPart
      if room >= Self.minimumBar || kept == 0 {
        let barWidth = min(Self.maximumBar, max(room, Self.minimumBar))
        let line = "\(label) [\(bar(barWidth))] \(percentText)" + (tail.isEmpty ? "" : "  " + tail)
        return line.count <= limit ? line : String(line.prefix(limit))
      }
      kept -= 1
    }
  }

  var percentText: String { "\(Int(fraction * 100))%" }

  func bar(_ width: Int) -> String {
    let filled = Int(fraction * Double(width))
    return String(repeating: "=", count: filled) + (filled < width ? ">" : "")
      + String(repeating: " ", count: max(0, width - filled - 1))
  }
}
