#!/usr/bin/env bash
# Builds bnn-runner, a static ARM64 Linux program, from the same sources as the desktop
# engine: the inference core (Sources/BinaryNet) as Embedded Swift for aarch64, the C
# kernels (Sources/CPopcount) for aarch64 (NEON is part of the baseline), glibc linked
# statically, linked with the lld that ships with Swift.
#
#   scripts/embedded/build-aarch64.sh [OUT_DIR]        (default: .build/embedded/aarch64)
#
# Run it on a board (copy the one file over) or here under qemu:
#   qemu-aarch64 -L /usr/aarch64-linux-gnu OUT_DIR/bnn-runner MODEL.bnn IMAGES.idx --labels LABELS.idx
#
# Needs: swiftc (Swift 6.x toolchain with the Embedded stdlib), aarch64-linux-gnu-gcc and
# the aarch64 glibc (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross).
# Environment: SWIFTC, AARCH64_CC (default aarch64-linux-gnu-gcc), SWIFT_OPT (default -O),
# C_OPT (default -O2).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.build/embedded/aarch64}
mkdir -p "$out/modules"
out=$(cd "$out" && pwd)
swiftc=${SWIFTC:-swiftc}
cc=${AARCH64_CC:-aarch64-linux-gnu-gcc}
swift_opt=${SWIFT_OPT:--O}
c_opt=${C_OPT:--O2}
toolchain_bin=$(dirname "$(command -v "$swiftc")")
embedded_lib=$(cd "$toolchain_bin/../lib/swift/embedded/aarch64-none-none-elf" && pwd)

for tool in "$swiftc" "$cc"; do
  command -v "$tool" >/dev/null || { echo "build-aarch64: '$tool' not found" >&2; exit 1; }
done
[ -x "$toolchain_bin/ld.lld" ] || { echo "build-aarch64: ld.lld not found beside $swiftc" >&2; exit 1; }

swift_flags=(
  -target aarch64-none-none-elf -enable-experimental-feature Embedded
  -wmo -parse-as-library "$swift_opt" -Xfrontend -function-sections
  -Xcc -fmodule-map-file="$root/Embedded/CPopcount.modulemap"
)

echo "== Swift: BinaryNet core (Embedded, aarch64)"
"$swiftc" "${swift_flags[@]}" -module-name BinaryNet "$root"/Sources/BinaryNet/*.swift \
  -emit-module -emit-module-path "$out/modules/BinaryNet.swiftmodule" -c -o "$out/BinaryNet.o"

echo "== Swift: runner"
"$swiftc" "${swift_flags[@]}" -module-name bnn_runner -I "$out/modules" \
  -Xcc -fmodule-map-file="$root/Embedded/Linux/RunnerIO.modulemap" \
  "$root/Embedded/Linux/main.swift" -c -o "$out/runner.o"

echo "== C: kernels and runner glue ($cc $c_opt)"
objects=("$out/BinaryNet.o" "$out/runner.o")
for source in "$root"/Sources/CPopcount/*.c "$root/Embedded/Linux/runner_io.c"; do
  object="$out/c-$(basename "${source%.c}").o"
  "$cc" "$c_opt" -std=c11 -Wall -ffunction-sections -fdata-sections \
    -I "$root/Sources/CPopcount/include" -I "$root/Sources/CPopcount" -c "$source" -o "$object"
  objects+=("$object")
done

echo "== link (static, lld)"
"$cc" -static -fuse-ld=lld -B "$toolchain_bin" -Wl,--gc-sections \
  "${objects[@]}" "$embedded_lib/libswiftUnicodeDataTables.a" -lm -o "$out/bnn-runner"
"$toolchain_bin/llvm-objcopy" --strip-all "$out/bnn-runner" "$out/bnn-runner.stripped" 2>/dev/null || true
size=$(stat -c %s "$out/bnn-runner")
stripped=$(stat -c %s "$out/bnn-runner.stripped" 2>/dev/null || echo "?")
echo "built $out/bnn-runner ($size bytes, $stripped stripped)"
