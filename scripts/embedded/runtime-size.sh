#!/usr/bin/env bash
# The flash a firmware's runtime takes, from its link map: every input section the link
# placed in flash (code, constant tables, the initial values of .data; the vector table,
# start-up, board and console code included: all of it is flashed) grouped by where it
# comes from, without the model and test images (the objects of `bnn-run export-c` data,
# obj/data-*.o). Alignment padding between input sections is counted too.
#
#   scripts/embedded/runtime-size.sh [--limit BYTES] FIRMWARE.elf...
#
# Reads FIRMWARE.map (written next to each .elf by the build scripts). Prints a table per
# firmware; with --limit, exits 1 when a runtime is BYTES or more. Checks that the sections
# add up to the flash the link used (arm-none-eabi-size: text + data).
set -euo pipefail
limit=
elfs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "runtime-size: unknown option $1" >&2; exit 2 ;;
    *) elfs+=("$1"); shift ;;
  esac
done
[ ${#elfs[@]} -gt 0 ] || { echo "usage: runtime-size.sh [--limit BYTES] FIRMWARE.elf..." >&2; exit 2; }

status=0
for elf in "${elfs[@]}"; do
  map=${elf%.elf}.map
  [ -f "$map" ] || { echo "runtime-size: no link map $map" >&2; exit 2; }
  # component<TAB>bytes lines, then "flash<TAB>bytes" (every flash output section).
  sizes=$(awk '
    function hex(text,    i, n) { # "0x1a2b" (mawk has no strtonum)
      n = 0
      text = tolower(substr(text, 3))
      for (i = 1; i <= length(text); i++) n = n * 16 + index("0123456789abcdef", substr(text, i, 1)) - 1
      return n
    }
    function component(file) {
      if (file ~ /\/data-[^\/]*\.o$/) return "model and test images (excluded)"
      if (file ~ /\/BinaryNet[^\/]*\.o$/) return "Swift core (BinaryNet, with the Embedded Swift stdlib and runtime it uses)"
      if (file ~ /\/(minimal|firmware)\.o$/) return "firmware program (Embedded/Firmware/*.swift)"
      if (file ~ /\/c-(startup|board|board_common|atomics_single_core|selftest)\.o$/) return "board, start-up, console (Embedded/CortexM, RISCV, Firmware C)"
      if (file ~ /\/c-[^\/]*\.o$/) return "C kernels (Sources/CPopcount)"
      if (file ~ /libgcc\.a/) return "libgcc (soft float, division)"
      if (file ~ /lib(c|c_nano|m|g|g_nano)\.a|picolibc|libc\.a/) return "C library (newlib-nano / picolibc)"
      return "other: " file
    }
    function add(size, file) {
      if (!in_flash) return
      name = file == "" ? "alignment padding" : component(file)
      bytes[name] += hex(size)
      last = name
    }
    /^Linker script and memory map/ { started = 1; next }
    !started { next }
    # An output section: its name in column 1 (address and size on this line or the next).
    /^\.[^ ]/ {
      section = $1
      in_flash = section ~ /^\.(text|rodata|ARM\.extab|ARM\.exidx|data|init_array|fini_array|srodata|sdata)$/
      if (NF >= 3) flash += in_flash ? hex($3) : 0
      else pending = 1
      next
    }
    pending && /^ +0x/ { flash += in_flash ? hex($2) : 0; pending = 0; next }
    { pending = 0 }
    /^ \*fill\*/ { add($3, ""); next }
    # An input section: name, address, size, file; a long name puts the rest on the next line.
    /^ [^ *]/ {
      if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) { add($3, $4); split_line = 0 } else if (NF == 1) split_line = 1
      next
    }
    split_line && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($2, $3); split_line = 0; next }
    { split_line = 0 }
    END {
      for (name in bytes) if (bytes[name] > 0) printf "%s\t%d\n", name, bytes[name]
      printf "flash\t%d\n", flash
    }
  ' "$map")
  flash=$(printf '%s\n' "$sizes" | awk -F'\t' '$1 == "flash" { print $2 }')
  parts=$(printf '%s\n' "$sizes" | awk -F'\t' '$1 != "flash" { s += $2 } END { print s + 0 }')
  model=$(printf '%s\n' "$sizes" | awk -F'\t' '$1 ~ /^model/ { s += $2 } END { print s + 0 }')
  runtime=$((parts - model))
  echo "runtime flash of $(basename "$elf") (bytes; from $(basename "$map")):"
  printf '%s\n' "$sizes" | awk -F'\t' '$1 != "flash" && $1 !~ /^model/' | sort -t$'\t' -k2,2nr |
    awk -F'\t' '{ printf "  %-76s %7d\n", $1, $2 }'
  printf '  %-76s %7d\n' "runtime total" "$runtime"
  [ "$model" -eq 0 ] || printf '  %-76s %7d\n' "(not counted: model and test images)" "$model"
  if [ "$parts" -ne "$flash" ]; then
    echo "runtime-size: the input sections add up to $parts bytes, the flash sections to $flash" >&2
    status=1
  fi
  if [ -n "$limit" ]; then
    if [ "$runtime" -lt "$limit" ]; then
      echo "  under the limit of $limit bytes ($((limit - runtime)) to spare)"
    else
      echo "  OVER the limit of $limit bytes by $((runtime - limit + 1))"
      status=1
    fi
  fi
done
exit $status
