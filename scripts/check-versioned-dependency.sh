#!/usr/bin/env bash
# Proves that BinaryNet works as a versioned SwiftPM dependency: SwiftPM refuses a
# package whose library targets use unsafeFlags when it is required by version
# ("the target 'CPopcount' in product 'BinaryNet' contains unsafe build flags"),
# although the same package builds as the root package or through `path:`/`branch:`.
#
# Clones the committed HEAD into a temporary directory, tags it 0.1.0, writes a tiny app
# package that depends on it with `.package(url: "file://...", from: "0.1.0")` and uses
# product BinaryNet, and builds the app (which compiles only BinaryNet and CPopcount).
# Uncommitted changes are not tested. Exit status: swift build's.
#
#   scripts/check-versioned-dependency.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

head=$(git -C "$root" rev-parse HEAD)
git clone -q --no-checkout "$root" "$work/BinaryNet"
git -C "$work/BinaryNet" checkout -q --detach "$head"
git -C "$work/BinaryNet" tag 0.1.0

mkdir -p "$work/App/Sources/App"
cat >"$work/App/Package.swift" <<EOF
// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "App",
  dependencies: [.package(url: "file://$work/BinaryNet", from: "0.1.0")],
  targets: [
    .executableTarget(name: "App", dependencies: [.product(name: "BinaryNet", package: "BinaryNet")])
  ]
)
EOF
cat >"$work/App/Sources/App/main.swift" <<'EOF'
import BinaryNet

print("BinaryNet as a versioned dependency: kernel path \(KernelPath.best.name)")
EOF

echo "== swift build of an app that depends on BinaryNet $head (tag 0.1.0, from: \"0.1.0\")"
cd "$work/App"
if swift build >"$work/build.log" 2>&1; then
  tail -n 2 "$work/build.log"
  "$(swift build --show-bin-path)/App"
  echo "check-versioned-dependency: ok"
else
  tail -n 20 "$work/build.log" >&2
  echo "check-versioned-dependency: FAILED (swift build of the app)" >&2
  exit 1
fi
