#!/usr/bin/env bash
# Issue 10's proof on real files, as figures: MNIST written out as PNG and JPEG folder
# trees and as a deterministic "coloured MNIST" (bnn-run export-images), then the same
# training run on each next to the IDX original: export time, load time, seconds per
# epoch, test accuracy. A program that prints figures, not a test (nothing here fails on a
# figure); release build.
#
#   scripts/bench-own-data.sh [WORKDIR]      (default: .build/own-data)
#
# Environment: MLP_EPOCHS (default 5), CONV_EPOCHS (default 2, 0 skips the conv runs),
# THREADS (default: all cores), SEED (default 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=${1:-$root/.build/own-data}
mlp_epochs=${MLP_EPOCHS:-5}
conv_epochs=${CONV_EPOCHS:-2}
threads=${THREADS:-$(nproc)}
seed=${SEED:-1}

swift build -c release --product bnn-run 2>&1 | tail -n 1
swift build -c release --product bnn-train 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
mkdir -p "$work"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $threads threads; $(date -u +%Y-%m-%dT%H:%MZ)"

# export NAME ARGS...: writes $work/NAME once (kept between runs), prints its time.
export_tree() {
  local name=$1
  shift
  if [ ! -d "$work/$name/train" ]; then
    local t0=$SECONDS
    "$bin/bnn-run" export-images --dataset mnist --out "$work/$name" "$@" >/dev/null
    echo "exported $name: $(find "$work/$name" -type f | wc -l) files, $(du -sh --apparent-size "$work/$name" | cut -f1), $((SECONDS - t0)) s"
  fi
}
export_tree png
export_tree jpeg --format jpeg --quality 90
export_tree colour-png --colour 7

# train LABEL DATA ARCH EPOCHS: one run, its JSON summary kept as $work/LABEL.json.
results=()
train() {
  local label=$1 data=$2 arch=$3 epochs=$4
  "$bin/bnn-train" --data "$data" --arch "$arch" --epochs "$epochs" --seed "$seed" --threads "$threads" \
    --out "$work/$label.bnn" --json >"$work/$label.jsonl" 2>"$work/$label.log"
  tail -n 1 "$work/$label.jsonl" >"$work/$label.json"
  results+=("$label")
}
train idx-mlp datasets/mnist mlp-1024 "$mlp_epochs"
train png-mlp "$work/png" mlp-1024 "$mlp_epochs"
train jpeg-mlp "$work/jpeg" mlp-1024 "$mlp_epochs"
train colour-mlp "$work/colour-png" mlp-1024 "$mlp_epochs"
if [ "$conv_epochs" -gt 0 ]; then
  train idx-conv datasets/mnist conv "$conv_epochs"
  train colour-conv "$work/colour-png" conv "$conv_epochs"
fi

echo
python3 - "$work" "${results[@]}" <<'EOF'
import json, sys
work, labels = sys.argv[1], sys.argv[2:]
print(f"{'run':<12} {'data':<15} {'shape':<9} {'arch':<24} {'epochs':>6} {'load s':>7} {'s/epoch':>8} {'test acc':>9}")
for label in labels:
    r = json.load(open(f"{work}/{label}.json"))
    print(f"{label:<12} {r.get('data_kind', '?'):<15} {r.get('image_shape', '?'):<9} {r.get('arch', '?'):<24} "
          f"{r.get('epochs', 0):>6} {r['load_seconds']:>7.1f} {r['seconds_per_epoch']:>8.1f} "
          f"{100 * r['test_accuracy']:>8.2f}%")
EOF
