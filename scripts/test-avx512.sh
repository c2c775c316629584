#!/usr/bin/env bash
# Tests the AVX-512 kernel table (Sources/CPopcount/kernels_avx512.c and
# binary_conv_avx512.c) against the scalar reference on any x86-64 CPU with AVX2, including
# CPUs without AVX-512: the kernel harness (Tests/NeonHarness/neon_harness.c) is built with
# BNN_EMULATE_AVX512, which compiles the same kernel code on SIMDe's portable forms of the
# AVX-512 intrinsics (Tests/AVX512Emulation; Debian's libsimde-dev, installed when missing)
# and hands out the avx512 table without asking cpuid. This checks the kernels' arithmetic,
# masks and bounds (the harness's guard pages and canaries), not their speed and not the
# compiler's AVX-512 code: on an AVX-512 CPU, test-neon.sh's native build and the Swift
# tests run the real instructions.
#
#   scripts/test-avx512.sh        gcc and clang builds (clang when installed)
#
# Exit code: the harness's (0 = all passed), or 2 on setup errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/Sources/CPopcount"

if [ "$(uname -m)" != x86_64 ]; then
  echo "test-avx512: skipped (not x86-64)"
  exit 0
fi
if ! grep -qw avx2 /proc/cpuinfo; then
  echo "test-avx512: skipped (the emulated build runs on AVX2 and this CPU has none)"
  exit 0
fi
if [ ! -f /usr/include/simde/x86/avx512.h ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsimde-dev >/dev/null; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsimde-dev >/dev/null \
      || { echo "test-avx512: could not install libsimde-dev" >&2; exit 2; }
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sources=(
  "$root/Tests/NeonHarness/neon_harness.c"
  "$src/kernels_scalar.c" "$src/kernels_neon.c" "$src/kernels_x86.c" "$src/kernels_avx512.c"
  "$src/bit_utils.c" "$src/pixel_conv.c" "$src/binary_conv.c" "$src/binary_conv_avx512.c"
  "$src/im2col.c" "$src/dispatch.c"
)
# -Wno-psabi: SIMDe passes its 512-bit types by value in a build without -mavx512f.
flags=(-O2 -std=c11 -Wall -Wextra -Werror -Wno-psabi -DBNN_EMULATE_AVX512 -mavx2 -mpopcnt
  -I"$src/include" -I"$src" -I"$root/Tests/AVX512Emulation")

status=0
for cc in gcc clang; do
  command -v "$cc" >/dev/null || { echo "== $cc: skipped (not installed)"; continue; }
  echo "== $cc, AVX-512 emulated on SIMDe"
  if ! "$cc" "${flags[@]}" "${sources[@]}" -o "$work/harness-$cc"; then
    echo "test-avx512: $cc build failed" >&2
    status=2
    continue
  fi
  rc=0
  "$work/harness-$cc" --require avx512 --best avx512 | grep -v '^path ' || rc=$?
  if [ "$rc" -ne 0 ]; then status=$rc; fi
done
exit "$status"
