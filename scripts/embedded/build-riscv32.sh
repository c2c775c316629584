#!/usr/bin/env bash
# Builds BinaryNet firmware for a 32-bit RISC-V core (rv32imc, ilp32: no FPU, no atomics)
# on qemu's `virt` machine: the inference core (Sources/BinaryNet) as Embedded Swift for
# riscv32-none-none-eabi, the portable C kernels (Sources/CPopcount), the shared firmware
# (Embedded/Firmware), start-up code, board support (16550 UART console, SiFive test device
# for the exit status) and a linker script from Embedded/RISCV, picolibc, libgcc (soft
# float), and the model data from `bnn-run export-c`.
#
#   scripts/embedded/build-riscv32.sh [--out DIR] [DATA.c ...]
#
# Always links DIR/bnn-firmware.elf, the runtime alone (no model); for each DATA.c
# (written by `bnn-run export-c MODEL --images IDX --out DATA.c`) links DIR/<DATA>.elf.
# Default DIR: .build/embedded/riscv32. Then run, e.g.:
#   qemu-system-riscv32 -M virt -bios none -nographic -icount shift=0 -kernel DIR/DATA.elf
#
# Needs: swiftc (Swift 6.x with the Embedded stdlib), riscv64-unknown-elf-gcc and picolibc
# (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf).
# Environment: SWIFTC, RISCV_CC (default riscv64-unknown-elf-gcc), SWIFT_OPT (default
# -Osize), C_OPT (default -O2), MARCH (default rv32imc), POPCOUNT (swar-mul, swar-nomul or
# table: overrides the kernels' build-time choice), STACK_SIZE (bytes, default 32768),
# RAM_SIZE and FLASH_SIZE (bytes, default 4 MiB each: set them to a smaller part's sizes to
# check that the image fits).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/.build/embedded/riscv32
data=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-riscv32: unknown option $1" >&2; exit 2 ;;
    *) data+=("$1"); shift ;;
  esac
done
mkdir -p "$out/obj" "$out/modules"
out=$(cd "$out" && pwd)
swiftc=${SWIFTC:-swiftc}
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
swift_opt=${SWIFT_OPT:--Osize}
c_opt=${C_OPT:--O2}
march=${MARCH:-rv32imc}
stack_size=${STACK_SIZE:-32768}
memory_flags=()
[ -z "${RAM_SIZE:-}" ] || memory_flags+=(-Wl,--defsym=RAM_SIZE="$RAM_SIZE")
[ -z "${FLASH_SIZE:-}" ] || memory_flags+=(-Wl,--defsym=FLASH_SIZE="$FLASH_SIZE")
# shellcheck source=swift-cache.sh
. "$root/scripts/embedded/swift-cache.sh"
popcount_flags build-riscv32
for tool in "$swiftc" "$cc"; do
  command -v "$tool" >/dev/null || { echo "build-riscv32: '$tool' not found" >&2; exit 1; }
done
size_tool=$(dirname "$(command -v "$cc")")/riscv64-unknown-elf-size
riscv=$root/Embedded/RISCV
firmware=$root/Embedded/Firmware

# ilp32: soft float (libgcc's correctly rounded IEEE single precision); the medium code
# model (any address); int-sized enums like the C kernels' (the RISC-V ABI default).
cpu_flags=(-march="$march" -mabi=ilp32 -mcmodel=medany)
embedded_swift_flags riscv32-none-none-eabi "${cpu_flags[@]}"
# GCC 12 names the CSR instructions (start-up, minstret) as their own extension; the link
# keeps the plain -march, which selects the rv32im/ilp32 multilib of libgcc and picolibc.
c_flags=(-march="${march}_zicsr" -mabi=ilp32 -mcmodel=medany "$c_opt" -std=c11 -Wall -ffunction-sections -fdata-sections --specs=picolibc.specs)

swift_objects "$out/obj" "$out/modules" "${swift_flags[@]}"

echo "== C: kernels, start-up, board ($cc $c_opt)"
objects=("$out/obj/BinaryNet.o" "$out/obj/firmware.o")
for source in "$root"/Sources/CPopcount/*.c "$firmware/selftest.c" "$firmware/atomics_single_core.c" "$firmware/board_common.c" "$riscv"/*.c; do
  object="$out/obj/c-$(basename "${source%.c}").o"
  "$cc" "${c_flags[@]}" ${kernel_flags[@]+"${kernel_flags[@]}"} \
    -I "$root/Sources/CPopcount/include" -I "$root/Sources/CPopcount" -I "$firmware" \
    -c "$source" -o "$object"
  objects+=("$object")
done

link() { # link ELF [DATA_OBJECT]
  local elf=$1
  shift
  "$cc" "${cpu_flags[@]}" --specs=picolibc.specs -nostartfiles -T "$riscv/virt.ld" \
    -Wl,--defsym=STACK_SIZE="$stack_size" ${memory_flags[@]+"${memory_flags[@]}"} -Wl,--gc-sections \
    -Wl,-Map="${elf%.elf}.map" "${objects[@]}" "$@" -lm -o "$elf"
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
