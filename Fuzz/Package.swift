// swift-tools-version:6.0
//
// libFuzzer harnesses for BinaryNet's readers. A separate package, so the unsafe flags
// (-parse-as-library for a main-less harness) stay out of the main package.
//
//   cd Fuzz && swift build -c release --sanitize=fuzzer --sanitize=address
//   .build/release/fuzz-model corpus/model      (or: scripts/fuzz.sh SECONDS)
import PackageDescription

let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
let binaryNet = Target.Dependency.product(name: "BinaryNet", package: "BinaryNet")

let package = Package(
  name: "BinaryNetFuzz",
  dependencies: [.package(name: "BinaryNet", path: "..")],
  targets: [
    // Writes fuzz input to a scratch file for the readers that take paths.
    .target(name: "FuzzSupport"),

    .executableTarget(
      name: "fuzz-model",
      dependencies: [binaryNet, .product(name: "BinaryNetFiles", package: "BinaryNet"), "FuzzSupport"],
      swiftSettings: harness),
    .executableTarget(
      name: "fuzz-idx", dependencies: [.product(name: "MNISTLoader", package: "BinaryNet"), "FuzzSupport"],
      swiftSettings: harness),
    // Image files of every format BinaryNetImages reads (PNG, JPEG, PGM, PPM).
    .executableTarget(
      name: "fuzz-image", dependencies: [binaryNet, .product(name: "BinaryNetImages", package: "BinaryNet")],
      swiftSettings: harness),
    .executableTarget(
      name: "fuzz-checkpoint",
      dependencies: [.product(name: "BinaryNetTraining", package: "BinaryNet"), "FuzzSupport"],
      swiftSettings: harness),
    .executableTarget(name: "fuzz-arch", dependencies: [binaryNet], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-npz", dependencies: [.product(name: "BinaryNetData", package: "BinaryNet"), "FuzzSupport"],
      swiftSettings: harness),
  ]
)
