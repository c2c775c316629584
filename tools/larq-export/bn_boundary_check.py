#!/usr/bin/env python3
"""Check that folding's BatchNorm formula decides every sign as Keras does.

For each BatchNormalization that follows a binary-input QuantDense/QuantConv2D, the
pre-activation is an integer ``z`` in ``[-K, K]`` (plus the layer's bias, if any).
This script evaluates Keras' own BatchNormalization layer (TensorFlow's op, float32)
on every such value for every channel and compares ``y >= 0`` with BinaryNet's fold
formula ``gamma * ((pre - mean) / sqrt(var + eps)) + beta`` in float32
(``BatchNormParameters.apply`` in ``Sources/BinaryNet/TrainedLayers.swift``). Any
difference would be an image-level disagreement waiting to happen; docs/IMPORT.md
("Float rounding at the boundary") cites the result.

    TF_USE_LEGACY_KERAS=1 python bn_boundary_check.py model.keras [model2.h5 ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def check(path: Path) -> int:
    """Print per-BatchNorm counts; return the number of differing decisions."""
    import tensorflow as tf
    import larq as lq

    model = tf.keras.models.load_model(str(path), compile=False)
    total = 0
    layers = model.layers
    for i, bn in enumerate(layers):
        if not isinstance(bn, tf.keras.layers.BatchNormalization):
            continue
        prev = [l for l in layers[:i] if isinstance(l, (lq.layers.QuantDense, lq.layers.QuantConv2D))][-1]
        if prev.input_quantizer is None:
            print(f"{path.name}: {bn.name}: after a real-valued first layer (pre-activation not an integer), skipped")
            continue
        k = int(np.prod(prev.kernel.shape[:-1]))
        c = bn.moving_mean.shape[0]
        z = np.arange(-k, k + 1, dtype=np.float32)
        pre = np.repeat(z[:, None], c, axis=1)
        if prev.use_bias:
            pre = (pre + prev.bias.numpy()[None, :]).astype(np.float32)
        x = pre.reshape(-1, 1, 1, c) if len(bn.input_shape) == 4 else pre
        y_keras = bn(x, training=False).numpy().reshape(len(z), c)
        gamma = bn.gamma.numpy() if bn.scale else np.ones(c, np.float32)
        beta = bn.beta.numpy() if bn.center else np.zeros(c, np.float32)
        s = np.sqrt(bn.moving_variance.numpy() + np.float32(bn.epsilon)).astype(np.float32)
        y_fold = (gamma * ((pre - bn.moving_mean.numpy()) / s) + beta).astype(np.float32)
        differ = int(np.sum((y_keras >= 0) != (y_fold >= 0)))
        total += differ
        print(f"{path.name}: {bn.name}: K={k}, {c} channels, {pre.size} (z, channel) pairs: {differ} sign decisions differ")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description="Compare Keras' BatchNorm signs with the fold formula on every integer pre-activation.")
    parser.add_argument("models", nargs="+", type=Path)
    args = parser.parse_args()
    total = sum(check(path) for path in args.models)
    print(f"total differing decisions: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
