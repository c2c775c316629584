#!/usr/bin/env python3
"""Make the Larq import fixtures of ``Tests/Fixtures/larq/`` (small, committed).

How they are made (rerun to regenerate; results differ only by training noise):

1. Five tiny models are trained in Larq for one short epoch on the first
   ``--train-count`` MNIST training images (seed 1):

   * ``mlp_tiny``: model input a flat vector of 784 values ``x/127.5 - 1``
     (exported with ``image_shape`` 28x28x1) -> QuantDense 32 (no input quantizer)
     -> BN -> QuantDense 32 (ste_sign) -> BN -> QuantDense 10 -> BN -> softmax.
   * ``conv_tiny``: 28x28x1 ``x/127.5 - 1`` -> QuantConv2D 8 3x3 'same' (no input
     quantizer: its zero padding is pixel 127.5) -> MaxPool -> BN -> QuantConv2D 16
     3x3 'same' pad_values=0.0 with bias (ste_sign input) -> MaxPool -> BN -> Flatten
     -> QuantDense 16 -> BN -> QuantDense 10 -> BN -> softmax.
   * ``sign_conv_tiny``: 28x28x1 ``x/127.5 - 1`` -> QuantConv2D 8 3x3 'same' with
     ste_sign on the model input and Keras' zero padding of the signs -> BN -> MaxPool
     (after BN) -> QuantConv2D 16 3x3 stride 2 'same' (zero padding) -> BN -> Flatten
     -> QuantDense 10 -> BN -> softmax.
   * ``sign_mlp_tiny``: 28x28x1 ``x/127.5 - 1`` -> Flatten -> QuantDense 32 with
     ste_sign on the model input -> BN -> QuantDense 10 -> BN -> softmax.
   * ``conv_negbn``: 28x28x1 ``x/255`` -> QuantConv2D 8 5x5 'valid' -> BN (gamma
     made negative on half the channels, below) -> MaxPool (after BN) -> QuantConv2D 16
     3x3 stride 2 'same' pad_values=1.0 (approx_sign input) -> MaxPool (before BN) ->
     BN (center=False; gamma negative on half the channels) -> Flatten -> QuantDense 10
     (swish_sign input, with bias) -> BN (scale=False) -> softmax.

   After training, ``conv_negbn`` gets negative gammas: for every odd channel c of each
   hidden BatchNorm, gamma_c and beta_c are negated and the next layer's kernel slice
   for input channel c is negated too. For the second BatchNorm (max pooling before
   it) the network keeps its function up to ties, now through a decreasing BatchNorm:
   sign(BN'(max z)) = min sign(BN'(z)) = -max sign(BN(z)), the engine's OR pooling.
   For the first (max pooling after it) the pool now takes the maximum of the negated
   values, so the function changes a little. The fixture is whatever Keras computes
   with those parameters.

2. Each model is exported with ``larq_export.export_model`` to ``NAME.npz`` and Keras'
   outputs on the first 300 MNIST test images are saved to ``NAME.expected.npz``:
   ``logits`` (float32 [300, 10], pre-softmax), ``softmax`` (float32 [300, 10]),
   ``predicted`` (int32 [300], argmax of the logits) and ``labels`` (int32 [300],
   the true test labels). The model input is ``float32(x) * float32(scale) +
   float32(offset)``.

3. ``conv_negbn_deflated.npz``: ``conv_negbn.npz`` rewritten with
   ``numpy.savez_compressed`` (deflated ZIP entries; same expected outputs).

4. Bad exports for the importer's error tests, derived from ``conv_negbn.npz``:
   ``bad_missing_array.npz`` (a kernel array named by the JSON is absent),
   ``bad_wrong_shape.npz`` (a kernel with a wrong shape), ``bad_unsupported_layer.npz``
   (an entry of type ``dropout``), ``bad_nan.npz`` (a NaN in a BatchNorm gamma),
   ``bad_truncated.npz`` (the first half of the file), ``bad_no_json.npz`` (no
   ``model.json``), ``bad_version.npz`` (format version 2), ``bad_json.npz`` (the JSON
   is not valid JSON), ``bad_float64.npz`` (a kernel stored as float64) and
   ``bad_quantizer.npz`` (a hidden layer's input quantizer ``ste_heaviside``).

Each model's numpy reference (``npz_reference.py``) is checked against Keras before
anything is written. Keras models themselves go to ``--keras-out`` (outside git).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import npz_reference  # noqa: E402
from larq_export import JSON_KEY, export_model  # noqa: E402
from mnist_idx import REPO_ROOT, load_mnist  # noqa: E402
from train_reference import binary_kwargs, keras_outputs, preprocess  # noqa: E402

FIXTURES = REPO_ROOT / "Tests" / "Fixtures" / "larq"
COUNT = 300


def build_mlp_tiny() -> Any:
    import tensorflow as tf
    import larq as lq

    bn = lambda: tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)  # noqa: E731
    return tf.keras.Sequential(
        [
            tf.keras.layers.InputLayer((784,)),
            lq.layers.QuantDense(32, **binary_kwargs(None)),
            bn(),
            lq.layers.QuantDense(32, **binary_kwargs()),
            bn(),
            lq.layers.QuantDense(10, **binary_kwargs()),
            bn(),
            tf.keras.layers.Activation("softmax"),
        ],
        name="mlp_tiny",
    )


def build_conv_tiny() -> Any:
    import tensorflow as tf
    import larq as lq

    bn = lambda: tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)  # noqa: E731
    with_bias = {**binary_kwargs(), "use_bias": True}
    return tf.keras.Sequential(
        [
            tf.keras.layers.InputLayer((28, 28, 1)),
            lq.layers.QuantConv2D(8, 3, padding="same", **binary_kwargs(None)),
            tf.keras.layers.MaxPooling2D(2),
            bn(),
            lq.layers.QuantConv2D(16, 3, padding="same", pad_values=0.0, **with_bias),
            tf.keras.layers.MaxPooling2D(2),
            bn(),
            tf.keras.layers.Flatten(),
            lq.layers.QuantDense(16, **binary_kwargs()),
            bn(),
            lq.layers.QuantDense(10, **binary_kwargs()),
            bn(),
            tf.keras.layers.Activation("softmax"),
        ],
        name="conv_tiny",
    )


def build_sign_conv_tiny() -> Any:
    import tensorflow as tf
    import larq as lq

    bn = lambda: tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)  # noqa: E731
    return tf.keras.Sequential(
        [
            tf.keras.layers.InputLayer((28, 28, 1)),
            lq.layers.QuantConv2D(8, 3, padding="same", **binary_kwargs()),
            bn(),
            tf.keras.layers.MaxPooling2D(2),
            lq.layers.QuantConv2D(16, 3, strides=2, padding="same", **binary_kwargs()),
            bn(),
            tf.keras.layers.Flatten(),
            lq.layers.QuantDense(10, **binary_kwargs()),
            bn(),
            tf.keras.layers.Activation("softmax"),
        ],
        name="sign_conv_tiny",
    )


def build_sign_mlp_tiny() -> Any:
    import tensorflow as tf
    import larq as lq

    bn = lambda: tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)  # noqa: E731
    return tf.keras.Sequential(
        [
            tf.keras.layers.InputLayer((28, 28, 1)),
            tf.keras.layers.Flatten(),
            lq.layers.QuantDense(32, **binary_kwargs()),
            bn(),
            lq.layers.QuantDense(10, **binary_kwargs()),
            bn(),
            tf.keras.layers.Activation("softmax"),
        ],
        name="sign_mlp_tiny",
    )


def build_conv_negbn() -> Any:
    import tensorflow as tf
    import larq as lq

    return tf.keras.Sequential(
        [
            tf.keras.layers.InputLayer((28, 28, 1)),
            lq.layers.QuantConv2D(8, 5, padding="valid", **binary_kwargs(None)),
            tf.keras.layers.BatchNormalization(momentum=0.9),
            tf.keras.layers.MaxPooling2D(2),
            lq.layers.QuantConv2D(16, 3, strides=2, padding="same", pad_values=1.0, **binary_kwargs("approx_sign")),
            tf.keras.layers.MaxPooling2D(2),
            tf.keras.layers.BatchNormalization(momentum=0.9, center=False),
            tf.keras.layers.Flatten(),
            lq.layers.QuantDense(10, **{**binary_kwargs("swish_sign"), "use_bias": True}),
            tf.keras.layers.BatchNormalization(momentum=0.9, scale=False),
            tf.keras.layers.Activation("softmax"),
        ],
        name="conv_negbn",
    )


def negate_odd_channels(model: Any) -> None:
    """Make gamma negative on odd channels of conv_negbn's hidden BatchNorms, negating
    beta too and the next layer's kernel slices so the function is (nearly) kept."""
    import tensorflow as tf
    import larq as lq

    layers = model.layers
    for i, layer in enumerate(layers):
        if not isinstance(layer, tf.keras.layers.BatchNormalization) or not layer.scale:
            continue
        nxt = next((l for l in layers[i + 1 :] if isinstance(l, (lq.layers.QuantConv2D, lq.layers.QuantDense))), None)
        if nxt is None:
            continue
        channels = layer.gamma.shape[0]
        flip = np.where(np.arange(channels) % 2 == 1, -1.0, 1.0).astype(np.float32)
        layer.gamma.assign(layer.gamma.numpy() * flip)
        if layer.center:
            layer.beta.assign(layer.beta.numpy() * flip)
        kernel = nxt.get_weights()
        if isinstance(nxt, lq.layers.QuantConv2D):
            kernel[0] = kernel[0] * flip[None, None, :, None]
        else:  # dense after a flatten of H x W x C: the channel is the fastest index
            kernel[0] = kernel[0] * np.tile(flip, kernel[0].shape[0] // channels)[:, None]
        nxt.set_weights(kernel)


def make_model(
    name: str,
    build: Callable[[], Any],
    input_shape: tuple[int, ...],
    scale: float,
    offset: float,
    preprocess_text: str,
    train_count: int,
    keras_out: Path,
    after_training: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(1)
    x_train, y_train = load_mnist("train")
    x_test, y_test = load_mnist("test")
    model = build()
    model.compile(optimizer=tf.keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(preprocess(x_train[:train_count], scale, offset, input_shape), y_train[:train_count], batch_size=100, epochs=1, verbose=2)
    if after_training:
        after_training(model)
    model.save(keras_out / f"{name}.h5")
    npz_path = FIXTURES / f"{name}.npz"
    export_model(model, npz_path, scale=scale, offset=offset, image_shape=(28, 28, 1), preprocess_text=preprocess_text)
    x_all = preprocess(x_test, scale, offset, input_shape)
    logits, softmax = keras_outputs(model, x_all)
    predicted = logits.argmax(1).astype(np.int32)
    # Check the numpy reference (both forms) against Keras on all test images.
    document, arrays = npz_reference.load(npz_path)
    ref_float = npz_reference.forward_float(document, arrays, x_test)
    ref_engine = npz_reference.forward_engine(document, arrays, x_test)
    agree_float = int(np.sum(ref_float.argmax(1) == predicted))
    agree_engine = int(np.sum(ref_engine.argmax(1) == predicted))
    np.savez_compressed(
        FIXTURES / f"{name}.expected.npz",
        logits=logits[:COUNT],
        softmax=softmax[:COUNT],
        predicted=predicted[:COUNT],
        labels=y_test[:COUNT].astype(np.int32),
    )
    summary = {
        "model": name,
        "keras_test_accuracy_10000": float(np.mean(predicted == y_test)),
        "keras_accuracy_first_300": float(np.mean(predicted[:COUNT] == y_test[:COUNT])),
        "reference_float_agrees_10000": agree_float,
        "reference_engine_agrees_10000": agree_engine,
        "max_abs_logit_diff_float_reference": float(np.max(np.abs(ref_float - logits))),
        "npz_bytes": npz_path.stat().st_size,
    }
    print(json.dumps(summary))
    if agree_float != len(predicted) or agree_engine != len(predicted):
        raise SystemExit(f"{name}: the numpy reference disagrees with Keras; not writing fixtures")
    return summary


def _rewrite(source: Path, target: Path, edit: Callable[[dict[str, Any], dict[str, np.ndarray]], None]) -> None:
    """Copy an export with its JSON document and arrays edited by ``edit``."""
    with np.load(source, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    document = json.loads(arrays.pop(JSON_KEY).tobytes().decode("utf-8"))
    edit(document, arrays)
    payload = {}
    if document is not None and "__no_json__" not in document:
        text = document.pop("__raw_json__", None) or json.dumps(document, indent=1)
        payload[JSON_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    payload.update(arrays)
    np.savez(target, **payload)


def make_deflated_copy(source: Path) -> None:
    """``conv_negbn_deflated.npz``: the same arrays written by ``numpy.savez_compressed``
    (deflated entries), for the reader's decompression path; expected outputs are
    ``conv_negbn.expected.npz``."""
    with np.load(source, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    np.savez_compressed(FIXTURES / f"{source.stem}_deflated.npz", **arrays)


def make_bad_fixtures(source: Path) -> None:
    """The bad exports listed in the module docstring."""

    def first_kernel(document: dict[str, Any]) -> str:
        return next(layer["kernel"] for layer in document["layers"] if layer["type"] in ("dense", "conv2d"))

    def missing_array(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        del arrays[first_kernel(document)]

    def wrong_shape(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        key = first_kernel(document)
        arrays[key] = np.ascontiguousarray(arrays[key][:, :, :, :-1])

    def unsupported(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        document["layers"].insert(2, {"type": "dropout", "name": "dropout", "rate": 0.5})

    def nan(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        key = next(layer["gamma"] for layer in document["layers"] if layer["type"] == "batch_norm" and layer["gamma"])
        arrays[key] = arrays[key].copy()
        arrays[key][1] = np.nan

    def no_json(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        document["__no_json__"] = True

    def version(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        document["version"] = 2

    def bad_json(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        document["__raw_json__"] = json.dumps(document)[:-20]

    def quantizer(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        hidden = [layer for layer in document["layers"] if layer["type"] in ("dense", "conv2d")][1]
        hidden["input_quantizer"] = "ste_heaviside"

    def float64(document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        key = first_kernel(document)
        arrays[key] = arrays[key].astype(np.float64)

    edits = {
        "bad_missing_array": missing_array,
        "bad_wrong_shape": wrong_shape,
        "bad_unsupported_layer": unsupported,
        "bad_nan": nan,
        "bad_no_json": no_json,
        "bad_version": version,
        "bad_json": bad_json,
        "bad_float64": float64,
        "bad_quantizer": quantizer,
    }
    for name, edit in edits.items():
        _rewrite(source, FIXTURES / f"{name}.npz", edit)
    data = source.read_bytes()
    (FIXTURES / "bad_truncated.npz").write_bytes(data[: len(data) // 2])
    # Each bad file must be refused by the numpy reader too (self-check).
    for path in sorted(FIXTURES.glob("bad_*.npz")):
        try:
            npz_reference.load(path)
        except (npz_reference.FormatError, ValueError) as error:
            print(f"{path.name}: refused ({error})")
        else:
            raise SystemExit(f"{path.name} was accepted by npz_reference.load")


def main() -> int:
    parser = argparse.ArgumentParser(description="Make the Larq import fixtures in Tests/Fixtures/larq/ (see the module docstring).")
    parser.add_argument("--keras-out", type=Path, default=Path("/work/larq-models/fixtures"), help="where the Keras models go (outside git)")
    parser.add_argument("--train-count", type=int, default=20000, help="training images (first N)")
    parser.add_argument("--only", help="comma-separated subset of mlp_tiny, conv_tiny, sign_conv_tiny, sign_mlp_tiny, conv_negbn, bad")
    args = parser.parse_args()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    args.keras_out.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else {"mlp_tiny", "conv_tiny", "sign_conv_tiny", "sign_mlp_tiny", "conv_negbn", "bad"}
    summaries = []
    if "mlp_tiny" in only:
        summaries.append(make_model("mlp_tiny", build_mlp_tiny, (784,), 1 / 127.5, -1.0, "x/127.5-1", args.train_count, args.keras_out))
    if "conv_tiny" in only:
        summaries.append(make_model("conv_tiny", build_conv_tiny, (28, 28, 1), 1 / 127.5, -1.0, "x/127.5-1", args.train_count, args.keras_out))
    for name, build in (("sign_conv_tiny", build_sign_conv_tiny), ("sign_mlp_tiny", build_sign_mlp_tiny)):
        if name in only:
            summaries.append(make_model(name, build, (28, 28, 1), 1 / 127.5, -1.0, "x/127.5-1", args.train_count, args.keras_out))
    if "conv_negbn" in only:
        summaries.append(
            make_model("conv_negbn", build_conv_negbn, (28, 28, 1), 1 / 255, 0.0, "x/255", args.train_count, args.keras_out, negate_odd_channels)
        )
    if "bad" in only:
        make_deflated_copy(FIXTURES / "conv_negbn.npz")
        make_bad_fixtures(FIXTURES / "conv_negbn.npz")
    if summaries:
        (args.keras_out / "fixtures-summary.json").write_text(json.dumps(summaries, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
