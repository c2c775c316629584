#!/usr/bin/env bash
# Tests the AVX-512 SGEMM micro-kernel (Sources/CFloatKernels/sgemm_kernel_avx512.c, the
# avx512 float table's sgemm) on any x86-64 CPU with AVX2 + FMA, including CPUs without
# AVX-512: Tests/AVX512Emulation/sgemm_harness.c is built with BNN_EMULATE_AVX512, which
# compiles the same kernel code on SIMDe's portable forms of the AVX-512 intrinsics
# (Tests/AVX512Emulation/sgemm_avx512_emulation.h; Debian's libsimde-dev, installed when
# missing) and hands out the avx512 table without asking cpuid. The harness runs the avx512
# and avx2 paths against the portable one on every (m, n, k) of 0, 1, 5 ... 129 plus larger
# shapes, both transposes, alpha/beta variants and padded leading dimensions, and checks the
# values (float32 tolerance), avx512 == avx2 bit for bit, canaries around and inside C, and
# that A and B are neither written nor read past their ends.
#
# It checks the kernel's arithmetic, lane offsets, k loop and bounds (and the 64-byte
# alignment of its aligned loads), not its speed and not the compiler's real AVX-512 code:
# on an AVX-512 CPU the Swift tests (SGEMMTests) run the real instructions.
#
#   scripts/test-avx512-sgemm.sh        gcc and clang builds (each when installed)
#
# Exit code: the harness's (0 = all passed, 1 = a check failed), or 2 on setup errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/Sources/CFloatKernels"

if [ "$(uname -m)" != x86_64 ]; then
  echo "test-avx512-sgemm: skipped (not x86-64)"
  exit 0
fi
if ! grep -qw avx2 /proc/cpuinfo || ! grep -qw fma /proc/cpuinfo; then
  echo "test-avx512-sgemm: skipped (the emulated build runs on AVX2 + FMA and this CPU lacks them)"
  exit 0
fi
if [ ! -f /usr/include/simde/x86/avx512.h ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsimde-dev >/dev/null; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsimde-dev >/dev/null \
      || { echo "test-avx512-sgemm: could not install libsimde-dev" >&2; exit 2; }
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sources=(
  "$root/Tests/AVX512Emulation/sgemm_harness.c"
  "$src/sgemm.c" "$src/dispatch.c" "$src/sgemm_kernel_portable.c" "$src/sgemm_kernel_avx2.c"
  "$src/sgemm_kernel_avx512.c" "$src/sgemm_pack_avx2.c" "$src/elementwise.c"
)
# -Wno-psabi: SIMDe passes its 512-bit types by value in a build without -mavx512f.
flags=(-O2 -std=c11 -Wall -Wextra -Werror -Wno-psabi -DBNN_EMULATE_AVX512 -mavx2 -mfma -mpopcnt
  -I"$src/include" -I"$src" -I"$root/Tests/AVX512Emulation")

status=0
for cc in gcc clang; do
  command -v "$cc" >/dev/null || { echo "== $cc: skipped (not installed)"; continue; }
  echo "== $cc, AVX-512 SGEMM emulated on SIMDe"
  if ! "$cc" "${flags[@]}" "${sources[@]}" -lm -o "$work/sgemm-harness-$cc"; then
    echo "test-avx512-sgemm: $cc build failed" >&2
    status=2
    continue
  fi
  rc=0
  "$work/sgemm-harness-$cc" || rc=$?
  if [ "$rc" -ne 0 ]; then status=$rc; fi
done
exit "$status"
