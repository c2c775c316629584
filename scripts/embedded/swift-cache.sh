# Sourced by build-cortex-m.sh and build-riscv32.sh: the build steps both boards share.
#
#   popcount_flags TOOL          kernel_flags for $POPCOUNT (swar-mul, swar-nomul, table;
#                                empty: the build-time default of kernels_internal.h)
#   embedded_swift_flags TARGET CPU_FLAGS...
#                                swift_flags for an Embedded Swift firmware compile
#
# swift_objects compiles the Swift part of the firmware
# (the BinaryNet core and Embedded/Firmware/main.swift; with build_minimal=1 also the
# minimal firmware: the core again with -D BNN_DENSE_ONLY and minimal.swift) once per
# distinct input. The objects
# are kept under .build/embedded/swift-cache/KEY, KEY being a SHA-256 of the compiler's
# version, every flag and the content of every source and header the compile reads, so
# builds that differ only in C (console, popcount variant, memory sizes, models) reuse them.
#
#   swift_objects OUT_OBJ_DIR OUT_MODULE_DIR SWIFT_FLAGS...
#
# Needs $root, $swiftc. Writes OUT_OBJ_DIR/BinaryNet.o and firmware.o (and
# BinaryNet-dense.o and minimal.o).
swift_objects() {
  local obj=$1 modules=$2
  shift 2
  local firmware=$root/Embedded/Firmware
  local inputs=("$root"/Sources/BinaryNet/*.swift "$firmware/main.swift" "$firmware/minimal.swift" "$firmware/board.h"
    "$firmware/Board.modulemap" "$root/Embedded/CPopcount.modulemap" "$root"/Sources/CPopcount/include/*.h)
  local key
  key=$({
    "$swiftc" --version 2>&1
    printf '%s\n' "$@" "minimal=${build_minimal:-}"
    cat "${inputs[@]}"
  } | sha256sum | cut -c1-24)
  local cache=$root/.build/embedded/swift-cache/$key
  if [ -f "$cache/BinaryNet.o" ] && [ -f "$cache/firmware.o" ]; then
    echo "== Swift: BinaryNet core and firmware (unchanged: $cache)"
  else
    rm -rf "$cache.tmp"
    mkdir -p "$cache.tmp/modules"
    echo "== Swift: BinaryNet core (Embedded Swift, ${*:1:2})"
    "$swiftc" "$@" -module-name BinaryNet "$root"/Sources/BinaryNet/*.swift \
      -emit-module -emit-module-path "$cache.tmp/modules/BinaryNet.swiftmodule" -c -o "$cache.tmp/BinaryNet.o"
    echo "== Swift: firmware"
    "$swiftc" "$@" -module-name firmware -I "$cache.tmp/modules" \
      -Xcc -fmodule-map-file="$firmware/Board.modulemap" "$firmware/main.swift" -c -o "$cache.tmp/firmware.o"
    if [ -n "${build_minimal:-}" ]; then
      echo "== Swift: BinaryNet core, dense layers only (-D BNN_DENSE_ONLY), and the minimal firmware"
      mkdir -p "$cache.tmp/modules-dense"
      "$swiftc" "$@" -D BNN_DENSE_ONLY -module-name BinaryNet "$root"/Sources/BinaryNet/*.swift \
        -emit-module -emit-module-path "$cache.tmp/modules-dense/BinaryNet.swiftmodule" -c -o "$cache.tmp/BinaryNet-dense.o"
      "$swiftc" "$@" -module-name minimal -I "$cache.tmp/modules-dense" \
        -Xcc -fmodule-map-file="$firmware/Board.modulemap" "$firmware/minimal.swift" -c -o "$cache.tmp/minimal.o"
    fi
    rm -rf "$cache"
    mv "$cache.tmp" "$cache"
  fi
  mkdir -p "$obj" "$modules"
  cp "$cache/BinaryNet.o" "$cache/firmware.o" "$obj/"
  [ -z "${build_minimal:-}" ] || cp "$cache/BinaryNet-dense.o" "$cache/minimal.o" "$obj/"
  cp -r "$cache/modules/." "$modules/"
}

popcount_flags() {
  kernel_flags=()
  case "${POPCOUNT:-}" in
    "") ;;
    swar-mul) kernel_flags+=(-DBNN_SCALAR_POPCOUNT=1) ;;
    swar-nomul) kernel_flags+=(-DBNN_SCALAR_POPCOUNT=2) ;;
    table) kernel_flags+=(-DBNN_SCALAR_POPCOUNT=3) ;;
    *) echo "$1: POPCOUNT must be swar-mul, swar-nomul or table" >&2; exit 2 ;;
  esac
}

embedded_swift_flags() {
  local target=$1
  shift
  swift_flags=(
    -target "$target" -enable-experimental-feature Embedded
    -wmo -parse-as-library "$swift_opt"
    -Xfrontend -function-sections -Xfrontend -disable-stack-protector
  )
  local flag
  for flag in "$@"; do swift_flags+=(-Xcc "$flag"); done
  swift_flags+=(-Xcc -fmodule-map-file="$root/Embedded/CPopcount.modulemap")
}
