import BinaryNetTraining
import CLISupport
import Foundation

/// bnn-train: train a binarized MLP on MNIST-style data and write a BinaryNet model.
/// Exit status: 0 success, 1 runtime error, 2 usage error.

let tool = "bnn-train"

func run() throws(CLIError) {
  let parsed = try ParsedArguments(
    Array(CommandLine.arguments.dropFirst()), valued: TrainOptions.valued, flags: TrainOptions.flags
  )
  if parsed.flag("help") {
    Console.out(Usage.text)
    return
  }
  if parsed.flag("version") {
    Console.out("bnn-train \(Version.string) (sgemm kernel: \(GEMM.kernelName))")
    return
  }
  let options = try TrainOptions(parsed)
  if parsed.flag("bench-gemm") {
    GEMMBenchmark.run(threads: options.threads, json: options.json)
    return
  }
  try TrainCommand(options: options).run()
}

do {
  try run()
} catch {
  Console.fail(tool, error)
}
