import CLISupport

/// bnn-train: train a binarized network on MNIST-style data and write a BinaryNet model.
/// Exit status: 0 success, 1 runtime error, 2 usage error, 130 interrupted, 143 terminated.
Tool.main(TrainCommandLine.self)
