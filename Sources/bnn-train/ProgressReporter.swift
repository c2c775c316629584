import BinaryNetTraining
import CLISupport
import Foundation

/// Shows training progress: an in-place progress bar with ETA on stderr when stderr is a
/// terminal, and one line per finished epoch (stdout, or stderr under `--json`, where
/// stdout carries one JSON object per epoch instead).
final class ProgressReporter {
  let json: Bool
  let terminal: Bool
  let totalEpochs: Int
  /// Whether a validation split exists (else validation figures print as "-" / null).
  let hasValidation: Bool
  private var lastDraw = 0.0
  private var epochStart = monotonicSeconds()
  private var runStart = monotonicSeconds()
  private var finishedEpochSeconds: [Double] = []

  init(json: Bool, totalEpochs: Int, hasValidation: Bool, terminal: Bool = Console.stderrIsTerminal) {
    self.json = json
    self.terminal = terminal
    self.totalEpochs = totalEpochs
    self.hasValidation = hasValidation
  }

  /// A human-readable line: on stdout normally, on stderr under `--json`.
  func say(_ text: String) {
    if json { Console.err(text) } else { Console.out(text) }
  }

  func epochStarted() { epochStart = monotonicSeconds() }

  /// Redraws the bar (at most ~8 times a second) after `step` of `steps` in epoch `epoch`.
  func stepFinished(epoch: Int, step: Int, of steps: Int, meanLoss: Double) {
    guard terminal else { return }
    let now = monotonicSeconds()
    guard now - lastDraw >= 0.125 || step == steps else { return }
    lastDraw = now
    let fraction = Double(step) / Double(steps)
    let elapsed = now - epochStart
    let epochRemaining = fraction > 0 ? elapsed / fraction - elapsed : 0
    let perEpoch =
      finishedEpochSeconds.isEmpty ? elapsed / max(fraction, 1e-9) : median(finishedEpochSeconds)
    let totalRemaining = epochRemaining + Double(totalEpochs - epoch) * perEpoch
    let width = 28
    let filled = Int(fraction * Double(width))
    let bar =
      String(repeating: "=", count: filled) + (filled < width ? ">" : "")
      + String(repeating: " ", count: max(0, width - filled - 1))
    let text =
      "epoch \(epoch)/\(totalEpochs) [\(bar)] \(Int(fraction * 100))% \(step)/\(steps) "
      + "loss \(fixed(meanLoss, 4))  ETA \(clock(epochRemaining)) (run \(clock(totalRemaining)))"
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
  }

  /// Clears the bar and reports a finished epoch.
  func epochFinished(_ record: EpochRecord) {
    finishedEpochSeconds.append(record.seconds)
    if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    let width = String(totalEpochs).count
    say(
      "epoch \(pad(String(record.epoch), width))/\(totalEpochs)  train loss \(fixed(record.trainLoss, 4))"
        + "  train acc \(percent(record.trainAccuracy))  val acc "
        + (hasValidation ? percent(record.validationAccuracy) : "-")
        + "  \(fixed(record.seconds, 1)) s  lr \(String(format: "%.2e", record.learningRate))")
    if json {
      Console.out(
        JSON.object([
          ("event", .string("epoch")), ("epoch", .int(record.epoch)), ("epochs", .int(totalEpochs)),
          ("train_loss", .number(record.trainLoss)),
          ("train_accuracy", .number(record.trainAccuracy)),
          ("val_loss", hasValidation ? .number(record.validationLoss) : .null),
          ("val_accuracy", hasValidation ? .number(record.validationAccuracy) : .null),
          ("seconds", .number(record.seconds)),
          ("lr", .number(shortestDouble(record.learningRate))),
        ]).text)
    }
  }

  /// Removes a half-drawn bar (before an error message or an interruption note).
  func clearBar() {
    if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}

/// Seconds since an arbitrary start, monotonic.
func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

func percent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }

func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// `m:ss` or `h:mm:ss`.
func clock(_ seconds: Double) -> String {
  let total = Int(max(0, seconds).rounded())
  let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
  let ss = s < 10 ? "0\(s)" : "\(s)"
  if h > 0 { return "\(h):\(m < 10 ? "0" : "")\(m):\(ss)" }
  return "\(m):\(ss)"
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return 0 }
  return sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The `Double` whose shortest decimal form is the `Float`'s (0.003, not 0.0030000000260770321).
func shortestDouble(_ value: Float) -> Double { Double(String(value)) ?? Double(value) }
