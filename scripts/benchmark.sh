#!/usr/bin/env bash
# Prints the performance tables of BinaryNet for the CPU it runs on: batch-1 latency of
# the reference networks against their floor (binary MACs / the measured kernel peak),
# on one thread and with N threads sharing each image; optionally training time per
# 60,000 images. Release builds, medians of repeated runs; every figure comes from this
# run on this machine.
#
#   scripts/benchmark.sh [--threads N] [--seconds S] [--training [--larq PYTHON]]
#                        [--models "mlp-1024 conv"]
#
#   --threads N   threads for the shared batch-1 run and training (default: all cores)
#   --seconds S   seconds per latency measurement (default: 2)
#   --training    also train each model for one epoch on the bundled MNIST (minutes), with
#                 its float work (GFLOP), rate and share of the SGEMM peak, and again
#                 with --gradients int8 (its speed-up over float32)
#   --larq PYTHON with --training: also time one epoch of the same networks in Larq on
#                 TensorFlow with this Python (an environment with tools/larq-export/
#                 requirements.txt) on the same threads, and print BinaryNet's speed-up
#                 (tools/larq-export/larq_training_speed.py)
#   --models M    the architectures, as bnn-run bench --arch takes them
#                 (default: "mlp-1024 mlp-4096 conv")
#
# The peak is bnn-kernel-bench --peak: the best rate of the fastest kernel path's
# XOR-popcount kernels on L1-resident blocks. Floor = (binary MACs + 8 x pixel MACs) / peak: the first layer counts
# as its 8 bit-planes. Numbers on shared machines vary from run to run; compare ratios
# measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

threads=$(nproc)
seconds=2
training=0
larq=""
models="mlp-1024 mlp-4096 conv"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --training) training=1; shift ;;
    --models) models=$2; shift 2 ;;
    --larq) larq=$2; shift 2 ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "benchmark.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [ -n "$larq" ]; then
  if [ "$training" != 1 ]; then echo "benchmark.sh: --larq needs --training" >&2; exit 2; fi
  if ! TF_USE_LEGACY_KERAS=1 "$larq" -c 'import larq, tensorflow' 2>/dev/null; then
    echo "benchmark.sh: $larq cannot import larq and tensorflow (see tools/larq-export/README.md)" >&2
    exit 2
  fi
fi

echo "== building (release)" >&2
swift build -c release --product bnn-run >&2
swift build -c release --product bnn-kernel-bench >&2
swift build -c release --product bnn-train >&2
bin=$(swift build -c release --show-bin-path)

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
family=$(lscpu | sed -n 's/^CPU family: *//p' | head -n 1)
model=$(lscpu | sed -n 's/^Model: *//p' | head -n 1)
cpu="$cpu, family ${family:-?} model ${model:-?}"
flags=$(lscpu | sed -n 's/^Flags: *//p')
features=""
for f in avx2 avx512f avx512_vpopcntdq avx512_vnni asimd asimddp; do
  case " $flags " in *" $f "*) features="$features $f" ;; esac
done
read -r _ peak path < <("$bin/bnn-kernel-bench" --peak)

echo "# BinaryNet benchmark, $(date -u +%Y-%m-%d)"
echo
echo "CPU: $cpu ($(nproc) cores;$features). Kernel peak: $peak G binary MAC/s per core"
echo "($path XOR-popcount kernels on L1-resident blocks, best). Batch-1 latency: p50 of"
echo "${seconds} s of one-image calls on random images of a random model of each architecture."
echo

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for arch in $models; do
  "$bin/bnn-run" bench --arch "$arch" --threads "$threads" --seconds "$seconds" --repeats 3 --json >>"$results"
  echo >>"$results"
done

python3 - "$results" "$peak" "$threads" <<'EOF'
import json, sys
path, peak, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rows = [json.loads(line) for line in open(path) if line.strip()]
print(f"| model, batch 1 | MACs (binary + 8 x pixel) | floor | 1 thread p50 | / floor | {threads} threads p50 | {threads} threads / 1 thread |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    macs = r["binary_macs_per_image"] + 8 * r["pixel_macs_per_image"]
    floor = macs / (peak * 1e9)
    one = r["latency_batch1_seconds"]["p50"]
    shared = r.get("latency_batch1_threaded_seconds") or {}
    many = shared.get("p50")
    name = r["model"].replace("random ", "")
    many_text = f"{many * 1e6:.1f} µs" if many else "-"
    ratio_text = f"{many / one:.2f}" if many else "-"
    print(f"| {name} | {macs / 1e6:.2f} M | {floor * 1e6:.1f} µs | {one * 1e6:.1f} µs | {one / floor:.1f} | {many_text} | {ratio_text} |")
print()
print("Per layer, batch 1, 1 thread (time and G MAC/s):")
print()
for r in rows:
    layers = ", ".join(f"{l['kind']} {l['seconds_batch1'] * 1e6:.1f} µs ({l['gmacs_batch1']:.0f})" for l in r["layers"] if l["macs"] > 0)
    print(f"- {r['model'].replace('random ', '')}: {layers}")
EOF

if [ "$training" = 1 ]; then
  # The float work of a training step: the first layer's forward product and every layer's
  # weight gradient, and every input gradient but the first layer's; the other layers'
  # forward products run on the XOR-popcount kernels, and a dense first layer's on the int8
  # kernel where the path has one (the bench's first_layer_form "int8"). 2 FLOP a MAC,
  # 60,000 images. The SGEMM peak: bnn-train --bench-gemm's best square product on the
  # same threads.
  gemm=$(mktemp)
  "$bin/bnn-train" --bench-gemm --threads "$threads" --json >"$gemm" 2>/dev/null
  echo
  echo "| training, $threads threads, 1 epoch | gradients | s per 60k images | test accuracy after 1 epoch | float GFLOP per 60k | GFLOP/s | share of SGEMM peak | at SGEMM peak |"
  echo "|---|---|---|---|---|---|---|---|"
  work=$(mktemp -d)
  for arch in $models; do
    [ "$arch" = mlp-4096 ] && continue  # the reference table trains mlp-1024 and conv
    for gradients in float32 int8; do
      "$bin/bnn-train" --arch "$arch" --epochs 1 --val 0 --threads "$threads" --gradients "$gradients" \
        --out "$work/$arch.bnn" --json >"$work/$arch-$gradients.json" 2>/dev/null
      python3 - "$work/$arch-$gradients.json" "$arch" "$results" "$gemm" "$threads" "$gradients" \
        "$work/$arch-float32.json" <<'EOF'
import json, sys
def per_60k(path):
    records = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    epoch = [r for r in records if "seconds" in r and "epoch" in r]
    seconds = epoch[-1]["seconds"] if epoch else records[-1].get("seconds_per_epoch")
    return seconds * 60000 / records[-1].get("train_images", 60000), records[-1]
seconds, final = per_60k(sys.argv[1])
arch, gradients = sys.argv[2], sys.argv[6]
accuracy = final.get("test_accuracy")
acc_text = f"{accuracy * 100:.2f}%" if isinstance(accuracy, (int, float)) else "-"
if gradients == "int8":
    # The backward products run in int8: the float columns do not apply; the speed-up over
    # the float32 row above does.
    baseline, _ = per_60k(sys.argv[7])
    print(f"| {arch} | int8 | {seconds:.1f} ({baseline / seconds:.2f}x faster) | {acc_text} | - | - | - | - |")
    sys.exit(0)
bench = [json.loads(line) for line in open(sys.argv[3]) if line.strip()]
record = next((r for r in bench if r["model"].replace("random ", "") == arch), None)
layers = record["layers"] if record else None
gemm = [json.loads(line) for line in open(sys.argv[4]) if line.strip().startswith("{")]
peaks = [g["gflops_median"] for j in gemm for g in j.get("results", [])
         if g["shape"].startswith("square") and g["threads"] == int(sys.argv[5])]
if layers is None or not peaks:
    print(f"| {arch} | float32 | {seconds:.1f} | {acc_text} | - | - | - | - |")
    sys.exit(0)
macs = 2 * sum(l["macs"] for l in layers)
if record.get("first_layer_form") == "int8" and layers[0]["kind"] == "pixel-dense":
    macs -= layers[0]["macs"]  # its forward product runs on the int8 kernel
gflop = 2 * macs * 60000 / 1e9
peak = max(peaks)
print(f"| {arch} | float32 | {seconds:.1f} | {acc_text} | {gflop:.0f} | {gflop / seconds:.1f} | "
      f"{gflop / seconds / peak * 100:.0f}% | {gflop / peak:.1f} s |")
EOF
    done
  done
  if [ -n "$larq" ]; then
    # Larq on TensorFlow, the same networks and threads, right after BinaryNet's runs.
    echo "== Larq: one epoch of each network (minutes)" >&2
    larq_models=$(for arch in $models; do case "$arch" in mlp-1024 | conv) printf '%s,' "$arch" ;; esac; done)
    "$larq" tools/larq-export/larq_training_speed.py --threads "$threads" --models "$larq_models" --json \
      >"$work/larq.json" 2>"$work/larq.log" || { cat "$work/larq.log" >&2; exit 1; }
    echo
    echo "| training, $threads threads, s per 60k images | Larq on TensorFlow | BinaryNet float32 | BinaryNet int8 | speed-up over Larq (float32, int8) |"
    echo "|---|---|---|---|---|"
    python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def per_60k(path):
    records = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    epoch = [r for r in records if "seconds" in r and "epoch" in r]
    seconds = epoch[-1]["seconds"] if epoch else records[-1].get("seconds_per_epoch")
    return seconds * 60000 / records[-1].get("train_images", 60000)
for line in open(f"{work}/larq.json"):
    larq = json.loads(line)
    arch = larq["model"]
    f32, i8 = per_60k(f"{work}/{arch}-float32.json"), per_60k(f"{work}/{arch}-int8.json")
    l = larq["seconds_per_60k"]
    print(f"| {arch} | {l:.1f} (TensorFlow {larq['tensorflow']}) | {f32:.1f} | {i8:.1f} | {l / f32:.1f}x, {l / i8:.1f}x |")
EOF
  fi
  rm -rf "$work" "$gemm"
fi
