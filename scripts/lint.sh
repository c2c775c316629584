#!/usr/bin/env bash
# Fails on any formatting finding: swift format (configured by .swift-format) over the
# Swift sources, clang-format (configured by .clang-format) over the C sources.
# Fix with: scripts/lint.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."

swift_dirs=(Sources Tests datasets/mnist-loader Benchmarks Embedded Fuzz/Sources Fuzz/Package.swift)
mapfile -t c_files < <(git ls-files '*.c' '*.h')

if ! command -v clang-format >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq clang-format >/dev/null
  else
    echo "lint: clang-format is missing (apt-get install clang-format)" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--fix" ]; then
  swift format format -i -r "${swift_dirs[@]}"
  clang-format -i "${c_files[@]}"
  exit 0
fi

findings=$(swift format lint -r "${swift_dirs[@]}" 2>&1 || true)
c_findings=$(clang-format --dry-run "${c_files[@]}" 2>&1 || true)
if [ -n "$findings" ] || [ -n "$c_findings" ]; then
  [ -n "$findings" ] && printf '%s\n' "$findings" | head -n 50
  [ -n "$c_findings" ] && printf '%s\n' "$c_findings" | grep 'warning:' | head -n 50
  echo "lint: formatting findings (run scripts/lint.sh --fix)" >&2
  exit 1
fi
echo "lint: clean (swift format, clang-format)"
