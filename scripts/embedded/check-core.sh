#!/usr/bin/env bash
# Checks that the inference core (Sources/BinaryNet) still compiles as Embedded Swift:
# the same sources, unchanged, for bare-metal targets (no Foundation, no existentials,
# no key paths, no untyped throws ...). Needs only swiftc (Swift 6.x with the Embedded
# stdlib). Exit status 0 when every target compiles.
#
#   scripts/embedded/check-core.sh [TARGET ...]
#   scripts/embedded/check-core.sh --imports-only   (only the no-Foundation rule: for
#       callers that compile the core for every target anyway, as test-embedded.sh does)
#
# Default targets: aarch64-none-none-elf (ARM64 boards), armv7em-none-none-eabi with the
# Cortex-M4F hard-float flags, armv6m-none-none-eabi (Cortex-M0+, no FPU) and
# riscv32-none-none-eabi.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
swiftc=${SWIFTC:-swiftc}
imports_only=0
if [ "${1:-}" = --imports-only ]; then
  imports_only=1
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-none-none-elf armv7em-none-none-eabi armv6m-none-none-eabi riscv32-none-none-eabi)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0

if grep -nE '^\s*import\s+(Foundation|FoundationEssentials|Dispatch)' "$root"/Sources/BinaryNet/*.swift; then
  echo "FAIL: the inference core imports Foundation or Dispatch" >&2
  status=1
fi

[ $imports_only -eq 0 ] || exit $status
for target in "${targets[@]}"; do
  extra=()
  case "$target" in
    armv7em-*) extra=(-Xcc -mcpu=cortex-m4 -Xcc -mfloat-abi=hard -Xcc -mfpu=fpv4-sp-d16 -Xcc -fno-short-enums) ;;
  esac
  if "$swiftc" -target "$target" -enable-experimental-feature Embedded -wmo -parse-as-library -Osize \
    -module-name BinaryNet -Xcc -fmodule-map-file="$root/Embedded/CPopcount.modulemap" ${extra[@]+"${extra[@]}"} \
    "$root"/Sources/BinaryNet/*.swift -c -o "$scratch/BinaryNet-$target.o" 2>"$scratch/log"; then
    echo "ok: Sources/BinaryNet compiles as Embedded Swift for $target"
  else
    cat "$scratch/log" >&2
    echo "FAIL: Sources/BinaryNet does not compile as Embedded Swift for $target" >&2
    status=1
  fi
done
exit $status
