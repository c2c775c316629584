#!/usr/bin/env bash
# Speed of binarynet.wasm in Node next to the native engine on the same machine, in the
# same run: batch-1 latency (one image per call) of random mlp-1024 and conv models
# (speed does not depend on trained weights), the SIMD128 and scalar modules against
# `bnn-run bench` on the fastest x86 kernels and on the scalar ones. Prints a table
# (p50 and min in µs per image; the machines are shared: p50 is the figure to quote).
#
#   scripts/wasm/bench-wasm.sh [SECONDS]          (per measurement, default 2)
#
# Builds what is missing: the release bnn-run (swift build -c release) and the modules
# (scripts/wasm/build-wasm.sh). Environment: BNN_RUN (a bnn-run to use instead).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
seconds=${1:-2}
work=$root/.build/wasm/bench
mkdir -p "$work"
if [ -z "${BNN_RUN:-}" ]; then
  swift build -c release --product bnn-run 2>&1 | tail -n 1
  bnn_run=$(swift build -c release --show-bin-path)/bnn-run
else
  bnn_run=$BNN_RUN
fi
[ -f .build/wasm/binarynet.wasm ] && [ -f .build/wasm/binarynet-scalar.wasm ] || scripts/wasm/build-wasm.sh >/dev/null
gunzip -c datasets/mnist/t10k-images-idx3-ubyte.gz >"$work/images.idx"

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "CPU: $cpu ($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)), Node $(node --version)"
echo
printf '%-10s %-34s %12s %12s\n' model engine "p50 us" "min us"
for arch in mlp-1024 conv; do
  "$bnn_run" export-c --arch "$arch" --save-model "$work/$arch.bnn" --out "$work/$arch.c" \
    --images "$work/images.idx" --count 1 >/dev/null
  native() { # KERNEL-ARGS...
    "$bnn_run" bench "$work/$arch.bnn" --threads 1 --seconds "$seconds" --repeats 1 --json "$@" |
      node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const l = r.latency_batch1_seconds;
        console.log(r.kernel, (l.p50 * 1e6).toFixed(1), (l.min * 1e6).toFixed(1));'
  }
  read -r kernel p50 min < <(native)
  printf '%-10s %-34s %12s %12s\n' "$arch" "native bnn-run ($kernel)" "$p50" "$min"
  read -r kernel p50 min < <(native --kernel scalar)
  printf '%-10s %-34s %12s %12s\n' "$arch" "native bnn-run ($kernel)" "$p50" "$min"
  node scripts/wasm/bench-wasm.mjs "$seconds" "$work/$arch.bnn" .build/wasm/binarynet.wasm .build/wasm/binarynet-scalar.wasm |
    while read -r line; do
      node -e 'const r = JSON.parse(process.argv[1]);
        console.log([r.module, r.kernel, r.p50.toFixed(1), r.min.toFixed(1)].join(" "))' "$line"
    done | while read -r module kernel p50 min; do
      printf '%-10s %-34s %12s %12s\n' "$arch" "Node $module ($kernel)" "$p50" "$min"
    done
done
