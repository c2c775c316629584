#!/usr/bin/env python3
"""Train BinaryNet's Larq reference models on the bundled MNIST and export them.

Two models, trained briefly (they are references for exact agreement, not records):

* ``larq-mlp``: 784 -> 1024 -> 1024 -> 1024 -> 10. The first QuantDense reads the
  real-valued input ``x/127.5 - 1`` (no input quantizer, binary weights); the others
  read ``ste_sign`` of the previous BatchNorm. BatchNorm after every QuantDense,
  softmax at the end.
* ``larq-conv``: 28x28x1 -> QuantConv2D 16 3x3 'same' on ``x/127.5 - 1`` (no input
  quantizer; its zero padding is the normalised value 0, i.e. pixel 127.5) -> BN ->
  QuantConv2D 32 3x3 'same' pad_values=1.0 -> MaxPool 2x2 -> BN -> QuantConv2D 64 3x3
  'same' pad_values=0.0 -> MaxPool 2x2 -> BN -> Flatten -> QuantDense 128 -> BN ->
  QuantDense 10 -> BN -> softmax. (Small, so that it trains in minutes on 2 shared cores.)
  It needs the per-position padding corrections of docs/IMPORT.md (first layer and
  the pad_values=0.0 convolution).
* ``larq-conv-native``: the same on ``x/255`` with ``pad_values=1.0`` in both binary
  convolutions: every padding is then the engine's own (pixel 0, binary +1), so it
  maps onto format v2 without corrections.

For each model it writes to ``--out`` (default ``/work/larq-models``, outside git):
the Keras model (``NAME.keras``), its export (``NAME.npz``), Keras' pre-softmax
logits and softmax outputs on all 10,000 test images (``NAME.keras_logits.npy``,
``NAME.keras_softmax.npy``, float32 [10000, 10]), the predicted labels
(``NAME.keras_predictions.npy``, int32) and a summary (``NAME.json``: accuracy,
epochs, time, versions).

The model input is computed exactly as ``x.astype(float32) * float32(scale) +
float32(offset)`` (see ``preprocess``), the map the export declares.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from larq_export import export_model  # noqa: E402
from mnist_idx import load_mnist  # noqa: E402

#: Preprocessing of each model: the model saw ``x * scale + offset``.
PREPROCESS = {"x/127.5-1": (1.0 / 127.5, -1.0), "x/255": (1.0 / 255.0, 0.0)}


def preprocess(pixels: np.ndarray, scale: float, offset: float, shape: tuple[int, ...]) -> np.ndarray:
    """``pixels * scale + offset`` in float32, reshaped to the model input ``shape``."""
    x = pixels.astype(np.float32) * np.float32(scale) + np.float32(offset)
    return x.reshape((pixels.shape[0], *shape))


def binary_kwargs(input_quantizer: Any = "ste_sign") -> dict[str, Any]:
    """The usual Larq arguments of a binary layer."""
    return dict(input_quantizer=input_quantizer, kernel_quantizer="ste_sign", kernel_constraint="weight_clip", use_bias=False)


def build_mlp(width: int = 1024, depth: int = 3, input_shape: tuple[int, ...] = (28, 28)) -> Any:
    """784 -> width x depth -> 10, first layer on the real-valued input."""
    import tensorflow as tf
    import larq as lq

    layers: list[Any] = [tf.keras.layers.InputLayer(input_shape)]
    if len(input_shape) > 1:
        layers.append(tf.keras.layers.Flatten())
    for i in range(depth):
        layers.append(lq.layers.QuantDense(width, **binary_kwargs(None if i == 0 else "ste_sign")))
        layers.append(tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-4))
    layers.append(lq.layers.QuantDense(10, **binary_kwargs()))
    layers.append(tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-4))
    layers.append(tf.keras.layers.Activation("softmax"))
    return tf.keras.Sequential(layers, name="larq_mlp")


def build_conv(native: bool = False) -> Any:
    """The conv reference (see the module docstring); ``native``: both binary
    convolutions pad with +1 (``pad_values=1.0``), the engine's own padding."""
    import tensorflow as tf
    import larq as lq

    bn = lambda: tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-4)  # noqa: E731
    return tf.keras.Sequential(
        [
            tf.keras.layers.InputLayer((28, 28, 1)),
            lq.layers.QuantConv2D(16, 3, padding="same", **binary_kwargs(None)),
            bn(),
            lq.layers.QuantConv2D(32, 3, padding="same", pad_values=1.0, **binary_kwargs()),
            tf.keras.layers.MaxPooling2D(2),
            bn(),
            lq.layers.QuantConv2D(64, 3, padding="same", pad_values=1.0 if native else 0.0, **binary_kwargs()),
            tf.keras.layers.MaxPooling2D(2),
            bn(),
            tf.keras.layers.Flatten(),
            lq.layers.QuantDense(128, **binary_kwargs()),
            bn(),
            lq.layers.QuantDense(10, **binary_kwargs()),
            bn(),
            tf.keras.layers.Activation("softmax"),
        ],
        name="larq_conv_native" if native else "larq_conv",
    )


def keras_outputs(model: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pre-softmax logits, softmax outputs) of a model ending in a softmax Activation."""
    import tensorflow as tf

    logits_model = tf.keras.Model(model.inputs, model.layers[-2].output)
    logits = logits_model.predict(x, batch_size=500, verbose=0).astype(np.float32)
    softmax = model.predict(x, batch_size=500, verbose=0).astype(np.float32)
    return logits, softmax


def train_and_save(
    name: str,
    build: Callable[[], Any],
    input_shape: tuple[int, ...],
    out: Path,
    epochs: int,
    train_count: int,
    batch: int,
    preprocess_text: str = "x/127.5-1",
    image_shape: tuple[int, int, int] = (28, 28, 1),
) -> dict[str, Any]:
    """Train one model, save it, export it and save Keras' outputs on the test set."""
    import tensorflow as tf
    import larq as lq

    scale, offset = PREPROCESS[preprocess_text]
    tf.keras.utils.set_random_seed(1)
    x_train, y_train = load_mnist("train")
    x_test, y_test = load_mnist("test")
    x_train, y_train = x_train[:train_count], y_train[:train_count]
    model = build()
    model.compile(
        optimizer=tf.keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    lq.models.summary(model)
    start = time.time()
    model.fit(preprocess(x_train, scale, offset, input_shape), y_train, batch_size=batch, epochs=epochs, verbose=2)
    seconds = time.time() - start
    model.save(out / f"{name}.keras")
    export_model(model, out / f"{name}.npz", scale=scale, offset=offset, image_shape=image_shape, preprocess_text=preprocess_text)
    logits, softmax = keras_outputs(model, preprocess(x_test, scale, offset, input_shape))
    predictions = logits.argmax(axis=1).astype(np.int32)
    np.save(out / f"{name}.keras_logits.npy", logits)
    np.save(out / f"{name}.keras_softmax.npy", softmax)
    np.save(out / f"{name}.keras_predictions.npy", predictions)
    summary = {
        "model": name,
        "test_accuracy": float(np.mean(predictions == y_test)),
        "softmax_argmax_equals_logit_argmax": int(np.sum(softmax.argmax(1) == predictions)),
        "epochs": epochs,
        "train_images": int(train_count),
        "batch": batch,
        "train_seconds": round(seconds, 1),
        "preprocess": f"{preprocess_text} computed as float32(x) * float32({scale!r}) + float32({offset!r})",
        "versions": {"tensorflow": tf.__version__, "larq": getattr(lq, "__version__", "?"), "numpy": np.__version__},
    }
    (out / f"{name}.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description="Train and export the Larq reference models (MLP and conv) on MNIST.")
    parser.add_argument("--out", type=Path, default=Path("/work/larq-models"), help="output folder, outside git")
    parser.add_argument("--models", default="mlp,conv,conv-native", help="comma-separated: mlp, conv, conv-native")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-count", type=int, default=60000, help="training images used (first N)")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow intra-op threads")
    args = parser.parse_args()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    for model in args.models.split(","):
        if model == "mlp":
            train_and_save("larq-mlp", build_mlp, (28, 28), args.out, args.epochs, args.train_count, args.batch)
        elif model == "conv":
            train_and_save("larq-conv", build_conv, (28, 28, 1), args.out, args.epochs, args.train_count, args.batch)
        elif model == "conv-native":
            train_and_save(
                "larq-conv-native", lambda: build_conv(native=True), (28, 28, 1), args.out, args.epochs, args.train_count, args.batch, "x/255"
            )
        else:
            parser.error(f"unknown model {model!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
