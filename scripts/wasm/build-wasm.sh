#!/usr/bin/env bash
# Builds binarynet.wasm, the BinaryNet runtime for browsers and Node, from the same
# sources as the desktop engine: the inference core (Sources/BinaryNet) and the exports
# (Embedded/Wasm/BinaryNetWasm.swift) as one Embedded Swift module for
# wasm32-unknown-none-wasm, the C kernels (Sources/CPopcount) and a small C library
# (Embedded/Wasm/wasm_support.c: allocator, memcpy ...) with clang
# --target=wasm32-unknown-unknown, linked by wasm-ld, then shrunk by binaryen's wasm-opt.
# No Emscripten, no WASI: the module imports nothing.
#
#   scripts/wasm/build-wasm.sh [OUT_DIR]          (default: .build/wasm)
#
# Writes two modules:
#   OUT_DIR/binarynet.wasm         C kernels with -msimd128 (the simd128 kernel path:
#                                  i8x16.popcnt), for every current browser and Node >= 16
#   OUT_DIR/binarynet-scalar.wasm  the portable scalar kernels only, for engines without SIMD
# prints their sizes, and copies both into web/ (next to binarynet.js, for the page).
# Environment: SWIFTC, SWIFT_OPT (default -Osize), C_OPT (default -O2), C_SIZE_OPT (default -Oz: the C files off the hot path), WASM_OPT (default wasm-opt), MAX_BYTES
# (fail when a module is larger; default 102400 = 100 KiB).
# Needs: the Swift toolchain (swiftc with the Embedded stdlib for wasm32, its clang and
# wasm-ld) and binaryen's wasm-opt (apt-get install binaryen), which shrinks the linked
# module by a sixth.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.build/wasm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
swiftc=${SWIFTC:-swiftc}
swift_opt=${SWIFT_OPT:--Osize}
c_opt=${C_OPT:--O2}
c_size_opt=${C_SIZE_OPT:--Oz}
wasm_opt=${WASM_OPT:-wasm-opt}
max_bytes=${MAX_BYTES:-102400}
toolchain_bin=$(dirname "$(command -v "$swiftc")")
clang=$toolchain_bin/clang
wasm_ld=$toolchain_bin/wasm-ld
for tool in "$clang" "$wasm_ld"; do
  [ -x "$tool" ] || { echo "build-wasm: $tool not found (the Swift toolchain's clang and wasm-ld)" >&2; exit 1; }
done
command -v "$wasm_opt" >/dev/null || { echo "build-wasm: wasm-opt not found (apt-get install binaryen)" >&2; exit 1; }

# The functions Embedded/Wasm/BinaryNetWasm.swift exports (and the allocator's pair).
exports=(bnn_alloc bnn_free bnn_error_message bnn_error_length bnn_load bnn_unload bnn_input_height
  bnn_input_width bnn_input_channels bnn_class_count bnn_label bnn_label_length bnn_kernel_name
  bnn_input_buffer bnn_convert_rgba bnn_classify bnn_scores bnn_probabilities bnn_ranking)

build() { # build NAME SIMD(0|1)
  local name=$1 simd=$2 obj=$out/obj-$1
  mkdir -p "$obj"
  local cpu=()
  [ "$simd" = 1 ] && cpu=(-msimd128)
  echo "== $name: C kernels and support ($c_opt for the hot files, $c_size_opt for the rest${cpu[*]+, ${cpu[*]}})"
  local objects=("$out/obj-swift/BinaryNet.o")
  local c_flags=(--target=wasm32-unknown-unknown -std=c11 -Wall -ffreestanding -ffunction-sections
    -fdata-sections ${cpu[@]+"${cpu[@]}"} -I "$root/Sources/CPopcount/include" -I "$root/Sources/CPopcount")
  # Speed where the time goes (the kernels this module runs, the pixel convolution), size
  # everywhere else: -O2 on all of them would put the module over its budget. (im2col with
  # -Oz: 687 bytes smaller, and the conv model's batch-1 minimum in Node was no slower:
  # 728-733 µs against 755-773 µs with -O2, same run.)
  local hot=" kernels_wasm pixel_conv "
  [ "$simd" = 1 ] || hot+="kernels_scalar "
  for source in "$root"/Sources/CPopcount/*.c "$root/Embedded/Wasm/wasm_support.c"; do
    local base opt extra=()
    base=$(basename "${source%.c}")
    opt=$c_size_opt
    case "$hot" in *" $base "*) opt=$c_opt ;; esac
    # The C library's loops must stay loops, not calls to the functions they implement.
    [ "$base" = wasm_support ] && extra=(-fno-builtin)
    "$clang" "${c_flags[@]}" "$opt" ${extra[@]+"${extra[@]}"} -c "$source" -o "$obj/c-$base.o"
    objects+=("$obj/c-$base.o")
  done
  echo "== $name: link (wasm-ld)"
  local export_flags=()
  for e in "${exports[@]}"; do export_flags+=("--export=$e"); done
  "$wasm_ld" --no-entry --gc-sections --strip-all -z stack-size=1048576 "${export_flags[@]}" \
    "${objects[@]}" -o "$obj/$name.linked.wasm"
  echo "== $name: wasm-opt -Oz"
  "$wasm_opt" -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals ${cpu[@]+--enable-simd} "$obj/$name.linked.wasm" -o "$out/$name.wasm"
}

# The Swift side, compiled once for both modules and without SIMD (the time is in the C
# kernels; so the scalar module has no SIMD instruction from Swift code either). One module:
# the core and the exports together (whole-module optimisation drops what the exports do not
# reach and specialises across both: a quarter smaller than two modules).
swift_flags=(
  -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded
  -wmo -parse-as-library "$swift_opt" -Xfrontend -function-sections -Xfrontend -disable-stack-protector
  -Xcc -fmodule-map-file="$root/Embedded/CPopcount.modulemap"
)
mkdir -p "$out/obj-swift"
echo "== Swift core and exports (Embedded, wasm32, $swift_opt, one module)"
"$swiftc" "${swift_flags[@]}" -module-name BinaryNet "$root"/Sources/BinaryNet/*.swift \
  "$root/Embedded/Wasm/BinaryNetWasm.swift" -c -o "$out/obj-swift/BinaryNet.o"

build binarynet 1
build binarynet-scalar 0

status=0
for name in binarynet binarynet-scalar; do
  size=$(stat -c %s "$out/$name.wasm")
  echo "built $out/$name.wasm ($size bytes, $(( (size + 1023) / 1024 )) KiB)"
  if [ "$size" -gt "$max_bytes" ]; then
    echo "build-wasm: $name.wasm is $size bytes, over the $max_bytes-byte budget" >&2
    status=1
  fi
done
# The web page loads the modules from its own folder (web/*.wasm is not committed).
cp "$out/binarynet.wasm" "$out/binarynet-scalar.wasm" "$root/web/"
echo "copied both modules to web/"
exit $status
