#!/usr/bin/env bash
# Builds BinaryNet firmware for a Cortex-M board as qemu models it: the Arm MPS2-AN386
# (Cortex-M4F, hard float; the default) or the BBC micro:bit (nRF51822: Cortex-M0, ARMv6-M,
# no FPU, 16 KB RAM, 256 KB flash). The inference core (Sources/BinaryNet) as Embedded
# Swift, the portable C kernels (Sources/CPopcount), the shared firmware (Embedded/Firmware),
# start-up code, board support and a linker script from Embedded/CortexM, newlib-nano,
# and the model data from `bnn-run export-c`.
#
#   scripts/embedded/build-cortex-m.sh [--board mps2-an386|microbit] [--out DIR] [DATA.c ...]
#
# Always links DIR/bnn-firmware.elf, the runtime alone (no model), and DIR/bnn-minimal.elf,
# the minimal firmware's runtime alone (trusted model, no test harness: what
# scripts/embedded/runtime-size.sh measures); for each DATA.c (written by
# `bnn-run export-c MODEL --images IDX --out DATA.c`) links DIR/<DATA>.elf, and with
# MINIMAL=1 also DIR/<DATA>-minimal.elf (the minimal firmware with that model).
# Default DIR: .build/embedded/cortex-m (mps2-an386), .build/embedded/cortex-m0 (microbit).
# Then run, e.g.:
#   qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -semihosting -kernel DIR/DATA.elf
#   qemu-system-arm -M microbit -nographic -semihosting -kernel DIR/DATA.elf
#
# Needs: swiftc (Swift 6.x with the Embedded stdlib), arm-none-eabi-gcc and newlib
# (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi).
# Environment: SWIFTC, ARM_CC (default arm-none-eabi-gcc), SWIFT_OPT (default -Osize),
# C_OPT (default -O2), CONSOLE (semihosting, the default, or uart: the board's UART),
# POPCOUNT (swar-mul, swar-nomul or table: overrides the kernels' build-time choice),
# STACK_SIZE (bytes, default 32768; microbit 3072), RAM_SIZE and FLASH_SIZE (bytes,
# default the board's: 4 MiB each on the MPS2, 16 KB / 256 KB on the micro:bit; set them
# to a smaller part's sizes to check that the image fits), MINIMAL (1: also link the
# minimal firmware with each DATA.c).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=
board=mps2-an386
data=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --board) board=$2; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-cortex-m: unknown option $1" >&2; exit 2 ;;
    *) data+=("$1"); shift ;;
  esac
done
case "$board" in
  mps2-an386)
    # Cortex-M4 with its single-precision FPU, hard-float calling convention.
    target=armv7em-none-none-eabi
    cpu_flags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
    board_define=BOARD_MPS2_AN386
    default_out=cortex-m default_stack=32768 default_ram="" default_flash=""
    ;;
  microbit)
    # Cortex-M0 (ARMv6-M: Thumb-1, no FPU, no divide): soft float (libgcc's correctly
    # rounded IEEE single precision), the nRF51822's 16 KB RAM and 256 KB flash.
    target=armv6m-none-none-eabi
    cpu_flags=(-mcpu=cortex-m0 -mthumb -mfloat-abi=soft)
    board_define=BOARD_NRF51
    default_out=cortex-m0 default_stack=3072 default_ram=16384 default_flash=262144
    ;;
  *) echo "build-cortex-m: unknown board '$board' (mps2-an386, microbit)" >&2; exit 2 ;;
esac
# Int-sized enums: the C kernels' structs hold an enum, Swift and C must lay them out alike.
cpu_flags+=(-fno-short-enums)
out=${out:-$root/.build/embedded/$default_out}
mkdir -p "$out/obj" "$out/modules"
out=$(cd "$out" && pwd)
swiftc=${SWIFTC:-swiftc}
cc=${ARM_CC:-arm-none-eabi-gcc}
swift_opt=${SWIFT_OPT:--Osize}
c_opt=${C_OPT:--O2}
stack_size=${STACK_SIZE:-$default_stack}
ram_size=${RAM_SIZE:-$default_ram}
flash_size=${FLASH_SIZE:-$default_flash}
memory_flags=()
[ -z "$ram_size" ] || memory_flags+=(-Wl,--defsym=RAM_SIZE="$ram_size")
[ -z "$flash_size" ] || memory_flags+=(-Wl,--defsym=FLASH_SIZE="$flash_size")
board_flags=(-D"$board_define")
case "${CONSOLE:-semihosting}" in
  semihosting) ;;
  uart) board_flags+=(-DCONSOLE_UART) ;;
  *) echo "build-cortex-m: CONSOLE must be semihosting or uart" >&2; exit 2 ;;
esac
# shellcheck source=swift-cache.sh
. "$root/scripts/embedded/swift-cache.sh"
popcount_flags build-cortex-m
for tool in "$swiftc" "$cc"; do
  command -v "$tool" >/dev/null || { echo "build-cortex-m: '$tool' not found" >&2; exit 1; }
done
size_tool=$(dirname "$(command -v "$cc")")/arm-none-eabi-size
cortex=$root/Embedded/CortexM
firmware=$root/Embedded/Firmware

embedded_swift_flags "$target" "${cpu_flags[@]}"
c_flags=("${cpu_flags[@]}" "$c_opt" -std=c11 -Wall -ffunction-sections -fdata-sections)

build_minimal=1 swift_objects "$out/obj" "$out/modules" "${swift_flags[@]}"

echo "== C: kernels, start-up, board ($cc $c_opt, $board, console ${CONSOLE:-semihosting})"
# The test firmware: main.swift, the core, the popcount self-test. The minimal firmware:
# minimal.swift, the core compiled for dense layers only, and the kernel table and dispatch
# without the convolution kernel and the BNN_KERNEL variable (-DBNN_DENSE_ONLY
# -DBNN_NO_ENVIRONMENT). Both with the C kernels and the board code.
compile_c() { # SOURCE OBJECT [FLAG...]
  local source=$1 object=$2
  shift 2
  "$cc" "${c_flags[@]}" "${board_flags[@]}" ${kernel_flags[@]+"${kernel_flags[@]}"} "$@" \
    -I "$root/Sources/CPopcount/include" -I "$root/Sources/CPopcount" -I "$firmware" \
    -c "$source" -o "$object"
}
objects=("$out/obj/BinaryNet.o" "$out/obj/firmware.o")
minimal_objects=("$out/obj/BinaryNet-dense.o" "$out/obj/minimal.o")
for source in "$root"/Sources/CPopcount/*.c "$firmware/selftest.c" "$firmware/atomics_single_core.c" "$firmware/board_common.c" "$cortex/startup.c" "$cortex/board.c"; do
  name=$(basename "${source%.c}")
  compile_c "$source" "$out/obj/c-$name.o"
  objects+=("$out/obj/c-$name.o")
  case $name in
    selftest) ;;
    kernels_scalar | dispatch)
      compile_c "$source" "$out/obj/c-$name-minimal.o" -DBNN_DENSE_ONLY -DBNN_NO_ENVIRONMENT
      minimal_objects+=("$out/obj/c-$name-minimal.o") ;;
    *) minimal_objects+=("$out/obj/c-$name.o") ;;
  esac
done

link() { # link ELF OBJECT...
  local elf=$1
  shift
  "$cc" "${cpu_flags[@]}" -nostartfiles --specs=nano.specs -T "$cortex/mps2-an386.ld" \
    -Wl,--defsym=STACK_SIZE="$stack_size" ${memory_flags[@]+"${memory_flags[@]}"} -Wl,--gc-sections -Wl,--no-enum-size-warning \
    -Wl,--no-warn-execstack -Wl,-Map="${elf%.elf}.map" \
    "$@" -lm -o "$elf"
}

echo "== link"
link "$out/bnn-firmware.elf" "${objects[@]}"
link "$out/bnn-minimal.elf" "${minimal_objects[@]}"
images=("$out/bnn-firmware.elf" "$out/bnn-minimal.elf")
for source in ${data[@]+"${data[@]}"}; do
  name=$(basename "${source%.c}")
  "$cc" "${c_flags[@]}" -c "$source" -o "$out/obj/data-$name.o"
  link "$out/$name.elf" "${objects[@]}" "$out/obj/data-$name.o"
  images+=("$out/$name.elf")
  if [ -n "${MINIMAL:-}" ]; then
    link "$out/$name-minimal.elf" "${minimal_objects[@]}" "$out/obj/data-$name.o"
    images+=("$out/$name-minimal.elf")
  fi
done
"$size_tool" "${images[@]}"
