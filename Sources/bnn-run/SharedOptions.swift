import BinaryNet
import CLISupport

/// Options several bnn-run commands declare, each declared here once.
enum SharedOptions {
  static let json = Flag("json", help: "JSON output")

  static func threads(_ help: String = "worker threads") -> Option<Int> {
    .integer("threads", default: defaultThreadCount, defaultText: "all cores", range: 1...1024, help: help)
  }

  static func batch(_ help: String = "images per kernel call") -> Option<Int> {
    .integer("batch", value: "B", default: 64, range: 1...65536, help: help)
  }

  static func limit(_ help: String) -> Option<Int?> { .integer("limit", range: 1...Int.max, help: help) }

  /// `--arch ARCH`: a random model of this architecture instead of a file.
  /// Its value is the canonical spec (syntax checked; shapes are checked on use).
  static func architecture(_ help: String) -> Option<String?> {
    Option("arch", value: "ARCH", default: .some(nil), help: help) { text throws(CLIError) in
      try NetworkArchitecture.optionSpec(text)
    }
  }

  /// `--kernel NAME`: a kernel path this machine has.
  static let kernel = Option<KernelPath?>(
    "kernel", value: "NAME", default: .some(nil), defaultText: "fastest",
    help: "force a kernel path: " + KernelPath.allCases.map(\.name).joined(separator: ", ")
  ) { name throws(CLIError) in
    guard let path = KernelPath.allCases.first(where: { $0.name == name }) else {
      throw .usage(
        "unknown kernel '\(name)' (" + KernelPath.allCases.map(\.name).joined(separator: ", ") + ")")
    }
    guard path.isAvailable else {
      throw .runtime(
        "kernel '\(name)' is not available on this machine (available: "
          + KernelPath.available.map(\.name).joined(separator: ", ") + ")")
    }
    return path
  }

  static let model = Positional("MODEL", role: .input, help: "a .bnn model file")
}
