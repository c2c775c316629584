/// A command-line mistake (exit status 2) or a failure while running (exit status 1).
public enum CLIError: Error, CustomStringConvertible {
  case usage(String)
  case runtime(String)

  public var description: String {
    switch self {
    case .usage(let text), .runtime(let text): return text
    }
  }

  public var exitCode: Int32 {
    switch self {
    case .usage: return 2
    case .runtime: return 1
    }
  }
}
