#!/usr/bin/env bash
# Builds binarynet.wasm, the BinaryNet runtime for browsers and Node, from the same
# sources as the desktop engine: the inference core (Sources/BinaryNet) and the exports
# (Embedded/Wasm/BinaryNetWasm.swift) as Embedded Swift for wasm32-unknown-none-wasm, the C
# kernels (Sources/CPopcount) and a small C library (Embedded/Wasm/wasm_support.c:
# allocator, memcpy ...) with clang --target=wasm32-unknown-unknown, linked by wasm-ld.
# No Emscripten, no WASI: the module imports nothing.
#
#   scripts/wasm/build-wasm.sh [OUT_DIR]          (default: .build/wasm)
#
# Writes two modules:
#   OUT_DIR/binarynet.wasm         C kernels with -msimd128 (the simd128 kernel path:
#                                  i8x16.popcnt), for every current browser and Node >= 16
#   OUT_DIR/binarynet-scalar.wasm  the portable scalar kernels only, for engines without SIMD
# and prints their sizes. Environment: SWIFTC, SWIFT_OPT (default -Osize), C_OPT (default -O2),
# MAX_BYTES (fail when a module is larger; default 102400).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.build/wasm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
swiftc=${SWIFTC:-swiftc}
swift_opt=${SWIFT_OPT:--Osize}
c_opt=${C_OPT:--O2}
max_bytes=${MAX_BYTES:-102400}
toolchain_bin=$(dirname "$(command -v "$swiftc")")
clang=$toolchain_bin/clang
wasm_ld=$toolchain_bin/wasm-ld
for tool in "$clang" "$wasm_ld"; do
  [ -x "$tool" ] || { echo "build-wasm: $tool not found (the Swift toolchain's clang and wasm-ld)" >&2; exit 1; }
done

# The functions Embedded/Wasm/BinaryNetWasm.swift exports (and the allocator's pair).
exports=(bnn_alloc bnn_free bnn_error_message bnn_error_length bnn_load bnn_unload bnn_input_height
  bnn_input_width bnn_input_channels bnn_class_count bnn_label bnn_label_length bnn_kernel_name
  bnn_input_buffer bnn_convert_rgba bnn_classify bnn_classify_many bnn_scores bnn_probabilities bnn_ranking)

build() { # build NAME SIMD(0|1)
  local name=$1 simd=$2 obj=$out/obj-$1
  mkdir -p "$obj/modules"
  local cpu=()
  [ "$simd" = 1 ] && cpu=(-msimd128)
  local swift_flags=(
    -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded
    -wmo -parse-as-library "$swift_opt" -Xfrontend -function-sections -Xfrontend -disable-stack-protector
    -Xcc -fmodule-map-file="$root/Embedded/CPopcount.modulemap"
  )
  for flag in ${cpu[@]+"${cpu[@]}"}; do swift_flags+=(-Xcc "$flag"); done
  echo "== $name: Swift core (Embedded, wasm32, $swift_opt)"
  "$swiftc" "${swift_flags[@]}" -module-name BinaryNet "$root"/Sources/BinaryNet/*.swift \
    -emit-module -emit-module-path "$obj/modules/BinaryNet.swiftmodule" -c -o "$obj/BinaryNet.o"
  echo "== $name: Swift exports"
  "$swiftc" "${swift_flags[@]}" -module-name BinaryNetWasm -I "$obj/modules" \
    "$root/Embedded/Wasm/BinaryNetWasm.swift" -c -o "$obj/exports.o"
  echo "== $name: C kernels and support ($c_opt${cpu[*]+ ${cpu[*]}})"
  local objects=("$obj/BinaryNet.o" "$obj/exports.o")
  local c_flags=(--target=wasm32-unknown-unknown "$c_opt" -std=c11 -Wall -ffreestanding -ffunction-sections
    -fdata-sections ${cpu[@]+"${cpu[@]}"} -I "$root/Sources/CPopcount/include" -I "$root/Sources/CPopcount")
  for source in "$root"/Sources/CPopcount/*.c; do
    "$clang" "${c_flags[@]}" -c "$source" -o "$obj/c-$(basename "${source%.c}").o"
    objects+=("$obj/c-$(basename "${source%.c}").o")
  done
  "$clang" "${c_flags[@]}" -fno-builtin -c "$root/Embedded/Wasm/wasm_support.c" -o "$obj/c-wasm_support.o"
  objects+=("$obj/c-wasm_support.o")
  echo "== $name: link (wasm-ld)"
  local export_flags=()
  for e in "${exports[@]}"; do export_flags+=("--export=$e"); done
  "$wasm_ld" --no-entry --gc-sections --strip-all -z stack-size=1048576 "${export_flags[@]}" \
    "${objects[@]}" -o "$out/$name.wasm"
}

build binarynet 1
build binarynet-scalar 0

status=0
for name in binarynet binarynet-scalar; do
  size=$(stat -c %s "$out/$name.wasm")
  imports=$(od -An -c "$out/$name.wasm" | tr -d ' \n' | grep -c 'env' || true)
  echo "built $out/$name.wasm ($size bytes, $(( (size + 1023) / 1024 )) KiB)"
  if [ "$size" -gt "$max_bytes" ]; then
    echo "build-wasm: $name.wasm is $size bytes, over the $max_bytes-byte budget" >&2
    status=1
  fi
done
exit $status
