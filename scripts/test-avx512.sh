#!/usr/bin/env bash
# Tests the AVX-512 kernels on any x86-64 CPU with AVX2 + FMA, including CPUs without
# AVX-512. Each harness is built with BNN_EMULATE_AVX512, which compiles the same kernel code
# on SIMDe's portable forms of the AVX-512 intrinsics (Tests/AVX512Emulation; Debian's
# libsimde-dev, installed when missing) and hands out the avx512 tables without asking cpuid:
#
#  - the binary kernels (Sources/CPopcount: kernels_avx512.c, binary_conv_avx512.c): the
#    kernel harness Tests/NeonHarness/neon_harness.c, every entry of the avx512 table against
#    scalar on random shapes, with guard pages and canaries;
#  - the SGEMM micro-kernel (Sources/CFloatKernels/sgemm_kernel_avx512.c):
#    Tests/AVX512Emulation/sgemm_harness.c, the avx512 and avx2 sgemm against the portable
#    one on every (m, n, k) of 0, 1, 5 ... 129 plus larger shapes, both transposes,
#    alpha/beta variants and padded leading dimensions: values (float32 tolerance),
#    avx512 == avx2 bit for bit, canaries around and inside C, A and B neither written nor
#    read past their ends, the 64-byte alignment of aligned loads.
#
# This checks the kernels' arithmetic, masks, lane offsets and bounds, not their speed and
# not the compiler's real AVX-512 code: on an AVX-512 CPU, test-neon.sh's native build and
# the Swift tests run the real instructions.
#
#   scripts/test-avx512.sh        gcc and clang builds (each when installed)
#
# Exit code: the harnesses' (0 = all passed, 1 = a check failed), or 2 on setup errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$root/Sources/CPopcount"
float="$root/Sources/CFloatKernels"

if [ "$(uname -m)" != x86_64 ]; then
  echo "test-avx512: skipped (not x86-64)"
  exit 0
fi
if ! grep -qw avx2 /proc/cpuinfo || ! grep -qw fma /proc/cpuinfo; then
  echo "test-avx512: skipped (the emulated builds run on AVX2 + FMA and this CPU lacks them)"
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

binary_sources=(
  "$root/Tests/NeonHarness/neon_harness.c"
  "$binary/kernels_scalar.c" "$binary/kernels_neon.c" "$binary/kernels_x86.c"
  "$binary/kernels_avx512.c" "$binary/bit_utils.c" "$binary/pixel_conv.c" "$binary/binary_conv.c"
  "$binary/binary_conv_avx512.c" "$binary/im2col.c" "$binary/dispatch.c"
)
float_sources=(
  "$root/Tests/AVX512Emulation/sgemm_harness.c"
  "$float/sgemm.c" "$float/dispatch.c" "$float/sgemm_kernel_portable.c" "$float/sgemm_kernel_avx2.c"
  "$float/sgemm_kernel_avx512.c" "$float/sgemm_pack_avx2.c" "$float/elementwise.c"
  "$float/gradient_int8.c" "$float/gradient_int8_avx2.c"
)
# -Wno-psabi: SIMDe passes its 512-bit types by value in a build without -mavx512f.
flags=(-O2 -std=c11 -Wall -Wextra -Werror -Wno-psabi -DBNN_EMULATE_AVX512 -mavx2 -mfma -mpopcnt
  -I"$root/Tests/AVX512Emulation")

status=0
run() { # name, run arguments..., -- , compiler and build arguments...
  local name="$1"; shift
  local args=()
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  echo "== $name"
  if ! "$@" -o "$work/$name"; then
    echo "test-avx512: $name build failed" >&2
    status=2
    return
  fi
  local rc=0
  "$work/$name" "${args[@]}" | grep -v '^path ' || rc=$?
  if [ "$rc" -ne 0 ]; then status=$rc; fi
}
for cc in gcc clang; do
  command -v "$cc" >/dev/null || { echo "== $cc: skipped (not installed)"; continue; }
  run "binary-kernels-$cc" --require avx512 --best avx512 -- \
    "$cc" "${flags[@]}" -I"$binary/include" -I"$binary" "${binary_sources[@]}"
  run "sgemm-$cc" -- "$cc" "${flags[@]}" -I"$float/include" -I"$float" "${float_sources[@]}" -lm
done
exit "$status"
