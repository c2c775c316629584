#!/usr/bin/env bash
# The main job: build in release mode, train the default model (mlp-1024) on the bundled
# MNIST, then evaluate the written model with bnn-run on the 10,000 test images.
# Extra arguments go to bnn-train (e.g. --epochs 5, --arch 784-256-256-10).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${BNN_MODEL:-mnist-mlp-1024.bnn}
scripts/setup.sh
echo "== building (release)"
swift build -c release
bin=$(swift build -c release --show-bin-path)
echo "== training -> $model"
"$bin/bnn-train" --dataset mnist --arch mlp-1024 --out "$model" "$@"
echo "== evaluating $model with bnn-run"
"$bin/bnn-run" eval "$model" \
  --images datasets/mnist/t10k-images-idx3-ubyte.gz \
  --labels datasets/mnist/t10k-labels-idx1-ubyte.gz
