import BinaryNet
import CLISupport
import Foundation

/// bnn-run: load a BinaryNet model and classify, evaluate, benchmark or describe it.
/// Exit status: 0 success, 1 runtime error, 2 usage error.

let arguments = Array(CommandLine.arguments.dropFirst())
let tool = "bnn-run"

func run() throws(CLIError) {
  guard let command = arguments.first else {
    Console.err(Usage.main)
    throw .usage("no command given")
  }
  let rest = Array(arguments.dropFirst())
  switch command {
  case "-h", "--help", "help":
    if let topic = rest.first, let text = Usage.forCommand(topic) { Console.out(text) } else { Console.out(Usage.main) }
  case "--version", "version":
    Console.out(
      "bnn-run " + Version.string + " (model format v" + String(ModelFormat.version) + ", kernels: "
        + KernelPath.best.name + ")")
  case "info": try InfoCommand.run(rest)
  case "eval": try EvalCommand.run(rest)
  case "classify": try ClassifyCommand.run(rest)
  case "bench": try BenchCommand.run(rest)
  case "export-c": try ExportCCommand.run(rest)
  default:
    throw .usage("unknown command '\(command)' (commands: eval, classify, info, bench, export-c)")
  }
}

do {
  try run()
} catch {
  Console.fail(tool, error)
}
