#!/usr/bin/env python3
"""Time Larq (on TensorFlow) training BinaryNet's two presets, for a same-machine baseline.

``scripts/benchmark.sh --training --larq PYTHON`` runs this with the Larq environment's
Python and prints BinaryNet's epoch time over Larq's (issue 14: "training >= 3x Larq on
the same machine"). It can also run alone::

    /work/larq-venv/bin/python tools/larq-export/larq_training_speed.py --threads 2

The models are BinaryNet's presets written in Larq, with the trainer's recipe: Adam
(learning rate 0.003), batch 100, sparse categorical cross-entropy, BatchNorm (momentum
0.9, epsilon 1e-4) after every binary layer, ``ste_sign`` weights clipped to [-1, 1]
(``weight_clip``), no biases, the first layer on the real-valued input ``x/255``:

* ``mlp-1024``: 784 -> 1024 -> 1024 -> 1024 -> 10.
* ``conv``: QuantConv2D 32 3x3 'same' on the pixels -> BN -> QuantConv2D 64 3x3 'same'
  (``pad_values=1``) -> MaxPool 2x2 -> BN -> QuantConv2D 128 3x3 'same' -> MaxPool 2x2 ->
  BN -> Flatten -> QuantDense 256 -> BN -> QuantDense 10 -> BN -> softmax (BinaryNet's
  ``c32-c64-p-c128-p-256-10``).

BinaryNet also shifts every training image by up to a pixel (``--augment 1``); Larq here
trains on the images as they are, which only makes Larq's figure a little faster.

It trains ``--images`` training images for one epoch (``model.fit``, ``verbose=0``) and
times the batches after the first ``--warmup`` ones (graph tracing and the first
allocations), then prints one line per model, and with ``--json`` one JSON object::

    larq mlp-1024: 21.3 s per 60000 images (2 threads, 580 timed batches of 100)

TensorFlow gets ``--threads`` threads for its intra-op and inter-op pools.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mnist_idx import load_mnist  # noqa: E402

#: The presets this script knows, as BinaryNet names them.
MODELS = ("mlp-1024", "conv")


def binary(input_quantizer: Any) -> dict[str, Any]:
    """Arguments of a binary layer: ±1 weights clipped to [-1, 1], no bias."""
    return dict(
        input_quantizer=input_quantizer,
        kernel_quantizer="ste_sign",
        kernel_constraint="weight_clip",
        use_bias=False,
    )


def build(name: str) -> Any:
    """The Keras model of preset ``name`` (input: float images 28x28x1 scaled to [0, 1])."""
    import larq as lq
    import tensorflow as tf

    def bn() -> Any:
        return tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-4)

    layers: list[Any] = [tf.keras.layers.InputLayer((28, 28, 1))]
    if name == "mlp-1024":
        layers.append(tf.keras.layers.Flatten())
        for i in range(3):
            layers += [lq.layers.QuantDense(1024, **binary(None if i == 0 else "ste_sign")), bn()]
    elif name == "conv":
        layers += [
            lq.layers.QuantConv2D(32, 3, padding="same", **binary(None)),
            bn(),
            lq.layers.QuantConv2D(64, 3, padding="same", pad_values=1.0, **binary("ste_sign")),
            tf.keras.layers.MaxPooling2D(2),
            bn(),
            lq.layers.QuantConv2D(128, 3, padding="same", pad_values=1.0, **binary("ste_sign")),
            tf.keras.layers.MaxPooling2D(2),
            bn(),
            tf.keras.layers.Flatten(),
            lq.layers.QuantDense(256, **binary("ste_sign")),
            bn(),
        ]
    else:
        raise ValueError(f"unknown model {name!r} (known: {', '.join(MODELS)})")
    layers += [lq.layers.QuantDense(10, **binary("ste_sign")), bn(), tf.keras.layers.Activation("softmax")]
    return tf.keras.Sequential(layers, name=name.replace("-", "_"))


class BatchClock:
    """Keras callback: the wall-clock time at the end of every training batch."""

    def __new__(cls) -> Any:  # a real subclass needs TensorFlow imported first
        import tensorflow as tf

        class _Clock(tf.keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.ends: list[float] = []

            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                self.ends.append(time.perf_counter())

        return _Clock()


def measure(name: str, images: int, batch: int, warmup: int, threads: int) -> dict[str, Any]:
    """Seconds per 60,000 images of one epoch of ``name`` on the first ``images`` images."""
    import tensorflow as tf

    x, y = load_mnist("train")
    x = (x[:images].astype(np.float32) / np.float32(255)).reshape((-1, 28, 28, 1))
    y = y[:images].astype(np.int32)
    model = build(name)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.003),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = BatchClock()
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0, callbacks=[clock])
    ends = clock.ends
    if len(ends) <= warmup + 1:
        raise SystemExit(f"error: {images} images make {len(ends)} batches; need more than --warmup {warmup} + 1")
    timed = len(ends) - 1 - warmup
    seconds = ends[-1] - ends[warmup]
    return {
        "model": name,
        "seconds_per_60k": seconds / (timed * batch) * 60_000,
        "timed_batches": timed,
        "batch": batch,
        "threads": threads,
        "tensorflow": tf.__version__,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated presets (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow intra- and inter-op threads (default: 2)")
    parser.add_argument("--images", type=int, default=60_000, help="training images to time (default: 60000)")
    parser.add_argument("--batch", type=int, default=100, help="mini-batch size (default: 100)")
    parser.add_argument("--warmup", type=int, default=20, help="first batches left out of the timing (default: 20)")
    parser.add_argument("--json", action="store_true", help="one JSON object per model on stdout")
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    for name in names:
        if name not in MODELS:
            parser.error(f"unknown model {name!r} (known: {', '.join(MODELS)})")
    if args.threads < 1 or args.images < 1 or args.batch < 1 or args.warmup < 0:
        parser.error("--threads, --images and --batch must be positive, --warmup not negative")

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    tf.keras.utils.set_random_seed(1)
    for name in names:
        result = measure(name, args.images, args.batch, args.warmup, args.threads)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(
                f"larq {name}: {result['seconds_per_60k']:.1f} s per 60000 images "
                f"({args.threads} threads, {result['timed_batches']} timed batches of {args.batch})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
