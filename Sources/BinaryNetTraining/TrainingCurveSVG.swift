import Foundation

/// A hand-written SVG of the training curve: loss per epoch on the left, accuracy per
/// epoch on the right, each with labelled axes, tick values and a legend.
public enum TrainingCurveSVG {
  /// One plotted line.
  struct Series {
    var name: String
    var color: String
    var values: [Double]
  }

  /// The SVG document for `history`. `testAccuracy`, if given, is marked after the last epoch.
  public static func render(history: [EpochRecord], title: String, testAccuracy: Double? = nil)
    -> String
  {
    let width = 960.0
    let height = 420.0
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

      """
    let epochs = history.map { Double($0.epoch) }
    let hasValidation = history.contains { $0.validationAccuracy > 0 || $0.validationLoss > 0 }
    var lossSeries = [
      Series(name: "train loss", color: "#1f77b4", values: history.map(\.trainLoss))
    ]
    var accuracySeries = [
      Series(
        name: "train accuracy", color: "#1f77b4", values: history.map { 100 * $0.trainAccuracy })
    ]
    if hasValidation {
      lossSeries.append(
        Series(name: "validation loss", color: "#d62728", values: history.map(\.validationLoss)))
      accuracySeries.append(
        Series(
          name: "validation accuracy", color: "#d62728",
          values: history.map { 100 * $0.validationAccuracy }))
    }
    var marker: (x: Double, y: Double, label: String)?
    if let testAccuracy, let last = epochs.last {
      marker = (
        last, 100 * testAccuracy, String(format: "test accuracy %.2f%%", 100 * testAccuracy)
      )
    }
    svg += panel(
      x: 70, y: 50, width: 370, height: 300, epochs: epochs, series: lossSeries,
      yLabel: "loss (softmax cross-entropy)", marker: nil, legendAtBottom: false)
    svg += panel(
      x: 560, y: 50, width: 370, height: 300, epochs: epochs, series: accuracySeries,
      yLabel: "accuracy (%)", marker: marker, legendAtBottom: true)
    svg += "</svg>\n"
    return svg
  }

  /// One chart: frame, ticks, axis labels, lines and legend.
  static func panel(
    x: Double, y: Double, width: Double, height: Double, epochs: [Double], series: [Series],
    yLabel: String, marker: (x: Double, y: Double, label: String)?, legendAtBottom: Bool
  ) -> String {
    let allValues = series.flatMap(\.values) + (marker.map { [$0.y] } ?? [])
    var low = allValues.min() ?? 0
    var high = allValues.max() ?? 1
    if high - low < 1e-9 { (low, high) = (low - 0.5, high + 0.5) }
    let padding = (high - low) * 0.05
    let yTicks = niceTicks(low: low - padding, high: high + padding, count: 6)
    (low, high) = (yTicks.first!, yTicks.last!)
    let firstEpoch = min(1, epochs.first ?? 1)
    let lastEpoch = max(epochs.last ?? 1, firstEpoch + 1)
    let xTicks = niceTicks(low: firstEpoch, high: lastEpoch, count: 8, integers: true)
      .filter { $0 >= firstEpoch && $0 <= lastEpoch }
    func px(_ epoch: Double) -> Double {
      x + (epoch - firstEpoch) / (lastEpoch - firstEpoch) * width
    }
    func py(_ value: Double) -> Double { y + height - (value - low) / (high - low) * height }

    var out = "<g>\n"
    out +=
      "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"none\" stroke=\"#333\"/>\n"
    for tick in yTicks {
      out +=
        "<line x1=\"\(f(x))\" y1=\"\(f(py(tick)))\" x2=\"\(f(x + width))\" y2=\"\(f(py(tick)))\" stroke=\"#ddd\"/>\n"
      out +=
        "<text x=\"\(f(x - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(label(tick, step: yTicks[1] - yTicks[0]))</text>\n"
    }
    for tick in xTicks {
      out +=
        "<line x1=\"\(f(px(tick)))\" y1=\"\(f(y + height))\" x2=\"\(f(px(tick)))\" y2=\"\(f(y + height + 5))\" stroke=\"#333\"/>\n"
      out +=
        "<text x=\"\(f(px(tick)))\" y=\"\(f(y + height + 18))\" text-anchor=\"middle\">\(Int(tick))</text>\n"
    }
    out +=
      "<text x=\"\(f(x + width / 2))\" y=\"\(f(y + height + 38))\" text-anchor=\"middle\">epoch</text>\n"
    let labelX = x - 48
    let labelY = y + height / 2
    out +=
      "<text x=\"\(f(labelX))\" y=\"\(f(labelY))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(labelX)) \(f(labelY)))\">\(escape(yLabel))</text>\n"
    for line in series where !line.values.isEmpty {
      let points = zip(epochs, line.values).map { "\(f(px($0))),\(f(py($1)))" }.joined(
        separator: " ")
      out +=
        "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
      for (epoch, value) in zip(epochs, line.values) {
        out +=
          "<circle cx=\"\(f(px(epoch)))\" cy=\"\(f(py(value)))\" r=\"2.5\" fill=\"\(line.color)\"/>\n"
      }
    }
    // Legend in a corner the curves usually leave free: top right for falling losses,
    // bottom right for rising accuracies.
    let entries = series.count + (marker == nil ? 0 : 1)
    let legendX = x + width - 216
    var legendY = legendAtBottom ? y + height - 10 - Double(entries - 1) * 16 : y + 16
    out +=
      "<rect x=\"\(f(legendX - 6))\" y=\"\(f(legendY - 13))\" width=\"210\" height=\"\(f(Double(entries) * 16 + 4))\" fill=\"white\" fill-opacity=\"0.85\"/>\n"
    for line in series {
      out +=
        "<line x1=\"\(f(legendX))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(legendX + 20))\" y2=\"\(f(legendY - 4))\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
      out += "<text x=\"\(f(legendX + 26))\" y=\"\(f(legendY))\">\(escape(line.name))</text>\n"
      legendY += 16
    }
    if let marker {
      out +=
        "<circle cx=\"\(f(px(marker.x)))\" cy=\"\(f(py(marker.y)))\" r=\"5\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\"/>\n"
      out +=
        "<circle cx=\"\(f(legendX + 10))\" cy=\"\(f(legendY - 4))\" r=\"5\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\"/>\n"
      out +=
        "<text x=\"\(f(legendX + 26))\" y=\"\(f(legendY))\" fill=\"#2ca02c\">\(escape(marker.label)) (engine)</text>\n"
    }
    out += "</g>\n"
    return out
  }

  /// Round tick values covering `low...high`: steps of 1, 2 or 5 times a power of ten.
  static func niceTicks(low: Double, high: Double, count: Int, integers: Bool = false) -> [Double] {
    let raw = (high - low) / Double(max(1, count - 1))
    let magnitude = pow(10, floor(log10(raw)))
    var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    if integers { step = max(1, step.rounded()) }
    let first = floor(low / step) * step
    var ticks: [Double] = []
    var tick = first
    while tick < high + step * 0.999 {
      ticks.append(tick)
      tick += step
    }
    if ticks.count < 2 { ticks.append(first + step) }
    return ticks
  }

  static func label(_ value: Double, step: Double) -> String {
    let decimals = max(0, Int(-floor(log10(step))))
    return String(format: "%.\(decimals)f", value)
  }

  static func f(_ value: Double) -> String { String(format: "%.1f", value) }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
