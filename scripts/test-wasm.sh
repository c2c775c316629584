#!/usr/bin/env bash
# CI for the WebAssembly runtime and the web page: binarynet.wasm (SIMD128 and scalar
# builds, each at most 100 KiB and importing nothing), its SIMD128 kernels against the
# scalar reference, every prediction on the 10,000 MNIST test images identical to x86
# `bnn-run eval` for a trained MLP, a random convolutional model and the page's bundled
# model, canvas-pixel conversion identical to `bnn-run classify --resize`, bad model bytes
# refused, and the page itself in headless Chromium. Prints "N passed, N failed" and exits
# non-zero on any failure.
#
#   scripts/test-wasm.sh
#
# Installs what is missing with apt-get (binaryen for wasm-opt; chromium and
# chromium-driver for the page test). Needs Node >= 20. Models: a 784-256-10 MLP trained
# here for one epoch on 5,000 images, the page's bundled web/mnist.bnn (a trained
# c16-p-c32-p-128-10), both checked on all 10,000 MNIST test images, and a deterministic
# random c16-p-c32-p-64-10 (bnn-run export-c --arch, as scripts/test-embedded.sh makes
# them) on CONV_IMAGES of them (default 2000).
# Environment: BNN_RUN, BNN_TRAIN (the x86 tools; default: the debug build, as CI has it),
# CONV_IMAGES, SKIP_BROWSER=1 (leave out the Chromium test).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib/checks.sh

echo "== tools"
need=()
command -v wasm-opt >/dev/null || need+=(binaryen)
if [ -z "${SKIP_BROWSER:-}" ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
for tool in swiftc node wasm-opt; do
  command -v "$tool" >/dev/null || { fail "tool $tool is missing"; finish "WebAssembly tests"; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { fail "Node $node_major is older than 20"; finish "WebAssembly tests"; }

work=$root/.build/wasm/test
rm -rf "$work"
mkdir -p "$work"

echo "== 1. binarynet.wasm (SIMD128) and binarynet-scalar.wasm"
if scripts/wasm/build-wasm.sh >"$work/build.log" 2>&1; then
  pass "build-wasm.sh: $(grep '^built' "$work/build.log" | sed 's/^built .*\///' | paste -sd ';' | sed 's/;/; /')"
else
  cat "$work/build.log"
  fail "build-wasm.sh (a build error, or a module over its 100 KiB budget)"
  finish "WebAssembly tests"
fi
for module in binarynet binarynet-scalar; do
  if node -e '
    const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
    const imports = WebAssembly.Module.imports(m);
    if (imports.length) { console.log(imports.map((i) => i.module + "." + i.name).join(" ")); process.exit(1); }' \
    ".build/wasm/$module.wasm" >"$work/imports.log" 2>&1; then
    pass "$module.wasm imports nothing"
  else
    fail "$module.wasm imports: $(cat "$work/imports.log")"
  fi
done

echo "== 2. SIMD128 kernels against the scalar reference (in Node)"
kt=$work/kernel-test
mkdir -p "$kt"
c_flags=(--target=wasm32-unknown-unknown -O2 -std=c11 -Wall -ffreestanding -msimd128
  -I Sources/CPopcount/include -I Sources/CPopcount)
toolchain_bin=$(dirname "$(command -v swiftc)")
built=1
for source in Sources/CPopcount/*.c Embedded/Wasm/kernel_test.c; do
  "$toolchain_bin/clang" "${c_flags[@]}" -c "$source" -o "$kt/$(basename "${source%.c}").o" || built=0
done
"$toolchain_bin/clang" "${c_flags[@]}" -fno-builtin -c Embedded/Wasm/wasm_support.c -o "$kt/wasm_support.o" || built=0
if [ $built = 1 ] && "$toolchain_bin/wasm-ld" --no-entry --gc-sections "$kt"/*.o -o "$kt/kernel-test.wasm" &&
  node scripts/wasm/kernel-test.mjs "$kt/kernel-test.wasm" 1 2 3 4 >"$work/kernel-test.log" 2>&1; then
  pass "simd128 kernels identical to scalar ($(awk '{s += $3} END {print s}' "$work/kernel-test.log") comparisons over 4 seeds; bit counts 0, 1, 63, 64, 65, 127, 128, 129 ...)"
else
  cat "$work/kernel-test.log" 2>/dev/null
  fail "simd128 kernels against scalar"
fi

echo "== 3. x86 bnn-run: models and reference predictions"
if [ -z "${BNN_RUN:-}" ] || [ -z "${BNN_TRAIN:-}" ]; then
  if ! swift build --product bnn-run 2>&1 | tail -n 1 || ! swift build --product bnn-train 2>&1 | tail -n 1; then
    fail "swift build bnn-run bnn-train"
    finish "WebAssembly tests"
  fi
fi
bnn_run=${BNN_RUN:-$(swift build --show-bin-path)/bnn-run}
bnn_train=${BNN_TRAIN:-$(swift build --show-bin-path)/bnn-train}
images=$work/images.idx
labels=$work/labels.idx
gunzip -c datasets/mnist/t10k-images-idx3-ubyte.gz >"$images"
gunzip -c datasets/mnist/t10k-labels-idx1-ubyte.gz >"$labels"
models=(trained conv bundled)
declare -A arch=([trained]=784-256-10 [conv]=c16-p-c32-p-64-10 [bundled]="web/mnist.bnn")
# The MLP trains on the first 5,000 training images (a debug bnn-train takes 2.5 min for all
# 60,000); every model is then evaluated on the 10,000 test images.
if "$bnn_run" export-images --dataset mnist --limit 5000 --format idx --out "$work/subset" >"$work/subset.log" 2>&1 &&
  "$bnn_train" --data "$work/subset" --arch 784-256-10 --epochs 1 --seed 1 --val 0 --threads 2 \
    --out "$work/trained.bnn" >"$work/train.log" 2>&1; then
  pass "x86: trained a 784-256-10 MLP for one epoch on 5,000 images"
else
  cat "$work/subset.log" "$work/train.log"
  fail "x86: bnn-train"
fi
if "$bnn_run" export-c --arch "${arch[conv]}" --save-model "$work/conv.bnn" --out "$work/conv.c" --images "$images" --count 1 >/dev/null; then
  pass "x86: random ${arch[conv]} model"
else
  fail "x86: bnn-run export-c --arch ${arch[conv]}"
fi
cp web/mnist.bnn "$work/bundled.bnn"
# Images per model: all 10,000, but the random conv model (the trained one, web/mnist.bnn,
# is also convolutional) on CONV_IMAGES of them: the debug x86 engine is slow on convolutions.
declare -A limit=([trained]=10000 [conv]=${CONV_IMAGES:-2000} [bundled]=10000)
for m in "${models[@]}"; do
  if "$bnn_run" eval "$work/$m.bnn" --images "$images" --labels "$labels" --limit "${limit[$m]}" \
    --predictions "$work/$m-x86.txt" >"$work/$m-x86.log" 2>&1; then
    classes=$(sort -u "$work/$m-x86.txt" | wc -l)
    pass "x86: $m model (${arch[$m]}) evaluated ($(wc -l <"$work/$m-x86.txt") images, $(sed -n 's/^accuracy *\([0-9.]*%\).*/\1/p' "$work/$m-x86.log"), $classes classes predicted)"
    # A model whose predictions are all equal would make "identical" meaningless.
    [ "$classes" -ge 3 ] || fail "x86: $m model predicts only $classes class(es)"
  else
    cat "$work/$m-x86.log"
    fail "x86: $m model eval"
  fi
done

echo "== 4. WebAssembly in Node: every prediction identical to x86"
for m in "${models[@]}"; do
  for module in binarynet binarynet-scalar; do
    if node scripts/wasm/eval-wasm.mjs ".build/wasm/$module.wasm" "$work/$m.bnn" "$images" "$work/$m-$module.txt" \
      --limit "${limit[$m]}" >"$work/$m-$module.log" 2>&1 && cmp -s "$work/$m-x86.txt" "$work/$m-$module.txt"; then
      pass "$module.wasm: $m model, $(wc -l <"$work/$m-$module.txt") predictions identical to x86 ($(cat "$work/$m-$module.log"))"
    else
      cat "$work/$m-$module.log"
      fail "$module.wasm: $m model predictions differ from x86 (see $work/$m-$module.txt)"
    fi
  done
done
# The SIMD module forced onto its scalar kernels gives the same too.
if node scripts/wasm/eval-wasm.mjs .build/wasm/binarynet.wasm "$work/conv.bnn" "$images" "$work/conv-forced.txt" \
  --kernel scalar --limit "${limit[conv]}" \
  >"$work/conv-forced.log" 2>&1 && grep -q "^scalar kernels" "$work/conv-forced.log" &&
  cmp -s "$work/conv-x86.txt" "$work/conv-forced.txt"; then
  pass "binarynet.wasm with --kernel scalar: conv model identical to x86"
else
  cat "$work/conv-forced.log"
  fail "binarynet.wasm with the scalar kernels forced"
fi

echo "== 5. canvas pixels: conversion identical to bnn-run classify --resize"
for m in trained bundled; do
  if node scripts/wasm/convert-test.mjs .build/wasm/binarynet.wasm "$work/$m.bnn" "$bnn_run" "$images" "$work/convert-$m" \
    >"$work/convert-$m.log" 2>&1; then
    pass "$m model: RGBA images of 8 sizes, area and bilinear, inverted or not: class, scores and probabilities equal to bnn-run ($(grep -c ', 24 equal' "$work/convert-$m.log") x 24 images)"
  else
    cat "$work/convert-$m.log"
    fail "$m model: conversion differs from bnn-run classify"
  fi
done

echo "== 6. bad model bytes: a clear error, never a trap"
if node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { Runtime } from "./web/binarynet.js";
  const runtime = await Runtime.create(readFileSync(".build/wasm/binarynet.wasm"));
  const good = readFileSync(process.argv[1]);
  const cases = { empty: new Uint8Array(0), "three bytes": new Uint8Array([1, 2, 3]),
    "cut in half": good.subarray(0, good.length >> 1), "one byte changed": Uint8Array.from(good) };
  cases["one byte changed"][300] ^= 0x55;
  for (let i = 0; i < 200; i++) { // random damage: each must be refused or load, never trap
    const b = Uint8Array.from(good); b[(i * 7919) % b.length] ^= 1 + (i % 255); cases["flip " + i] = b;
  }
  let refused = 0;
  for (const [name, bytes] of Object.entries(cases)) {
    try { runtime.load(bytes).dispose(); if (!name.startsWith("flip")) throw new Error(name + " was accepted"); }
    catch (e) { if (e.name !== "BinaryNetError") throw e; refused++; if (!name.startsWith("flip")) console.log(name + ": " + e.message); }
  }
  const model = runtime.load(good);
  try { model.classify(new Uint8Array(5)); throw new Error("a 5-byte image was accepted"); }
  catch (e) { if (e.name !== "BinaryNetError") throw e; console.log("5-byte image: " + e.message); }
  for (const [w, h, resize] of [[0, 0, "area"], [20000, 1, "area"], [30, 30, "none"]]) {
    try { model.convert({ data: new Uint8Array(w * h * 4), width: w, height: h }, { resize }); throw new Error(w + "x" + h + " was converted"); }
    catch (e) { if (e.name !== "BinaryNetError") throw e; console.log(w + "x" + h + " RGBA, resize " + resize + ": " + e.message); }
  }
  console.log(refused + " of " + Object.keys(cases).length + " refused, the module still works: class " + model.classify(new Uint8Array(784)).index);
' "$work/trained.bnn" >"$work/bad.log" 2>&1; then
  pass "bad model bytes refused with messages ($(tail -n 1 "$work/bad.log"))"
  sed 's/^/      /' "$work/bad.log" | head -n 8
else
  cat "$work/bad.log"
  fail "bad model bytes"
fi

echo "== 7. the web page in headless Chromium"
if [ -n "${SKIP_BROWSER:-}" ]; then
  echo "skipped (SKIP_BROWSER)"
elif node scripts/wasm/page-test.mjs "$bnn_run" "$work/page" "$(command -v chromium)" "$(command -v chromedriver)" \
  >"$work/page.log" 2>&1; then
  while read -r line; do pass "${line#PASS: }"; done < <(grep '^PASS' "$work/page.log")
else
  cat "$work/page.log"
  while read -r line; do pass "${line#PASS: }"; done < <(grep '^PASS' "$work/page.log")
  fail "the web page in headless Chromium (see $work/page.log)"
fi

finish "WebAssembly tests"
