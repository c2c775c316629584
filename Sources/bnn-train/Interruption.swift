import CLISupport
import Foundation

/// The signal (SIGINT or SIGTERM) that asked the run to stop, 0 while none did. Set by the
/// signal handler, read by the training loop between steps.
nonisolated(unsafe) var interruptSignal: sig_atomic_t = 0

/// The note printed when a signal ends the run during its final steps, written by the
/// signal handler (a C string made before the handler is installed, never freed).
nonisolated(unsafe) var finishingNote: UnsafeMutablePointer<CChar>? = nil

/// SIGINT (Ctrl-C) and SIGTERM: the run stops with a note on how to continue and exits with
/// 128 + the signal number (130, 143), never silently.
enum Interruption {
  static let signals = [SIGINT, SIGTERM]

  /// While loading and training: a signal is recorded and the loop stops at the next step;
  /// a second one ends the process at once.
  static func recordSignals() {
    unblock()
    for number in signals {
      signal(number) { received in
        interruptSignal = received
        signal(received, SIG_DFL)
      }
    }
  }

  /// During the final steps (BatchNorm re-estimation, writing, evaluation), which do not
  /// poll: a signal prints `note` and exits at once. Every epoch is in the checkpoint by then.
  static func exitOnSignal(note: String) {
    finishingNote = strdup(note + "\n")
    for number in signals {
      signal(number) { received in
        if let note = finishingNote { _ = write(STDERR_FILENO, note, strlen(note)) }
        _exit(128 + received)
      }
    }
  }

  /// Unblocks the signals in this thread (threads started later inherit the mask): a parent
  /// may have started bnn-train with them blocked (Foundation's `Process` does), and then
  /// they would stay pending and the run could not be stopped but by SIGKILL.
  static func unblock() {
    var set = sigset_t()
    sigemptyset(&set)
    for number in signals { sigaddset(&set, number) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  /// A signal arrived: `bnn-train: interrupted ...` (or `terminated`), then exit 128 + signal.
  static func exit(_ what: String) -> Never {
    let number = interruptSignal
    Console.err("bnn-train: \(number == SIGTERM ? "terminated" : "interrupted") \(what)")
    Foundation.exit(128 + number)
  }
}
