#!/usr/bin/env bash
# Tests the AArch64 NEON kernels (Sources/CPopcount/kernels_neon.c) against the
# scalar reference: cross-compiles Tests/NeonHarness/neon_harness.c for AArch64 and
# runs it under qemu-user, once per CPU model: `max` (and Cortex-A76) have the ARMv8.2
# dot-product extension, so the neon-dotprod path (the int8 first layer on UDOT) must be
# there and be the best; Cortex-A57 has not, so it must not be handed out (qemu would stop
# its UDOT with SIGILL) and neon is the best. Installs the cross toolchain and qemu with
# apt-get when they are missing. Exit code: the harness's (0 = all passed), or 2 on setup
# errors.
#
#   scripts/test-neon.sh              gcc cross build, clang --target build if clang
#                                     can link for aarch64, and a native host build
#                                     (checks the host's paths, e.g. x86 POPCNT/AVX2/AVX-512)
#   NEON_CC=gcc scripts/test-neon.sh  the gcc cross build only
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/Sources/CPopcount"
harness="$root/Tests/NeonHarness/neon_harness.c"
sysroot=/usr/aarch64-linux-gnu

install_tools() {
  local pkgs=(qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  echo "test-neon: installing ${pkgs[*]}"
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}"; then
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}"
  fi
}

if ! command -v qemu-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  install_tools || { echo "test-neon: could not install the cross toolchain" >&2; exit 2; }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sources=(
  "$harness"
  "$src/kernels_scalar.c" "$src/kernels_neon.c" "$src/kernels_x86.c" "$src/kernels_avx512.c"
  "$src/bit_utils.c" "$src/pixel_conv.c" "$src/binary_conv.c" "$src/binary_conv_avx512.c"
  "$src/im2col.c" "$src/dispatch.c"
)
flags=(-O2 -std=c11 -Wall -Wextra -Werror -I"$src/include" -I"$src")

status=0
run_one() { # name, compiler command...
  local name="$1"; shift
  echo "== $name"
  if ! "$@" "${flags[@]}" -static "${sources[@]}" -o "$work/harness-$name"; then
    echo "test-neon: $name build failed" >&2
    status=2
    return
  fi
  local cpu rc
  for cpu in max cortex-a76 cortex-a57; do
    local expect=(--require neon-dotprod --best neon-dotprod)
    if [ "$cpu" = cortex-a57 ]; then expect=(--require neon --without neon-dotprod --best neon); fi
    echo "-- qemu-aarch64 -cpu $cpu ${expect[*]}"
    rc=0
    qemu-aarch64 -L "$sysroot" -cpu "$cpu" "$work/harness-$name" "${expect[@]}" || rc=$?
    if [ "$rc" -ne 0 ]; then status=$rc; fi
  done
}

run_native() { # the same harness for the host: its own paths against scalar
  local cc
  cc="$(command -v cc || command -v gcc || command -v clang || true)"
  [ -n "$cc" ] || { echo "== native: skipped (no host C compiler)"; return; }
  echo "== native ($(uname -m), $(basename "$cc"))"
  if ! "$cc" "${flags[@]}" "${sources[@]}" -o "$work/harness-native"; then
    echo "test-neon: native build failed" >&2
    status=2
    return
  fi
  local rc=0
  "$work/harness-native" || rc=$?
  if [ "$rc" -ne 0 ]; then status=$rc; fi
  echo "== native, BNN_KERNEL=scalar"
  rc=0
  BNN_KERNEL=scalar "$work/harness-native" | tail -2 || rc=$?
  if [ "$rc" -ne 0 ]; then status=$rc; fi
}

run_one gcc aarch64-linux-gnu-gcc
if [ "${NEON_CC:-}" != gcc ] && command -v clang >/dev/null; then
  # clang finds the GNU cross toolchain's crt files and libgcc by itself; optional.
  if clang --target=aarch64-linux-gnu -fuse-ld=lld -static -x c -o "$work/probe" - \
      <<<'int main(void){return 0;}' 2>/dev/null; then
    run_one clang clang --target=aarch64-linux-gnu -fuse-ld=lld
  else
    echo "== clang: skipped (cannot link for aarch64-linux-gnu here)"
  fi
  run_native
fi
exit "$status"
