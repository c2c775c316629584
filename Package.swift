// swift-tools-version:6.0
//
// BinaryNet: a binarized neural network (BNN / XNOR-Net) engine.
// No Swift package dependencies; system libraries: zlib (.gz IDX files, .npz), libpng and
// libjpeg-turbo (image files), outside the inference core.
import PackageDescription

let package = Package(
  name: "BinaryNet",
  products: [
    .library(name: "BinaryNet", targets: ["BinaryNet"]),
    .library(name: "BinaryNetFiles", targets: ["BinaryNetFiles"]),
    .library(name: "BinaryNetTraining", targets: ["BinaryNetTraining"]),
    .library(name: "MNISTLoader", targets: ["MNISTLoader"]),
    .library(name: "BinaryNetImages", targets: ["BinaryNetImages"]),
    .library(name: "BinaryNetData", targets: ["BinaryNetData"]),
    .library(name: "BinaryNetImport", targets: ["BinaryNetImport"]),
    .executable(name: "bnn-run", targets: ["bnn-run"]),
    .executable(name: "bnn-train", targets: ["bnn-train"]),
  ],
  targets: [
    // XOR-popcount kernels: scalar reference, x86 POPCNT/AVX2 (run-time dispatch), ARM NEON.
    // BNN_THREADS: the thread pool for batch-1 inference on several cores (bnn_pool.h);
    // builds without it (bare metal, WebAssembly) run every layer on the calling thread.
    .target(name: "CPopcount", cSettings: [.define("BNN_THREADS", .when(platforms: [.linux, .macOS]))]),
    // Float32 kernels used by the trainer (cache-blocked SGEMM).
    .target(name: "CFloatKernels"),
    // System zlib, for gzip'd IDX files.
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

    // The inference core. Must not import Foundation (portable to boards and Embedded Swift).
    // Folding takes square roots: link libm where the C library keeps it separate (an app
    // that imports only BinaryNet, without Foundation, would not link otherwise).
    .target(
      name: "BinaryNet", dependencies: ["CPopcount"],
      linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux, .android, .wasi]))]),

    // Model files on a file system: bounded reads, atomic writes (C library, no Foundation).
    .target(name: "BinaryNetFiles", dependencies: ["BinaryNet"]),

    // IDX / MNIST reading (plain or gzip'd).
    .target(name: "MNISTLoader", dependencies: ["CZlib"], path: "datasets/mnist-loader"),

    // libpng and libjpeg-turbo (system libraries), wrapped in C: both report errors by longjmp.
    .target(
      name: "CImageCodecs",
      linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),
    // Image files: PNG, JPEG, PGM/PPM read and written (sizes checked before allocation).
    .target(name: "BinaryNetImages", dependencies: ["BinaryNet", "BinaryNetFiles", "CImageCodecs"]),
    // Data sets from what users have: image folders, NumPy .npz/.npy, IDX.
    .target(
      name: "BinaryNetData", dependencies: ["BinaryNet", "BinaryNetFiles", "BinaryNetImages", "MNISTLoader", "CZlib"]),

    // Models trained elsewhere (Larq/Keras .npz, docs/IMPORT.md) folded by the core's folding.
    .target(name: "BinaryNetImport", dependencies: ["BinaryNet", "BinaryNetData"]),

    // Training: float latent weights, STE, BatchNorm, Adam. May use Foundation.
    // Takes plain arrays (pixels, labels, shape): no data set loader, no zlib.
    .target(name: "BinaryNetTraining", dependencies: ["BinaryNet", "BinaryNetFiles", "CPopcount", "CFloatKernels"]),

    // Argument parsing, JSON output and console helpers shared by the two tools.
    .target(name: "CLISupport", dependencies: ["BinaryNet"]),

    .executableTarget(
      name: "bnn-run",
      dependencies: [
        "BinaryNet", "BinaryNetFiles", "BinaryNetImages", "BinaryNetData", "BinaryNetImport", "MNISTLoader",
        "CLISupport",
      ]),
    .executableTarget(
      name: "bnn-train",
      dependencies: [
        "BinaryNet", "BinaryNetFiles", "BinaryNetTraining", "BinaryNetImages", "BinaryNetData", "MNISTLoader",
        "CLISupport",
      ]),

    // Kernel throughput of every path on this CPU (a program that prints figures).
    .executableTarget(name: "bnn-kernel-bench", dependencies: ["CPopcount"], path: "Benchmarks/KernelBench"),

    .testTarget(name: "CPopcountTests", dependencies: ["CPopcount"]),
    .testTarget(name: "BinaryNetTests", dependencies: ["BinaryNet", "BinaryNetFiles", "CPopcount"]),
    .testTarget(name: "MNISTLoaderTests", dependencies: ["MNISTLoader"]),
    .testTarget(name: "BinaryNetImagesTests", dependencies: ["BinaryNetImages", "BinaryNet"]),
    .testTarget(name: "BinaryNetDataTests", dependencies: ["BinaryNetData", "BinaryNetImages", "BinaryNet"]),
    .testTarget(
      name: "BinaryNetImportTests", dependencies: ["BinaryNetImport", "BinaryNetData", "BinaryNet", "MNISTLoader"]),
    .testTarget(
      name: "BinaryNetTrainingTests",
      dependencies: ["BinaryNetTraining", "BinaryNet", "BinaryNetFiles", "MNISTLoader", "CFloatKernels"]),
    // Runs the built bnn-run / bnn-train binaries: exit codes, messages, parity.
    .testTarget(
      name: "CLITests",
      dependencies: [
        "bnn-run", "bnn-train", "BinaryNet", "BinaryNetFiles", "BinaryNetData", "BinaryNetImages", "CLISupport",
      ]),
  ]
)
