import CLISupport
import Foundation
import Testing

/// A command declared for the tests: every kind of option and positional.
struct SampleCommand: Command {
  static let name = "sample"
  static let abstract = "a command for the tests"
  static let positionals = [
    Positional("MODEL", role: .input, help: "read"), Positional("FILE", count: .oneOrMore, role: .input, help: "read"),
  ]

  let epochs = Option<Int>.integer("epochs", default: 20, range: 1...10_000, help: "epochs")
  let rate = Option<Double?>.number("lr", range: 0...10, help: "learning rate")
  let images = Option<String>.path("images", role: .input, help: "images to read")
  let out = Option<String?>.path("out", role: .output, help: "where to write")
  let header = Option<String?>.path("header", role: .output, help: "also write")
  let json = Flag("json", help: "JSON output")

  func run(_ arguments: ParsedCommand<Self>) throws(CLIError) {}
}

@Suite("command declarations")
struct CommandDeclarationTests {
  func parse(_ arguments: [String]) throws(CLIError) -> ParsedCommand<SampleCommand> {
    guard case .run(let parsed) = try ParsedCommand<SampleCommand>.parse(arguments) else {
      throw .runtime("asked for help")
    }
    return parsed
  }

  func usageError(_ arguments: [String]) -> String? {
    do {
      _ = try parse(arguments)
      return nil
    } catch {
      guard case .usage(let text) = error else { return "not a usage error: \(error)" }
      return text
    }
  }

  @Test func valuesAreTypedAndDefaultsApply() throws {
    let parsed = try parse(["m.bnn", "a", "b", "--images=i.idx", "--lr", "0.5", "--json"])
    #expect(parsed[\.epochs] == 20)
    #expect(!parsed.isGiven(\.epochs))
    #expect(parsed[\.rate] == 0.5)
    #expect(parsed[\.images] == "i.idx")
    #expect(parsed[\.out] == nil)
    #expect(parsed[\.json])
    #expect(parsed.positionals == ["m.bnn", "a", "b"])
    let explicit = try parse(["m", "f", "--images", "i", "--epochs", "7"])
    #expect(explicit[\.epochs] == 7 && explicit.isGiven(\.epochs) && !explicit[\.json])
  }

  @Test func mistakesAreUsageErrorsNamingTheCulprit() {
    let cases: [([String], String)] = [
      (["m", "f", "--images", "i", "--epochs", "3", "--epochs", "5"], "'--epochs' is given more than once"),
      (["m", "f", "--images", "i", "--json", "--json"], "'--json' is given more than once"),
      (["m", "f", "--images", "i", "--epochs", "0"], "--epochs must be an integer in 1...10000"),
      (["m", "f", "--images", "i", "--lr", "nan"], "--lr must be a number"),
      (["m", "f", "--images", "i", "--eopchs", "3"], "unknown option '--eopchs'"),
      (["m", "f", "--images", "i", "--json=yes"], "takes no value"),
      (["m", "f", "--images"], "'--images' needs a value"),
      (["m", "f"], "--images is required"),
      (["m", "--images", "i"], "missing FILE"),
      (["--images", "i"], "missing MODEL"),
    ]
    for (arguments, message) in cases {
      let error = usageError(arguments)
      #expect(error?.contains(message) == true, "\(arguments): \(error ?? "accepted")")
    }
  }

  @Test func helpIsAskedAnywhereBeforeDoubleDash() throws {
    guard case .help = try ParsedCommand<SampleCommand>.parse(["--epochs", "x", "-h"]) else {
      Issue.record("-h not seen")
      return
    }
    let afterDash = try parse(["m", "--images", "i", "--", "--help"])
    #expect(afterDash.positionals == ["m", "--help"])
  }

  @Test func helpIsGeneratedFromTheDeclarations() {
    let help = HelpText.render(SampleCommand.self, tool: "tool")
    #expect(help.hasPrefix("Usage: tool sample MODEL FILE... --images PATH [options]"))
    for line in [
      "--epochs N", "epochs (default: 20)", "--lr X", "--images PATH", "images to read (required)", "--out PATH",
      "--json", "-h, --help",
    ] {
      #expect(help.contains(line), "\(line)")
    }
    for line in help.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
  }

  @Test func outputsNeverOverwriteInputsOrEachOther() throws {
    let folder = try ScratchFolder()
    let model = folder.path("m.bnn")
    try Data("model".utf8).write(to: URL(fileURLWithPath: model))
    let images = folder.path("i.idx")
    try Data("images".utf8).write(to: URL(fileURLWithPath: images))
    try FileManager.default.createSymbolicLink(atPath: folder.path("link.bnn"), withDestinationPath: model)
    let base = [model, images, "--images", images]
    let conflicts: [[String]] = [
      base + ["--out", model],  // the same spelling
      base + ["--out", folder.path("sub/../m.bnn")],  // another spelling
      base + ["--out", folder.path("link.bnn")],  // a symbolic link to it
      base + ["--out", folder.path("./m.bnn")],
      base + ["--header", images],  // an option input
      base + ["--out", folder.path("new.c"), "--header", folder.path("new.c")],  // two outputs, neither exists
      base + ["--out", folder.path("new.c"), "--header", folder.path("./new.c")],
    ]
    try FileManager.default.createDirectory(atPath: folder.path("sub"), withIntermediateDirectories: true)
    for arguments in conflicts {
      let error = usageError(arguments)
      #expect(error?.contains("same file") == true, "\(arguments): \(error ?? "accepted")")
    }
    #expect(usageError(base + ["--out", folder.path("new.c"), "--header", folder.path("new.h")]) == nil)
  }
}
