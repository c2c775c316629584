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

  /// Terminal width, read once per run (the bar fits it).
  let columns: Int

  init(json: Bool, totalEpochs: Int, hasValidation: Bool, terminal: Bool = Console.stderrIsTerminal) {
    self.columns = terminalColumns()
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
    let line = Self.barLine(
      epoch: epoch, of: totalEpochs, step: step, of: steps, meanLoss: meanLoss, epochRemaining: epochRemaining,
      totalRemaining: totalRemaining)
    Console.errRaw("\r\u{1B}[K" + line.text(columns: columns))
  }

  /// The progress line of a step: the bar and percentage always, then as many of the loss,
  /// the epoch's ETA, the step count and the run's ETA as the width allows.
  static func barLine(
    epoch: Int, of totalEpochs: Int, step: Int, of steps: Int, meanLoss: Double, epochRemaining: Double,
    totalRemaining: Double
  ) -> ProgressLine {
    ProgressLine(
      label: "epoch \(epoch)/\(totalEpochs)", fraction: Double(step) / Double(max(steps, 1)),
      fields: [
        (order: 1, text: "loss \(fixed(meanLoss, 4))"), (order: 2, text: "ETA \(clock(epochRemaining))"),
        (order: 0, text: "\(step)/\(steps)"), (order: 3, text: "(run \(clock(totalRemaining)))"),
      ])
  }

  /// Clears the bar and reports a finished epoch.
  func epochFinished(_ record: EpochRecord) {
    finishedEpochSeconds.append(record.seconds)
    if terminal { Console.errRaw("\r\u{1B}[K") }
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
    if terminal { Console.errRaw("\r\u{1B}[K") }
  }
}
