#!/usr/bin/env bash
# CI for the embedded builds: the inference core compiles as Embedded Swift; the static
# ARM64 Linux runner and the Cortex-M4F firmware, built from the same sources, predict
# exactly what the x86 `bnn-run` predicts, under qemu. Prints "N passed, N failed" and
# exits non-zero on any failure.
#
#   scripts/test-embedded.sh
#
# Installs what is missing with apt-get (qemu-user, qemu-system-arm, the aarch64 and
# arm-none-eabi GCC toolchains, newlib). Models: a small MLP trained here for one epoch
# (784-256-10, about 2 s), and two deterministic random ones (bnn-run export-c --arch) that
# cover binary hidden layers, convolutions and pooling; and two colour (28x28x3) models on
# a coloured MNIST that bnn-run export-images writes as rank-4 IDX files: an MLP trained
# here for one epoch and a random convolutional one. MNIST comes from datasets/mnist.
# Environment: BNN_MODEL (a model file for 28x28 MNIST to check instead of training one),
# CONV_IMAGES (conv model images on x86 and qemu-aarch64, default 2000; colour conv: 300),
# FIRMWARE_IMAGES (images in flash, default 100 dense / 10 conv).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start_seconds=$SECONDS
passed=0
failed=0
failures=()

pass() {
  passed=$((passed + 1))
  echo "PASS: $1"
}
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  echo "FAIL: $1"
}
finish() {
  echo
  echo "== embedded tests: $passed passed, $failed failed ($((SECONDS - start_seconds)) s)"
  for f in ${failures[@]+"${failures[@]}"}; do echo "   failed: $f"; done
  [ "$failed" -eq 0 ]
  exit $?
}

echo "== tools"
need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(libc6-dev-arm64-cross)
command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi)
ls /usr/lib/arm-none-eabi/newlib/thumb/v7e-m+fp/hard/libc_nano.a >/dev/null 2>&1 || need+=(libnewlib-arm-none-eabi)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
for tool in swiftc qemu-aarch64 qemu-system-arm aarch64-linux-gnu-gcc arm-none-eabi-gcc; do
  command -v "$tool" >/dev/null || { fail "tool $tool is missing"; finish; }
done

echo "== 1. the inference core compiles as Embedded Swift"
if scripts/embedded/check-core.sh; then pass "core compiles as Embedded Swift"; else fail "core compiles as Embedded Swift"; fi

echo "== 2. x86 bnn-run and bnn-train"
if ! swift build --product bnn-run 2>&1 | tail -n 1 || ! swift build --product bnn-train 2>&1 | tail -n 1; then
  fail "swift build bnn-run bnn-train"
  finish
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
models=(trained dense conv colour colourconv)
declare -A arch=([trained]=784-256-10 [dense]=784-256-256-10 [conv]=c16-p-c32-p-64-10
  [colour]=2352-128-10 [colourconv]=c16-p-c32-p-10)
declare -A flash_images=([trained]=${FIRMWARE_IMAGES:-100} [dense]=${FIRMWARE_IMAGES:-100} [conv]=${FIRMWARE_IMAGES:-10}
  [colour]=${FIRMWARE_IMAGES:-100} [colourconv]=${FIRMWARE_IMAGES:-10})
# Images classified by x86 and aarch64 (all unless the model is slow under qemu).
declare -A limit=([trained]=10000 [dense]=10000 [conv]=${CONV_IMAGES:-2000} [colour]=3000
  [colourconv]=${CONV_IMAGES:-300})
colour=$work/colour
declare -A images=([trained]=$work/images.idx [dense]=$work/images.idx [conv]=$work/images.idx
  [colour]=$colour/t10k-images-idx3-ubyte [colourconv]=$colour/t10k-images-idx3-ubyte)
declare -A labels=([trained]=$work/labels.idx [dense]=$work/labels.idx [conv]=$work/labels.idx
  [colour]=$colour/t10k-labels-idx1-ubyte [colourconv]=$colour/t10k-labels-idx1-ubyte)
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
    trained | colour) source=("$work/$m.bnn") ;;
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
    sed -n 's/.*, \([a-z0-9]*\) kernels)$/\1/p')
  kernels=(scalar)
  [ "$paths" = neon ] && kernels=(scalar neon)
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
if scripts/embedded/build-cortex-m.sh "${sources[@]}" "$work/damaged.c" >"$work/build-cortex-m.log" 2>&1; then
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
      head -n "$n" "$work/$m-x86.txt" | cmp -s - "$work/$m-m4.txt"; then
      ticks=$(sed -n 's/^ticks *per inference: mean \([0-9]*\).*/\1/p' "$work/$m.out")
      correct=$(sed -n 's/^accuracy *\([0-9]* \/ [0-9]*\).*/\1/p' "$work/$m.out")
      pass "cortex-m: $m model, $n predictions identical to x86 ($correct correct; $ticks SysTick ticks = ~$((ticks * 40)) instructions per inference under -icount shift=0)"
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
      pass "cortex-m, 8 KB RAM: $m model ($(stat -c %s "$work/$m.bnn") bytes in flash), $n predictions identical to x86 ($memory)"
    else
      fail "cortex-m, 8 KB RAM: $m model (exit $status, see $work/$m-8k.out)"
    fi
  done
else
  cat "$work/build-cortex-m-8k.log" 2>/dev/null
  fail "cortex-m, 8 KB RAM: export / build"
fi

finish
