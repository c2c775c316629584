import Foundation

/// The number of columns of the terminal: from the terminal itself (standard error, then
/// standard output), else `$COLUMNS`, else 80.
public func terminalColumns(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
  for descriptor in [STDERR_FILENO, STDOUT_FILENO] {
    var size = winsize()
    if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
  }
  if let text = environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
  return 80
}
