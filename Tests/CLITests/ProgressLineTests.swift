import CLISupport
import Foundation
import Testing

@testable import bnn_train

/// bnn-train's progress bar fits the terminal: nothing wraps at any width.
@Suite("progress line")
struct ProgressLineTests {
  func line(step: Int = 270, steps: Int = 600) -> ProgressLine {
    ProgressReporter.barLine(
      epoch: 13, of: 20, step: step, of: steps, meanLoss: 0.123_456, epochRemaining: 75, totalRemaining: 4000)
  }

  @Test(arguments: [40, 80, 120])
  func fitsTheWidth(columns: Int) {
    for step in [0, 1, 270, 599, 600] {
      let text = line(step: step).text(columns: columns)
      #expect(text.count <= columns - 1, "\(columns): '\(text)' is \(text.count) columns")
      #expect(text.hasPrefix("epoch 13/20 ["), "\(text)")
      #expect(text.contains("\(step * 100 / 600)%"), "\(text)")
    }
  }

  @Test func wideTerminalsShowEverythingNarrowOnesTheMostImportant() {
    let wide = line().text(columns: 120)
    #expect(wide == "epoch 13/20 [============>               ] 45%  270/600  loss 0.1235  ETA 1:15  (run 1:06:40)")
    let standard = line().text(columns: 80)
    #expect(standard.contains("loss 0.1235") && standard.contains("ETA 1:15"), "\(standard)")
    let narrow = line().text(columns: 40)
    #expect(narrow.contains("loss 0.1235") && !narrow.contains("run"), "\(narrow)")
    // The bar shrinks before fields go, and never below its minimum.
    #expect(narrow.contains("[") && narrow.contains("]"))
  }

  @Test func tinyWidthsStillGiveOneLine() {
    let text = line().text(columns: 10)
    #expect(text.count <= 9 && !text.contains("\n"))
  }

  /// Without a terminal the width comes from $COLUMNS, else 80.
  @Test func widthFallsBackToColumnsThenEighty() {
    guard isatty(STDERR_FILENO) == 0, isatty(STDOUT_FILENO) == 0 else { return }  // a terminal answers itself
    #expect(terminalColumns(environment: ["COLUMNS": "123"]) == 123)
    #expect(terminalColumns(environment: ["COLUMNS": "wide"]) == 80)
    #expect(terminalColumns(environment: [:]) == 80)
  }
}
