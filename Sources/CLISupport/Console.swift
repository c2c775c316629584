import Foundation

/// Standard streams and exit, in one place for both command-line tools.
public enum Console {
  public static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  public static func err(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// Writes `text` to standard error as is (no newline): progress bars redraw in place.
  public static func errRaw(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// Whether standard error is a terminal (progress bars only then).
  public static var stderrIsTerminal: Bool { isatty(2) != 0 }

  /// Prints `tool: error: message` (and a hint for usage errors) and exits.
  public static func fail(_ tool: String, _ error: CLIError) -> Never {
    err("\(tool): error: \(error.description)")
    if case .usage = error { err("Run '\(tool) --help' for usage.") }
    exit(error.exitCode)
  }
}
