#!/usr/bin/env bash
# Builds BinaryNet firmware for a Cortex-M4F (Arm MPS2-AN386 board, as qemu models it):
# the inference core (Sources/BinaryNet) as Embedded Swift, the portable C kernels
# (Sources/CPopcount), start-up code, board support and a linker script from
# Embedded/CortexM, newlib-nano, and the model data from `bnn-run export-c`.
#
#   scripts/embedded/build-cortex-m.sh [--out DIR] [DATA.c ...]
#
# Always links DIR/bnn-firmware.elf, the runtime alone (no model); for each DATA.c
# (written by `bnn-run export-c MODEL --images IDX --out DATA.c`) links DIR/<DATA>.elf.
# Default DIR: .build/embedded/cortex-m. Then run, e.g.:
#   qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -semihosting -kernel DIR/DATA.elf
#
# Needs: swiftc (Swift 6.x with the Embedded stdlib), arm-none-eabi-gcc and newlib
# (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi).
# Environment: SWIFTC, ARM_CC (default arm-none-eabi-gcc), SWIFT_OPT (default -Osize),
# C_OPT (default -O2), STACK_SIZE (bytes, default 32768), RAM_SIZE and FLASH_SIZE (bytes,
# default 4 MiB each: set them to a smaller part's sizes to check that the image fits).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/.build/embedded/cortex-m
data=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-cortex-m: unknown option $1" >&2; exit 2 ;;
    *) data+=("$1"); shift ;;
  esac
done
mkdir -p "$out/obj" "$out/modules"
out=$(cd "$out" && pwd)
swiftc=${SWIFTC:-swiftc}
cc=${ARM_CC:-arm-none-eabi-gcc}
swift_opt=${SWIFT_OPT:--Osize}
c_opt=${C_OPT:--O2}
stack_size=${STACK_SIZE:-32768}
memory_flags=()
[ -z "${RAM_SIZE:-}" ] || memory_flags+=(-Wl,--defsym=RAM_SIZE="$RAM_SIZE")
[ -z "${FLASH_SIZE:-}" ] || memory_flags+=(-Wl,--defsym=FLASH_SIZE="$FLASH_SIZE")
for tool in "$swiftc" "$cc"; do
  command -v "$tool" >/dev/null || { echo "build-cortex-m: '$tool' not found" >&2; exit 1; }
done
size_tool=$(dirname "$(command -v "$cc")")/arm-none-eabi-size
cortex=$root/Embedded/CortexM

# Cortex-M4 with its single-precision FPU, hard-float calling convention, and int-sized
# enums (the C kernels' structs hold an enum: Swift and C must lay them out alike).
cpu_flags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -fno-short-enums)
swift_flags=(
  -target armv7em-none-none-eabi -enable-experimental-feature Embedded
  -wmo -parse-as-library "$swift_opt"
  -Xfrontend -function-sections -Xfrontend -disable-stack-protector
)
for flag in "${cpu_flags[@]}"; do swift_flags+=(-Xcc "$flag"); done
swift_flags+=(-Xcc -fmodule-map-file="$root/Embedded/CPopcount.modulemap")
c_flags=("${cpu_flags[@]}" "$c_opt" -std=c11 -Wall -ffunction-sections -fdata-sections)

echo "== Swift: BinaryNet core (Embedded, armv7em, $swift_opt)"
"$swiftc" "${swift_flags[@]}" -module-name BinaryNet "$root"/Sources/BinaryNet/*.swift \
  -emit-module -emit-module-path "$out/modules/BinaryNet.swiftmodule" -c -o "$out/obj/BinaryNet.o"

echo "== Swift: firmware"
"$swiftc" "${swift_flags[@]}" -module-name firmware -I "$out/modules" \
  -Xcc -fmodule-map-file="$cortex/Board.modulemap" "$cortex/main.swift" -c -o "$out/obj/firmware.o"

echo "== C: kernels, start-up, board ($cc $c_opt)"
objects=("$out/obj/BinaryNet.o" "$out/obj/firmware.o")
for source in "$root"/Sources/CPopcount/*.c "$cortex/startup.c" "$cortex/board.c"; do
  object="$out/obj/c-$(basename "${source%.c}").o"
  "$cc" "${c_flags[@]}" -I "$root/Sources/CPopcount/include" -I "$root/Sources/CPopcount" -I "$cortex" \
    -c "$source" -o "$object"
  objects+=("$object")
done

link() { # link ELF [DATA_OBJECT]
  local elf=$1
  shift
  "$cc" "${cpu_flags[@]}" -nostartfiles --specs=nano.specs -T "$cortex/mps2-an386.ld" \
    -Wl,--defsym=STACK_SIZE="$stack_size" ${memory_flags[@]+"${memory_flags[@]}"} -Wl,--gc-sections -Wl,--no-enum-size-warning \
    -Wl,--no-warn-execstack -Wl,-Map="${elf%.elf}.map" \
    "${objects[@]}" "$@" -lm -o "$elf"
}

echo "== link"
link "$out/bnn-firmware.elf"
images=("$out/bnn-firmware.elf")
for source in ${data[@]+"${data[@]}"}; do
  name=$(basename "${source%.c}")
  "$cc" "${c_flags[@]}" -c "$source" -o "$out/obj/data-$name.o"
  link "$out/$name.elf" "$out/obj/data-$name.o"
  images+=("$out/$name.elf")
done
"$size_tool" "${images[@]}"
