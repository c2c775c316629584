#!/usr/bin/env bash
# CI for the embedded builds: the inference core compiles as Embedded Swift; the static
# ARM64 Linux runner and the firmware for a Cortex-M4F (MPS2-AN386), a Cortex-M0 (micro:bit,
# 16 KB RAM) and a RISC-V rv32imc (qemu virt), built from the same sources, predict exactly
# what the x86 `bnn-run` predicts, with bit-identical scores, under qemu; the popcount
# variants are checked on each core and the kernels' build-time choice is the fastest
# measured. Prints "N passed, N failed" and exits non-zero on any failure.
#
#   scripts/test-embedded.sh
#
# Installs what is missing with apt-get (qemu-user, qemu-system-arm, qemu-system-misc, the
# aarch64, arm-none-eabi and riscv64-unknown-elf GCC toolchains, newlib, picolibc). Models: a small MLP trained here for one epoch
# (784-256-10, about 2 s), and two deterministic random ones (bnn-run export-c --arch) that
# cover binary hidden layers, convolutions and pooling; and two colour (28x28x3) models on
# a coloured MNIST that bnn-run export-images writes as rank-4 IDX files: an MLP trained
# here for one epoch and a random convolutional one; and two models trained in Larq,
# imported from Tests/Fixtures/larq (model format v3: border thresholds, an input sign).
# MNIST comes from datasets/mnist.
# Environment: BNN_MODEL (a model file for 28x28 MNIST to check instead of training one),
# CONV_IMAGES (conv model images on x86 and qemu-aarch64, default 2000; colour conv: 300;
# imported: 1000),
# FIRMWARE_IMAGES (images in flash, default 100 dense / 10 conv).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/checks.sh

# The desktop's scores of the images in C data file $1 (bit patterns, one image a line)
# against the "scores" lines of firmware output $2: 0 when every bit is identical.
same_scores() {
  local classes
  classes=$(sed -n 's/^const uint32_t [a-z_]*_class_count = \([0-9]*\)u;/\1/p' "$1")
  [ -n "$classes" ] || return 1
  sed -n '/_expected_scores\[/,/^};/p' "$1" | grep -o '0x[0-9a-f]\{8\}' | sed 's/^0x//' |
    paste -d' ' $(for _ in $(seq "$classes"); do printf -- '- '; done) >"$2.desktop-scores"
  sed -n 's/^scores *[0-9]*: \([0-9a-f ]*[0-9a-f]\).*/\1/p' "$2" >"$2.device-scores"
  [ -s "$2.device-scores" ] && cmp -s "$2.desktop-scores" "$2.device-scores"
}

# Runs firmware image $2 on qemu board $1 (mps2-an386, microbit, virt) counting
# instructions (-icount shift=0); output in $3, exit status returned. Console options
# follow (default -nographic: the serial port and semihosting on stdout).
run_board() {
  local board=$1 elf=$2 output=$3
  shift 3
  [ $# -gt 0 ] || set -- -nographic
  case $board in
    mps2-an386) timeout 300 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -semihosting -icount shift=0 -kernel "$elf" "$@" ;;
    microbit) timeout 300 qemu-system-arm -M microbit -semihosting -icount shift=0 -kernel "$elf" "$@" ;;
    virt) timeout 300 qemu-system-riscv32 -M virt -bios none -icount shift=0 -kernel "$elf" "$@" ;;
  esac >"$output" 2>&1
  local status=$?
  sed -i 's/\r$//' "$output" # a UART ends its lines with CR LF
  return $status
}
# Instructions per inference in firmware output $1: the ticks per inference scaled by the
# ticks a known loop of 1,000,000 instructions took (the "clock" line).
instructions() {
  local ticks clock
  ticks=$(sed -n 's/^ticks *per inference: mean \([0-9]*\).*/\1/p' "$1")
  clock=$(sed -n 's/^clock *1000000 instructions (a known loop) take \([0-9]*\) ticks/\1/p' "$1")
  [ -n "$ticks" ] && [ -n "$clock" ] && [ "$clock" -gt 0 ] && echo $((ticks * 1000000 / clock))
}
# Firmware output $2 of model $1 against x86 ($work/$1-x86.txt, $work/$1.c), exit status $3:
# 0 when the firmware exited 0 and every prediction and score bit is identical; prints a summary.
check_firmware() {
  local m=$1 output=$2 status=$3 n
  sed -n 's/^image *[0-9]*: predicted \([0-9]*\),.*/\1/p' "$output" >"$output.predictions"
  n=$(wc -l <"$output.predictions")
  [ "$status" -eq 0 ] && [ "$n" -gt 0 ] && head -n "$n" "$work/$m-x86.txt" | cmp -s - "$output.predictions" &&
    same_scores "$work/$m.c" "$output" || return 1
  echo "$n predictions and their scores bit-identical to x86; $(instructions "$output") instructions per inference; $(sed -n 's/^memory *//p' "$output")"
}


echo "== tools"
need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(libc6-dev-arm64-cross)
command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi)
ls /usr/lib/arm-none-eabi/newlib/thumb/v7e-m+fp/hard/libc_nano.a >/dev/null 2>&1 || need+=(libnewlib-arm-none-eabi)
command -v qemu-system-riscv32 >/dev/null || need+=(qemu-system-misc)
command -v riscv64-unknown-elf-gcc >/dev/null || need+=(gcc-riscv64-unknown-elf)
[ -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs ] || need+=(picolibc-riscv64-unknown-elf)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
for tool in swiftc qemu-aarch64 qemu-system-arm qemu-system-riscv32 aarch64-linux-gnu-gcc arm-none-eabi-gcc \
  riscv64-unknown-elf-gcc; do
  command -v "$tool" >/dev/null || { fail "tool $tool is missing"; finish "embedded tests"; }
done

echo "== 1. the inference core has no Foundation (it compiles as Embedded Swift for aarch64, armv7em,"
echo "      armv6m and riscv32 in the builds of sections 3, 4, 6 and 8, with each board's CPU flags)"
if scripts/embedded/check-core.sh --imports-only; then pass "core imports no Foundation"; else fail "core imports Foundation"; fi

echo "== 2. x86 bnn-run and bnn-train"
if ! swift build --product bnn-run 2>&1 | tail -n 1 || ! swift build --product bnn-train 2>&1 | tail -n 1; then
  fail "swift build bnn-run bnn-train"
  finish "embedded tests"
fi
bnn_run=$(swift build --show-bin-path)/bnn-run
bnn_train=$(swift build --show-bin-path)/bnn-train
work=$root/.build/embedded/test
rm -rf "$work"
mkdir -p "$work"
gunzip -c datasets/mnist/t10k-images-idx3-ubyte.gz >"$work/images.idx"
gunzip -c datasets/mnist/t10k-labels-idx1-ubyte.gz >"$work/labels.idx"
# A trained MLP (pixel-dense, binary-output) and two deterministic random models: a
# dense one (pixel-dense, binary-dense, binary-output) and a convolutional one
# (pixel-conv, pooling, binary-conv, dense). Colour (28x28x3, rank-4 IDX): a trained MLP
# and a random convolutional model (3-channel pixel-conv, pooling, binary-conv). Each is
# a .bnn file, and C data with test images for the firmware.
# Two models trained in Larq and imported (Tests/Fixtures/larq, bnn-run import): border
# thresholds on zero-padded convolutions (larqconv, conv_tiny) and a sign on the model
# input (larqsign, sign_conv_tiny): model format v3.
models=(trained dense conv colour colourconv larqconv larqsign)
declare -A arch=([trained]=784-256-10 [dense]=784-256-256-10 [conv]=c16-p-c32-p-64-10
  [colour]=2352-128-10 [colourconv]=c16-p-c32-p-10 [larqconv]="imported conv_tiny"
  [larqsign]="imported sign_conv_tiny")
declare -A flash_images=([trained]=${FIRMWARE_IMAGES:-100} [dense]=${FIRMWARE_IMAGES:-100} [conv]=${FIRMWARE_IMAGES:-10}
  [colour]=${FIRMWARE_IMAGES:-100} [colourconv]=${FIRMWARE_IMAGES:-10} [larqconv]=${FIRMWARE_IMAGES:-10}
  [larqsign]=${FIRMWARE_IMAGES:-10})
# Images classified by x86 and aarch64 (all unless the model is slow under qemu).
declare -A limit=([trained]=10000 [dense]=10000 [conv]=${CONV_IMAGES:-2000} [colour]=3000
  [colourconv]=${CONV_IMAGES:-300} [larqconv]=${CONV_IMAGES:-1000} [larqsign]=${CONV_IMAGES:-1000})
colour=$work/colour
declare -A images=([trained]=$work/images.idx [dense]=$work/images.idx [conv]=$work/images.idx
  [colour]=$colour/t10k-images-idx3-ubyte [colourconv]=$colour/t10k-images-idx3-ubyte
  [larqconv]=$work/images.idx [larqsign]=$work/images.idx)
declare -A labels=([trained]=$work/labels.idx [dense]=$work/labels.idx [conv]=$work/labels.idx
  [colour]=$colour/t10k-labels-idx1-ubyte [colourconv]=$colour/t10k-labels-idx1-ubyte
  [larqconv]=$work/labels.idx [larqsign]=$work/labels.idx)
declare -A imported=([larqconv]=conv_tiny [larqsign]=sign_conv_tiny)
for m in "${!imported[@]}"; do
  if "$bnn_run" import "Tests/Fixtures/larq/${imported[$m]}.npz" --out "$work/$m.bnn" >"$work/import-$m.log" 2>&1 &&
    grep -q "format v3" "$work/import-$m.log"; then
    pass "x86: imported the Larq fixture ${imported[$m]} (format v3)"
  else
    cat "$work/import-$m.log"
    fail "x86: bnn-run import ${imported[$m]}"
  fi
done
if [ -n "${BNN_MODEL:-}" ]; then
  # Your own MNIST model instead of the one-epoch MLP.
  if cp "$BNN_MODEL" "$work/trained.bnn"; then pass "using BNN_MODEL=$BNN_MODEL"; else fail "BNN_MODEL=$BNN_MODEL"; fi
  arch[trained]=$(basename "$BNN_MODEL")
elif "$bnn_train" --dataset mnist --arch 784-256-10 --epochs 1 --seed 1 --out "$work/trained.bnn" >"$work/train.log" 2>&1; then
  pass "x86: trained a 784-256-10 MLP for one epoch ($(sed -n 's/.*engine test accuracy \([0-9.]*%\).*/\1/p' "$work/train.log"))"
else
  cat "$work/train.log"
  fail "x86: bnn-train"
fi
# Coloured MNIST (3,000 training and 3,000 test images, colours seeded by 1) as rank-4
# IDX files, and a 2352-128-10 MLP trained on it for one epoch.
if "$bnn_run" export-images --dataset mnist --colour 1 --limit 3000 --format idx --out "$colour" >"$work/colour.log" 2>&1 &&
  [ "$(od -An -tx1 -N4 "$colour/t10k-images-idx3-ubyte" | tr -d ' ')" = 00000804 ]; then
  pass "x86: coloured MNIST exported as rank-4 IDX ($(sed -n 's/^wrote \(.*images\) (\([0-9x]*\),.*/\1 of \2/p' "$work/colour.log"))"
else
  cat "$work/colour.log"
  fail "x86: bnn-run export-images --colour --format idx"
fi
if "$bnn_train" --data "$colour" --arch 2352-128-10 --epochs 1 --seed 1 --val 0 --threads 2 \
  --out "$work/colour.bnn" >"$work/train-colour.log" 2>&1; then
  pass "x86: trained a 2352-128-10 colour MLP for one epoch ($(sed -n 's/.*engine test accuracy \([0-9.]*%\).*/\1/p' "$work/train-colour.log"))"
else
  cat "$work/train-colour.log"
  fail "x86: bnn-train on colour images"
fi
for m in "${models[@]}"; do
  case $m in
    trained | colour | larqconv | larqsign) source=("$work/$m.bnn") ;;
    *) source=(--arch "${arch[$m]}" --save-model "$work/$m.bnn") ;;
  esac
  # A random model takes its input shape (28x28x1 or 28x28x3) from --images.
  if "$bnn_run" export-c "${source[@]}" --out "$work/$m.c" \
    --images "${images[$m]}" --labels "${labels[$m]}" --count "${flash_images[$m]}" >/dev/null &&
    "$bnn_run" eval "$work/$m.bnn" --images "${images[$m]}" --labels "${labels[$m]}" \
      --limit "${limit[$m]}" --predictions "$work/$m-x86.txt" >"$work/$m-x86.log"; then
    pass "x86: $m model (${arch[$m]}) exported and evaluated ($(wc -l <"$work/$m-x86.txt") images, $(sed -n 's/^accuracy *\([0-9.]*%\).*/\1/p' "$work/$m-x86.log"))"
  else
    fail "x86: $m model export / eval"
  fi
done
# A model whose predictions are all equal would make "identical" meaningless.
for m in "${models[@]}"; do
  classes=$(sort -u "$work/$m-x86.txt" 2>/dev/null | wc -l)
  if [ "$classes" -ge 3 ]; then pass "x86: $m model predicts $classes different classes"; else fail "x86: $m model predicts only $classes class(es)"; fi
done

echo "== 3. ARM64 Linux: static runner under qemu-aarch64"
runner=$root/.build/embedded/aarch64/bnn-runner
if scripts/embedded/build-aarch64.sh >"$work/build-aarch64.log" 2>&1; then
  pass "build-aarch64.sh ($(tail -n 1 "$work/build-aarch64.log" | sed 's/^built //'))"
  if file "$runner" 2>/dev/null | grep -q "statically linked" || ! command -v file >/dev/null; then
    pass "runner is a static aarch64 executable"
  else
    fail "runner is not statically linked: $(file "$runner")"
  fi
  paths=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$runner" "$work/dense.bnn" "$work/images.idx" --limit 1 2>&1 |
    sed -n 's/.*, \([a-z0-9-]*\) kernels)$/\1/p')
  kernels=(scalar)
  [ "$paths" = neon ] && kernels=(scalar neon)
  # qemu's default CPU has the dot-product extension: the runner picks neon-dotprod (the
  # neon kernels; Embedded builds have no int8 first layer)
  [ "$paths" = neon-dotprod ] && kernels=(scalar neon neon-dotprod)
  for m in "${models[@]}"; do
    for k in "${kernels[@]}"; do
      t0=$SECONDS
      if qemu-aarch64 -L /usr/aarch64-linux-gnu "$runner" "$work/$m.bnn" "${images[$m]}" --labels "${labels[$m]}" \
        --limit "${limit[$m]}" --kernel "$k" --predictions "$work/$m-a64-$k.txt" >"$work/$m-a64-$k.log" 2>&1 &&
        cmp -s "$work/$m-x86.txt" "$work/$m-a64-$k.txt"; then
        accuracy=$(sed -n 's/^accuracy *\([0-9.]*%\).*/\1/p' "$work/$m-a64-$k.log")
        pass "aarch64 ($k kernels): $m model, $(wc -l <"$work/$m-a64-$k.txt") predictions identical to x86 ($accuracy, $((SECONDS - t0)) s)"
      else
        fail "aarch64 ($k kernels): $m model predictions differ from x86 (see $work/$m-a64-$k.log)"
      fi
    done
  done
  # A damaged model is refused with a message, not run.
  cp "$work/dense.bnn" "$work/damaged.bnn"
  printf '\x55' | dd of="$work/damaged.bnn" bs=1 seek=300 conv=notrunc status=none
  out=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$runner" "$work/damaged.bnn" "$work/images.idx" 2>&1)
  status=$?
  if [ $status -eq 1 ] && echo "$out" | grep -q "CRC-32 mismatch"; then
    pass "aarch64: a damaged model is refused (exit 1)"
  else
    fail "aarch64: damaged model: exit $status, $out"
  fi
else
  cat "$work/build-aarch64.log"
  fail "build-aarch64.sh"
fi

echo "== 4. Cortex-M4F firmware under qemu-system-arm (mps2-an386)"
firmware=$root/.build/embedded/cortex-m
# A copy of the dense data with one model byte changed: the firmware must refuse it.
awk 'NR == 30 { sub(/0x[0-9a-f][0-9a-f]/, ($0 ~ /^  0x5a/) ? "0xa5" : "0x5a") } { print }' "$work/dense.c" >"$work/damaged.c"
cmp -s "$work/dense.c" "$work/damaged.c" && fail "test setup: damaged.c is not damaged"
sources=()
for m in "${models[@]}"; do sources+=("$work/$m.c"); done
if MINIMAL=1 scripts/embedded/build-cortex-m.sh "${sources[@]}" "$work/damaged.c" >"$work/build-cortex-m.log" 2>&1; then
  pass "build-cortex-m.sh"
  sed -n '/text/,$p' "$work/build-cortex-m.log"
  run_firmware() { # ELF -> output in $work/<name>.out, exit status returned
    timeout 300 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -semihosting -icount shift=0 \
      -kernel "$1" >"$work/$(basename "${1%.elf}").out" 2>&1
  }
  if run_firmware "$firmware/bnn-firmware.elf" && grep -q "no model linked" "$work/bnn-firmware.out"; then
    pass "cortex-m: the runtime-only image boots and exits 0"
  else
    fail "cortex-m: runtime-only image (see $work/bnn-firmware.out)"
  fi
  for m in "${models[@]}"; do
    run_firmware "$firmware/$m.elf"
    status=$?
    n=${flash_images[$m]}
    sed -n 's/^image *[0-9]*: predicted \([0-9]*\),.*/\1/p' "$work/$m.out" >"$work/$m-m4.txt"
    if [ $status -eq 0 ] && [ "$(wc -l <"$work/$m-m4.txt")" -eq "$n" ] &&
      head -n "$n" "$work/$m-x86.txt" | cmp -s - "$work/$m-m4.txt" && same_scores "$work/$m.c" "$work/$m.out"; then
      ticks=$(sed -n 's/^ticks *per inference: mean \([0-9]*\).*/\1/p' "$work/$m.out")
      correct=$(sed -n 's/^accuracy *\([0-9]* \/ [0-9]*\).*/\1/p' "$work/$m.out")
      pass "cortex-m: $m model, $n predictions and their scores bit-identical to x86 ($correct correct; $ticks SysTick ticks = ~$((ticks * 40)) instructions per inference under -icount shift=0)"
    else
      fail "cortex-m: $m model (exit $status, see $work/$m.out)"
    fi
  done
  run_firmware "$firmware/damaged.elf"
  status=$?
  if [ $status -eq 2 ] && grep -q "model refused: model file is corrupted" "$work/damaged.out"; then
    pass "cortex-m: a damaged model in flash is refused (exit 2)"
  else
    fail "cortex-m: damaged model: exit $status (see $work/damaged.out)"
  fi
else
  cat "$work/build-cortex-m.log"
  fail "build-cortex-m.sh"
fi

echo "== 5. Cortex-M4F with 8 KB of RAM: models run in place from flash"
# mlp-1024 (383 KB, random weights) is far larger than the RAM: Model(borrowing:) reads
# it where it lies. The trained MLP too. 8 KB RAM = .data + .bss + heap + 3 KB of stack.
small=$root/.build/embedded/cortex-m-8k
small_models=(trained.c big.c)
[ -z "${BNN_MODEL:-}" ] || small_models=(big.c) # a model of yours may need more RAM
if "$bnn_run" export-c --arch mlp-1024 --save-model "$work/big.bnn" --out "$work/big.c" \
  --images "$work/images.idx" --count 10 >/dev/null &&
  "$bnn_run" eval "$work/big.bnn" --images "$work/images.idx" --labels "$work/labels.idx" --limit 10 \
    --predictions "$work/big-x86.txt" >/dev/null &&
  RAM_SIZE=8192 STACK_SIZE=3072 scripts/embedded/build-cortex-m.sh --out "$small" "${small_models[@]/#/$work/}" \
    >"$work/build-cortex-m-8k.log" 2>&1; then
  for m in "${small_models[@]%.c}"; do
    timeout 300 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -semihosting -icount shift=0 \
      -kernel "$small/$m.elf" >"$work/$m-8k.out" 2>&1
    status=$?
    sed -n 's/^image *[0-9]*: predicted \([0-9]*\),.*/\1/p' "$work/$m-8k.out" >"$work/$m-8k.txt"
    n=$(wc -l <"$work/$m-8k.txt")
    memory=$(sed -n 's/^memory *//p' "$work/$m-8k.out")
    if [ $status -eq 0 ] && [ "$n" -gt 0 ] && head -n "$n" "$work/$m-x86.txt" | cmp -s - "$work/$m-8k.txt"; then
      pass "cortex-m, 8 KB RAM: $m model ($(stat -c %s "$work/$m.bnn") bytes in flash), $n predictions identical to x86 ($memory; $(instructions "$work/$m-8k.out") instructions per inference)"
    else
      fail "cortex-m, 8 KB RAM: $m model (exit $status, see $work/$m-8k.out)"
    fi
  done
else
  cat "$work/build-cortex-m-8k.log" 2>/dev/null
  fail "cortex-m, 8 KB RAM: export / build"
fi

echo "== 6. Cortex-M0 firmware on the BBC micro:bit (nRF51822: 16 KB RAM, 256 KB flash, soft float)"
m0=$root/.build/embedded/cortex-m0
m0_models=(trained dense)
[ -z "${BNN_MODEL:-}" ] || m0_models=(dense) # a model of yours may not fit 16 KB of RAM
sources=()
for m in "${m0_models[@]}"; do sources+=("$work/$m.c"); done
if MINIMAL=1 scripts/embedded/build-cortex-m.sh --board microbit "${sources[@]}" "$work/damaged.c" >"$work/build-m0.log" 2>&1; then
  sed -n '/text/,$p' "$work/build-m0.log"
  run_board microbit "$m0/bnn-firmware.elf" "$work/m0-runtime.out"
  if [ $? -eq 0 ] && grep -q "0 mismatches with the bit-by-bit count; kernels use " "$work/m0-runtime.out"; then
    pass "cortex-m0: runtime-only image boots; popcount variants checked on the core ($(sed -n 's/^popcount .*: \([0-9]* rows\).*/\1/p' "$work/m0-runtime.out"))"
  else
    fail "cortex-m0: runtime-only image (see $work/m0-runtime.out)"
  fi
  for m in "${m0_models[@]}"; do
    run_board microbit "$m0/$m.elf" "$work/$m-m0.out"
    status=$?
    if summary=$(check_firmware "$m" "$work/$m-m0.out" $status); then
      pass "cortex-m0: $m model in flash, $summary"
    else
      fail "cortex-m0: $m model (exit $status, see $work/$m-m0.out)"
    fi
  done
  run_board microbit "$m0/damaged.elf" "$work/damaged-m0.out"
  status=$?
  if [ $status -eq 2 ] && grep -q "model refused: model file is corrupted" "$work/damaged-m0.out"; then
    pass "cortex-m0: a damaged model in flash is refused (exit 2)"
  else
    fail "cortex-m0: damaged model: exit $status (see $work/damaged-m0.out)"
  fi
else
  cat "$work/build-m0.log"
  fail "build-cortex-m.sh --board microbit"
fi
# mlp-1024 (383 KB) cannot fit the micro:bit's 256 KB of flash: the link must say so.
if scripts/embedded/build-cortex-m.sh --board microbit --out "$work/m0-big" "$work/big.c" >"$work/build-m0-big.log" 2>&1; then
  fail "cortex-m0: mlp-1024 linked into 256 KB of flash (it is 383 KB)"
elif grep -q "region \`FLASH' overflowed" "$work/build-m0-big.log"; then
  pass "cortex-m0: mlp-1024 (383 KB) is refused by the link: $(grep -o "region \`FLASH' overflowed by [0-9]* bytes" "$work/build-m0-big.log")"
else
  cat "$work/build-m0-big.log"
  fail "cortex-m0: mlp-1024 link failed for another reason"
fi

echo "== 7. UART consoles: the firmware prints on the board's serial port (no debugger needed)"
for board in mps2-an386 microbit; do
  uart_out=$root/.build/embedded/uart-$board
  if CONSOLE=uart scripts/embedded/build-cortex-m.sh --board "$board" --out "$uart_out" "$work/trained.c" \
    >"$work/build-uart-$board.log" 2>&1; then
    rm -f "$work/uart-$board.serial"
    run_board "$board" "$uart_out/trained.elf" "$work/uart-$board.stdout" -display none -monitor none \
      -serial "file:$work/uart-$board.serial"
    status=$?
    tr -d '\r' <"$work/uart-$board.serial" >"$work/uart-$board.out" 2>/dev/null
    if [ ! -s "$work/uart-$board.stdout" ] && grep -q "console UART" "$work/uart-$board.out" &&
      summary=$(check_firmware trained "$work/uart-$board.out" $status); then
      pass "uart ($board): everything printed on the serial port, nothing by semihosting; $summary"
    else
      fail "uart ($board): exit $status (see $work/uart-$board.out, $work/uart-$board.stdout)"
    fi
  else
    cat "$work/build-uart-$board.log"
    fail "uart ($board): build"
  fi
done

echo "== 8. RISC-V rv32imc firmware on qemu virt (16550 UART console, soft float)"
rv=$root/.build/embedded/riscv32
rv_models=("${models[@]}" big)
sources=()
for m in "${rv_models[@]}"; do sources+=("$work/$m.c"); done
if scripts/embedded/build-riscv32.sh "${sources[@]}" "$work/damaged.c" >"$work/build-rv.log" 2>&1; then
  sed -n '/text/,$p' "$work/build-rv.log"
  run_board virt "$rv/bnn-firmware.elf" "$work/rv-runtime.out"
  if [ $? -eq 0 ] && grep -q "0 mismatches with the bit-by-bit count; kernels use " "$work/rv-runtime.out"; then
    pass "riscv32: runtime-only image boots; popcount variants checked on the core ($(sed -n 's/^popcount .*: \([0-9]* rows\).*/\1/p' "$work/rv-runtime.out"))"
  else
    fail "riscv32: runtime-only image (see $work/rv-runtime.out)"
  fi
  for m in "${rv_models[@]}"; do
    run_board virt "$rv/$m.elf" "$work/$m-rv.out"
    status=$?
    if summary=$(check_firmware "$m" "$work/$m-rv.out" $status); then
      pass "riscv32: $m model, $summary"
    else
      fail "riscv32: $m model (exit $status, see $work/$m-rv.out)"
    fi
  done
  run_board virt "$rv/damaged.elf" "$work/damaged-rv.out"
  status=$?
  if [ $status -eq 2 ] && grep -q "model refused: model file is corrupted" "$work/damaged-rv.out"; then
    pass "riscv32: a damaged model is refused (exit 2)"
  else
    fail "riscv32: damaged model: exit $status (see $work/damaged-rv.out)"
  fi
else
  cat "$work/build-rv.log"
  fail "build-riscv32.sh"
fi
# With 16 KB of RAM, like the micro:bit: the model stays in flash.
if [ -z "${BNN_MODEL:-}" ] && RAM_SIZE=16384 STACK_SIZE=4096 scripts/embedded/build-riscv32.sh --out "$rv-16k" "$work/trained.c" \
  >"$work/build-rv-16k.log" 2>&1; then
  run_board virt "$rv-16k/trained.elf" "$work/trained-rv-16k.out"
  status=$?
  if summary=$(check_firmware trained "$work/trained-rv-16k.out" $status); then
    pass "riscv32, 16 KB RAM: trained model, $summary"
  else
    fail "riscv32, 16 KB RAM: trained model (exit $status, see $work/trained-rv-16k.out)"
  fi
elif [ -z "${BNN_MODEL:-}" ]; then
  cat "$work/build-rv-16k.log"
  fail "riscv32, 16 KB RAM: build"
fi

echo "== 9. Popcount variants: every one exact on each core; the kernels' choice is the fastest"
# The trained MLP with 3 images, built with each variant (only the C is recompiled).
if "$bnn_run" export-c "$work/trained.bnn" --out "$work/popcount.c" --images "$work/images.idx" \
  --labels "$work/labels.idx" --count 3 >/dev/null; then
  cp "$work/trained-x86.txt" "$work/popcount-x86.txt"
  for board in mps2-an386 microbit virt; do
    # The variant the default build chose (kernels_internal.h), from its runtime-only run.
    case $board in
      virt) build=(scripts/embedded/build-riscv32.sh) default_run=$work/rv-runtime.out ;;
      microbit) build=(scripts/embedded/build-cortex-m.sh --board microbit) default_run=$work/m0-runtime.out ;;
      *) build=(scripts/embedded/build-cortex-m.sh --board "$board") default_run=$work/bnn-firmware.out ;;
    esac
    chosen=$(sed -n 's/^popcount .*; kernels use \([a-z-]*\)$/\1/p' "$default_run" 2>/dev/null)
    declare -A counts=()
    line=""
    for variant in swar-mul swar-nomul table; do
      dir=$root/.build/embedded/popcount-$board-$variant
      if POPCOUNT=$variant "${build[@]}" --out "$dir" "$work/popcount.c" >"$work/build-popcount.log" 2>&1; then
        run_board "$board" "$dir/popcount.elf" "$work/popcount-$board-$variant.out"
        status=$?
        if check_firmware popcount "$work/popcount-$board-$variant.out" $status >/dev/null; then
          counts[$variant]=$(instructions "$work/popcount-$board-$variant.out")
          line+="$variant ${counts[$variant]}, "
        else
          fail "popcount ($board, $variant): predictions or scores differ (see $work/popcount-$board-$variant.out)"
        fi
      else
        cat "$work/build-popcount.log"
        fail "popcount ($board, $variant): build"
      fi
    done
    if [ -z "$chosen" ]; then
      fail "popcount ($board): the default build's variant is unknown (see $default_run)"
    elif [ ${#counts[@]} -eq 3 ] && [ -n "${counts[swar-mul]}" ] && [ -n "${counts[swar-nomul]}" ] && [ -n "${counts[table]}" ]; then
      fewest=$(printf '%s\n' "${counts[@]}" | sort -n | head -n 1)
      # The choice must be within 0.1% of the fewest (instruction counts are exact).
      if [ $((counts[$chosen] * 1000)) -le $((fewest * 1001)) ]; then
        pass "popcount ($board): all exact; instructions per 784-256-10 inference: ${line%, }; kernels use $chosen"
      else
        fail "popcount ($board): the kernels use $chosen (${counts[$chosen]}) but the fewest is $fewest (${line%, }): revisit BNN_SCALAR_POPCOUNT in kernels_internal.h"
      fi
    else
      fail "popcount ($board): no instruction count for every variant (${line%, })"
    fi
    unset counts
  done
else
  fail "x86: export-c of the popcount check data"
fi

echo "== 10. Instructions per inference of the conv preset (c32-c64-p-c128-p-256-10)"
if "$bnn_run" export-c --arch conv --save-model "$work/convpreset.bnn" --out "$work/convpreset.c" \
  --images "$work/images.idx" --labels "$work/labels.idx" --count 2 >/dev/null &&
  "$bnn_run" eval "$work/convpreset.bnn" --images "$work/images.idx" --labels "$work/labels.idx" --limit 2 \
    --predictions "$work/convpreset-x86.txt" >/dev/null; then
  if scripts/embedded/build-cortex-m.sh --out "$work/convpreset-m4" "$work/convpreset.c" >"$work/build-convpreset.log" 2>&1 &&
    scripts/embedded/build-riscv32.sh --out "$work/convpreset-rv" "$work/convpreset.c" >>"$work/build-convpreset.log" 2>&1; then
    run_board mps2-an386 "$work/convpreset-m4/convpreset.elf" "$work/convpreset-m4.out"
    status=$?
    if summary=$(check_firmware convpreset "$work/convpreset-m4.out" $status); then pass "cortex-m4: conv preset, $summary"; else fail "cortex-m4: conv preset (see $work/convpreset-m4.out)"; fi
    run_board virt "$work/convpreset-rv/convpreset.elf" "$work/convpreset-rv.out"
    status=$?
    if summary=$(check_firmware convpreset "$work/convpreset-rv.out" $status); then pass "riscv32: conv preset, $summary"; else fail "riscv32: conv preset (see $work/convpreset-rv.out)"; fi
  else
    cat "$work/build-convpreset.log"
    fail "conv preset: build"
  fi
else
  fail "x86: conv preset export / eval"
fi

echo "== 11. Minimal firmware (trusted model, dense layers only): a runtime under 16 KB of flash, bit-exact"
# Linked by the builds of sections 4 and 6 (MINIMAL=1): bnn-minimal.elf is the runtime
# alone, <model>-minimal.elf the same with a model and its test images.
for board in mps2-an386 microbit; do
  case $board in
    mps2-an386) dir=$firmware label=cortex-m4 minimal_models=(trained dense) ;;
    *) dir=$m0 label=cortex-m0 minimal_models=("${m0_models[@]}") ;;
  esac
  if scripts/embedded/runtime-size.sh --limit 16384 "$dir/bnn-minimal.elf" >"$work/size-$board.txt" 2>&1; then
    cat "$work/size-$board.txt"
    pass "$label minimal: runtime $(sed -n 's/^ *runtime total *//p' "$work/size-$board.txt") bytes of flash (link map), under 16384"
  else
    cat "$work/size-$board.txt"
    fail "$label minimal: runtime size (see $work/size-$board.txt)"
  fi
  run_board "$board" "$dir/bnn-minimal.elf" "$work/minimal-$board.out"
  if [ $? -eq 0 ] && grep -q "no model linked" "$work/minimal-$board.out"; then
    pass "$label minimal: the runtime-only image boots"
  else
    fail "$label minimal: runtime-only image (see $work/minimal-$board.out)"
  fi
  for m in "${minimal_models[@]}"; do
    out=$work/$m-minimal-$board.out
    run_board "$board" "$dir/$m-minimal.elf" "$out"
    status=$?
    sed -n 's/^image *[0-9]*: predicted \([0-9]*\).*/\1/p' "$out" >"$out.predictions"
    n=$(wc -l <"$out.predictions")
    if [ $status -eq 0 ] && [ "$n" -eq "${flash_images[$m]}" ] && head -n "$n" "$work/$m-x86.txt" | cmp -s - "$out.predictions" &&
      same_scores "$work/$m.c" "$out"; then
      pass "$label minimal: $m model (${arch[$m]}), $n predictions and their scores bit-identical to x86"
    else
      fail "$label minimal: $m model (exit $status, see $out)"
    fi
  done
  run_board "$board" "$dir/damaged-minimal.elf" "$work/damaged-minimal-$board.out"
  status=$?
  if [ $status -eq 2 ] && grep -q "model refused: its CRC-32 is not the check value" "$work/damaged-minimal-$board.out"; then
    pass "$label minimal: a damaged model in flash is refused by its check value (exit 2)"
  else
    fail "$label minimal: damaged model: exit $status (see $work/damaged-minimal-$board.out)"
  fi
done
# A dense-only build refuses a convolutional model instead of running it.
run_board mps2-an386 "$firmware/conv-minimal.elf" "$work/conv-minimal.out"
status=$?
if [ $status -eq 2 ] && grep -q "model refused" "$work/conv-minimal.out"; then
  pass "cortex-m4 minimal: a convolutional model is refused by the dense-only build (exit 2)"
else
  fail "cortex-m4 minimal: conv model: exit $status (see $work/conv-minimal.out)"
fi

finish "embedded tests"
