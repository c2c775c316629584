#!/usr/bin/env python3
"""Export a Keras model built with Larq to BinaryNet's framework-neutral ``.npz``.

Run it in the Python environment where the model lives (see ``requirements.txt``):

    TF_USE_LEGACY_KERAS=1 python larq_export.py model.h5 --preprocess "x/127.5-1" \\
        --image-shape 28x28x1 --out model.npz

or from Python, with a live ``tf.keras.Model``:

    from larq_export import export_model
    export_model(model, "model.npz", scale=1/127.5, offset=-1.0, image_shape=(28, 28, 1))

The file holds the float parameters exactly as trained and a JSON description of
the layers (key ``model.json``, UTF-8 bytes as a ``uint8`` array). The format is
specified in ``docs/IMPORT.md``; ``npz_reference.py`` runs an exported file with
numpy alone and is the executable form of that specification.

Anything the engine cannot run exactly is refused by name (layer, option or
quantizer) with :class:`UnsupportedModelError`; nothing is approximated.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Sequence

# Larq 0.13 needs Keras 2 (tf-keras); set before TensorFlow is imported.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

FORMAT_NAME = "binarynet-import"
FORMAT_VERSION = 1
EXPORTER_VERSION = "1.0"
JSON_KEY = "model.json"

#: Named preprocessing presets: ``x`` is the raw pixel (0...255); the model saw
#: ``x * scale + offset``.
PREPROCESS_PRESETS: dict[str, tuple[float, float]] = {
    "x": (1.0, 0.0),
    "x/255": (1.0 / 255.0, 0.0),
    "x/127.5-1": (1.0 / 127.5, -1.0),
    "x/128-1": (1.0 / 128.0, -1.0),
    "2*x/255-1": (2.0 / 255.0, -1.0),
}


class UnsupportedModelError(ValueError):
    """The model uses a layer, option or quantizer BinaryNet cannot run exactly."""


class ExportError(ValueError):
    """The export arguments are inconsistent (shapes, preprocessing, labels)."""


# --------------------------------------------------------------------------------------
# Quantizers
# --------------------------------------------------------------------------------------

#: Larq quantizers whose forward pass is ``sign(x)`` with ``sign(0) = +1``
#: (``larq.math.sign``: ``tf.sign(tf.sign(x) + 0.1)``). Only their gradients differ.
_SIGN_QUANTIZER_CLASSES = ("SteSign", "ApproxSign", "SwishSign")
_SIGN_QUANTIZER_FUNCTIONS = ("ste_sign", "approx_sign", "swish_sign")


def _quantizer_name(quantizer: Any) -> str:
    """A readable name for a quantizer object or function."""
    if quantizer is None:
        return "None"
    name = getattr(quantizer, "__name__", None) or type(quantizer).__name__
    module = getattr(quantizer, "__module__", "") or type(quantizer).__module__
    return f"{module}.{name}" if module and not module.startswith("larq") else name


def classify_quantizer(quantizer: Any, where: str) -> Optional[str]:
    """Return ``None`` (no quantizer) or the quantizer's name if its forward pass is
    Larq's ``sign``; raise :class:`UnsupportedModelError` for anything else."""
    if quantizer is None:
        return None
    from larq import quantizers as lqq

    cls_name = type(quantizer).__name__
    if cls_name in _SIGN_QUANTIZER_CLASSES and type(quantizer).__module__.startswith("larq"):
        return {"SteSign": "ste_sign", "ApproxSign": "approx_sign", "SwishSign": "swish_sign"}[cls_name]
    for fname in _SIGN_QUANTIZER_FUNCTIONS:
        if quantizer is getattr(lqq, fname, None):
            return fname
    raise UnsupportedModelError(
        f"{where}: quantizer {_quantizer_name(quantizer)} is not supported "
        f"(supported: {', '.join(_SIGN_QUANTIZER_CLASSES)} / {', '.join(_SIGN_QUANTIZER_FUNCTIONS)}, "
        "whose forward pass is sign(x) with sign(0) = +1)"
    )


# --------------------------------------------------------------------------------------
# Layer walking
# --------------------------------------------------------------------------------------


def _f32(array: Any) -> np.ndarray:
    """A C-contiguous little-endian float32 copy of a Keras weight."""
    return np.ascontiguousarray(np.asarray(array, dtype="<f4"))


def _check_finite(name: str, array: np.ndarray) -> None:
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ExportError(f"{name}: {bad} non-finite value(s) (NaN or infinity)")


def _shape(shape: Any) -> list[int]:
    """A Keras shape without the batch axis, as ints (refusing unknown sizes)."""
    dims = list(shape)[1:]
    if any(d is None for d in dims):
        raise UnsupportedModelError(f"shape {tuple(shape)} has an unknown dimension; build the model with a fixed input shape")
    return [int(d) for d in dims]


def _activation_name(activation: Any) -> str:
    return getattr(activation, "__name__", None) or type(activation).__name__


class _Exporter:
    """Walks a chain of Keras layers and collects JSON entries and arrays."""

    def __init__(self) -> None:
        self.layers: list[dict[str, Any]] = []
        self.arrays: dict[str, np.ndarray] = {}
        # Affine map of a leading Rescaling layer (composed into the input's scale/offset).
        self.rescale: tuple[float, float] = (1.0, 0.0)
        self.seen_weight_layer = False
        self.finished = False  # after softmax nothing may follow

    def _array(self, index: int, field: str, value: Any) -> str:
        key = f"layers.{index}.{field}"
        array = _f32(value)
        _check_finite(key, array)
        self.arrays[key] = array
        return key

    # ---- one layer ----------------------------------------------------------------

    def add(self, layer: Any) -> None:
        import tensorflow as tf
        import larq as lq

        kind = type(layer).__name__
        name = layer.name
        where = f"layer '{name}' ({kind})"
        if self.finished:
            raise UnsupportedModelError(f"{where}: nothing may follow the final softmax")
        index = len(self.layers)

        if isinstance(layer, tf.keras.Model):
            raise UnsupportedModelError(f"{where}: nested models are not supported; build one flat Sequential or functional chain")
        if isinstance(layer, tf.keras.layers.InputLayer):
            return  # the input shape is taken from the model

        if isinstance(layer, (lq.layers.QuantDense, lq.layers.QuantConv2D)) and type(layer) in (lq.layers.QuantDense, lq.layers.QuantConv2D):
            self._quant_layer(layer, index, where)
        elif type(layer) is tf.keras.layers.BatchNormalization:
            self._batch_norm(layer, index, where)
        elif type(layer) in (tf.keras.layers.MaxPooling2D,):
            self._max_pool(layer, index, where)
        elif type(layer) is tf.keras.layers.Flatten:
            if getattr(layer, "data_format", "channels_last") != "channels_last":
                raise UnsupportedModelError(f"{where}: data_format {layer.data_format!r} is not supported (channels_last only)")
            self._flatten(layer, index, "flatten")
        elif type(layer) is tf.keras.layers.Reshape:
            out = _shape(layer.output_shape)
            if len(out) != 1:
                raise UnsupportedModelError(f"{where}: only a Reshape to a vector is supported (target shape {tuple(layer.target_shape)})")
            self._flatten(layer, index, "reshape")
        elif type(layer) is tf.keras.layers.Activation:
            act = _activation_name(layer.activation)
            if act == "linear":
                return  # identity
            if act != "softmax":
                raise UnsupportedModelError(f"{where}: activation '{act}' is not supported (only a final softmax)")
            self.layers.append({"type": "softmax", "name": name})
            self.finished = True
        elif type(layer) is tf.keras.layers.Softmax:
            if layer.axis not in (-1,) and layer.axis != len(layer.input_shape) - 1:
                raise UnsupportedModelError(f"{where}: softmax over axis {layer.axis} is not supported")
            self.layers.append({"type": "softmax", "name": name})
            self.finished = True
        elif type(layer) is tf.keras.layers.Rescaling:
            self._rescaling(layer, where)
        else:
            raise UnsupportedModelError(
                f"{where}: layer type {kind} is not supported (supported: InputLayer, Rescaling (first), QuantDense, "
                "QuantConv2D, BatchNormalization, MaxPooling2D 2x2, Flatten, Reshape to a vector, Activation softmax/linear)"
            )

    def _rescaling(self, layer: Any, where: str) -> None:
        if self.layers or self.seen_weight_layer:
            raise UnsupportedModelError(f"{where}: a Rescaling layer is only supported before the first layer")
        scale, offset = layer.scale, layer.offset
        if np.ndim(scale) or np.ndim(offset):
            raise UnsupportedModelError(f"{where}: only a scalar scale and offset are supported")
        s0, o0 = self.rescale
        # Existing map x*s0 + o0, then y*scale + offset.
        self.rescale = (s0 * float(scale), o0 * float(scale) + float(offset))

    def _quant_layer(self, layer: Any, index: int, where: str) -> None:
        import larq as lq

        is_conv = isinstance(layer, lq.layers.QuantConv2D)
        act = _activation_name(layer.activation)
        if act != "linear":
            raise UnsupportedModelError(f"{where}: activation '{act}' is not supported (use a linear layer followed by BatchNormalization)")
        kernel_q = classify_quantizer(layer.kernel_quantizer, f"{where} kernel_quantizer")
        if kernel_q is None:
            raise UnsupportedModelError(f"{where}: kernel_quantizer None (real-valued weights) is not supported; use ste_sign")
        input_q = classify_quantizer(layer.input_quantizer, f"{where} input_quantizer")
        if input_q is None and self.seen_weight_layer:
            raise UnsupportedModelError(
                f"{where}: input_quantizer None is only supported for the first layer (later layers must read binary inputs)"
            )
        in_shape = _shape(layer.input_shape)
        out_shape = _shape(layer.output_shape)
        # The latent (float) kernel as trained: layer.kernel is a QuantizedVariable whose
        # .latent_variable holds the float values; get_weights() returns those too.
        weights = layer.get_weights()
        kernel = weights[0]
        bias = weights[1] if layer.use_bias else None
        entry: dict[str, Any] = {
            "name": layer.name,
            "input_quantizer": "sign" if input_q else None,
            "input_quantizer_larq": input_q,
            "kernel_quantizer": "sign",
            "kernel_quantizer_larq": kernel_q,
        }
        if is_conv:
            if layer.data_format != "channels_last":
                raise UnsupportedModelError(f"{where}: data_format {layer.data_format!r} is not supported (channels_last only)")
            if tuple(layer.dilation_rate) != (1, 1):
                raise UnsupportedModelError(f"{where}: dilation_rate {tuple(layer.dilation_rate)} is not supported (1, 1 only)")
            if getattr(layer, "groups", 1) != 1:
                raise UnsupportedModelError(f"{where}: groups={layer.groups} is not supported (1 only)")
            if layer.padding not in ("same", "valid"):
                raise UnsupportedModelError(f"{where}: padding {layer.padding!r} is not supported ('same' or 'valid')")
            pad_value = float(np.asarray(lq_get_value(layer.pad_values)))
            if np.ndim(lq_get_value(layer.pad_values)) != 0:
                raise UnsupportedModelError(f"{where}: pad_values must be a scalar")
            if layer.padding == "same" and pad_value not in (0.0, 1.0) and input_q is not None:
                raise UnsupportedModelError(f"{where}: pad_values={pad_value} is not supported for a binary input (0.0 or 1.0)")
            if not math.isfinite(pad_value):
                raise UnsupportedModelError(f"{where}: pad_values={pad_value} is not finite")
            if len(in_shape) != 3:
                raise UnsupportedModelError(f"{where}: input shape {in_shape} is not height x width x channels")
            kh, kw = (int(k) for k in layer.kernel_size)
            entry.update(
                type="conv2d",
                input_shape=in_shape,
                output_shape=out_shape,
                filters=int(layer.filters),
                kernel_size=[kh, kw],
                strides=[int(s) for s in layer.strides],
                padding=layer.padding,
                pad_value=pad_value if layer.padding == "same" else 0.0,
                kernel=self._array(index, "kernel", kernel),
                bias=self._array(index, "bias", bias) if bias is not None else None,
            )
        else:
            if len(in_shape) != 1:
                raise UnsupportedModelError(
                    f"{where}: input shape {in_shape} is not a vector; Dense on a higher-rank input is not supported (Flatten first)"
                )
            entry.update(
                type="dense",
                input_shape=in_shape,
                output_shape=out_shape,
                units=int(layer.units),
                kernel=self._array(index, "kernel", kernel),
                bias=self._array(index, "bias", bias) if bias is not None else None,
            )
        # Order the keys: type first.
        self.layers.append({"type": entry.pop("type"), **entry})
        self.seen_weight_layer = True

    def _batch_norm(self, layer: Any, index: int, where: str) -> None:
        in_shape = _shape(layer.input_shape)
        axis = layer.axis
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        rank = len(in_shape) + 1
        axes = [a % rank for a in axes]
        if axes != [rank - 1]:
            raise UnsupportedModelError(f"{where}: axis {layer.axis} is not supported (the last, channel axis only)")
        if getattr(layer, "renorm", False):
            raise UnsupportedModelError(f"{where}: renorm=True is not supported")
        if getattr(layer, "virtual_batch_size", None):
            raise UnsupportedModelError(f"{where}: virtual_batch_size is not supported")
        if not self.seen_weight_layer:
            raise UnsupportedModelError(f"{where}: a BatchNormalization before the first QuantDense/QuantConv2D is not supported")
        entry: dict[str, Any] = {
            "type": "batch_norm",
            "name": layer.name,
            "input_shape": in_shape,
            "output_shape": in_shape,
            "epsilon": float(layer.epsilon),
            "epsilon_f32": float(np.float32(layer.epsilon)),
            "gamma": self._array(index, "gamma", layer.gamma.numpy()) if layer.scale else None,
            "beta": self._array(index, "beta", layer.beta.numpy()) if layer.center else None,
            "moving_mean": self._array(index, "moving_mean", layer.moving_mean.numpy()),
            "moving_variance": self._array(index, "moving_variance", layer.moving_variance.numpy()),
        }
        if np.any(self.arrays[entry["moving_variance"]] < 0):
            raise ExportError(f"{where}: negative moving variance")
        self.layers.append(entry)

    def _max_pool(self, layer: Any, index: int, where: str) -> None:
        in_shape = _shape(layer.input_shape)
        pool = tuple(int(p) for p in layer.pool_size)
        strides = tuple(int(s) for s in layer.strides)
        if layer.data_format != "channels_last":
            raise UnsupportedModelError(f"{where}: data_format {layer.data_format!r} is not supported (channels_last only)")
        if pool != (2, 2) or strides != (2, 2):
            raise UnsupportedModelError(f"{where}: pool_size {pool} with strides {strides} is not supported (2x2, stride 2 only)")
        if layer.padding == "same" and (in_shape[0] % 2 or in_shape[1] % 2):
            raise UnsupportedModelError(
                f"{where}: padding 'same' on an odd input size {in_shape[:2]} is not supported ('valid', or 'same' on even sizes)"
            )
        if not self.seen_weight_layer:
            raise UnsupportedModelError(f"{where}: max pooling before the first QuantDense/QuantConv2D is not supported")
        self.layers.append(
            {
                "type": "max_pool2d",
                "name": layer.name,
                "input_shape": in_shape,
                "output_shape": _shape(layer.output_shape),
                "pool_size": [2, 2],
                "strides": [2, 2],
            }
        )

    def _flatten(self, layer: Any, index: int, source: str) -> None:
        in_shape = _shape(layer.input_shape)
        out_shape = _shape(layer.output_shape)
        if len(in_shape) == 1:
            return  # a vector stays a vector
        self.layers.append({"type": "flatten", "name": layer.name, "keras_layer": source, "input_shape": in_shape, "output_shape": out_shape})


def lq_get_value(value: Any) -> Any:
    """The Python value of a possibly-tensor layer attribute."""
    import tensorflow as tf

    return tf.keras.backend.get_value(value) if tf.is_tensor(value) else value


def _layer_chain(model: Any) -> list[Any]:
    """The model's layers in execution order, refusing anything that is not a plain chain."""
    import tensorflow as tf

    if isinstance(model, tf.keras.Sequential):
        return list(model.layers)
    layers = list(model.layers)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UnsupportedModelError(f"model '{model.name}': {len(model.inputs)} inputs / {len(model.outputs)} outputs; only one each is supported")
    previous = model.inputs[0]
    chain = []
    for layer in layers:
        if isinstance(layer, tf.keras.layers.InputLayer):
            continue
        nodes = [n for n in layer._inbound_nodes]  # noqa: SLF001 (Keras has no public graph API)
        if len(nodes) != 1:
            raise UnsupportedModelError(f"layer '{layer.name}' is used {len(nodes)} times; only a plain chain of layers is supported")
        inputs = layer.input
        if isinstance(inputs, (list, tuple)) or inputs is not previous:
            raise UnsupportedModelError(
                f"layer '{layer.name}' ({type(layer).__name__}) does not read the previous layer's output; "
                "only a plain chain of layers (no branches, skips or merges) is supported"
            )
        previous = layer.output
        chain.append(layer)
    if previous is not model.outputs[0]:
        raise UnsupportedModelError("the model's output is not the last layer's output; only a plain chain is supported")
    return chain


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def parse_image_shape(text: str) -> tuple[int, int, int]:
    """Parse ``HxWxC`` (or ``HxW`` for one channel)."""
    parts = re.split(r"[x,]", text.strip().lower())
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise ExportError(f"image shape {text!r} is not HxWxC (e.g. 28x28x1)") from None
    if len(dims) == 2:
        dims.append(1)
    if len(dims) != 3 or any(d < 1 for d in dims):
        raise ExportError(f"image shape {text!r} is not HxWxC with positive sizes (e.g. 28x28x1)")
    return dims[0], dims[1], dims[2]


def parse_number(text: str) -> float:
    """Parse a float or a fraction such as ``1/127.5``."""
    text = text.strip()
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            return float(Fraction(num.strip()) / Fraction(den.strip()))
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise ExportError(f"{text!r} is not a number or a fraction like 1/127.5") from None


def build_export(
    model: Any,
    *,
    scale: float,
    offset: float,
    image_shape: Optional[Sequence[int]] = None,
    labels: Optional[Sequence[str]] = None,
    preprocess_text: Optional[str] = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Describe ``model`` as (JSON document, arrays) without writing anything.

    ``scale``/``offset``: the model was fed ``pixel * scale + offset`` (pixels 0...255).
    ``image_shape``: the pixel image (H, W, C); defaults to the model's input shape
    (a vector input of N values becomes 1 x 1 x N).
    """
    import tensorflow as tf
    import larq as lq

    if not isinstance(model, tf.keras.Model):
        raise ExportError(f"expected a tf.keras.Model, got {type(model).__name__} (is TF_USE_LEGACY_KERAS=1 set?)")
    if not (math.isfinite(scale) and math.isfinite(offset)) or scale == 0:
        raise ExportError(f"preprocessing scale {scale} / offset {offset}: scale must be finite and non-zero, offset finite")
    model_input = _shape(model.input_shape)
    if image_shape is None:
        if len(model_input) == 3:
            image_shape = model_input
        elif len(model_input) == 2:
            image_shape = [model_input[0], model_input[1], 1]
        elif len(model_input) == 1:
            image_shape = [1, 1, model_input[0]]
        else:
            raise ExportError(f"model input shape {model_input} is not an image; pass image_shape")
    image_shape = [int(d) for d in image_shape]
    if int(np.prod(image_shape)) != int(np.prod(model_input)):
        raise ExportError(f"image shape {image_shape} has {int(np.prod(image_shape))} values but the model input {model_input} has {int(np.prod(model_input))}")

    exporter = _Exporter()
    for layer in _layer_chain(model):
        exporter.add(layer)
    layers = exporter.layers
    weight_layers = [entry for entry in layers if entry["type"] in ("dense", "conv2d")]
    if not weight_layers:
        raise UnsupportedModelError("the model has no QuantDense or QuantConv2D layer")
    first_index = layers.index(weight_layers[0])
    if layers[first_index]["type"] == "conv2d" and len(model_input) != 3:
        # A conv net's input must be the image itself.
        raise UnsupportedModelError(f"the first QuantConv2D needs a height x width x channels model input, not {model_input}")
    if layers[first_index]["type"] == "conv2d" and list(model_input) != image_shape:
        raise ExportError(f"image shape {image_shape} differs from the conv model's input shape {model_input}")
    last_weight = layers.index(weight_layers[-1])
    if layers[last_weight]["type"] != "dense":
        raise UnsupportedModelError(f"the last weight layer '{layers[last_weight]['name']}' is a convolution; the model must end in a QuantDense")
    for entry in layers[last_weight + 1 :]:
        if entry["type"] not in ("batch_norm", "softmax"):
            raise UnsupportedModelError(
                f"layer '{entry['name']}' ({entry['type']}) follows the last QuantDense; only BatchNormalization and a softmax may"
            )
    classes = int(weight_layers[-1]["units"])
    if labels is None:
        labels = [str(i) for i in range(classes)]
    labels = [str(label) for label in labels]
    if len(labels) != classes:
        raise ExportError(f"{len(labels)} labels for {classes} classes")

    # Compose the declared preprocessing with a leading Rescaling layer.
    rs, ro = exporter.rescale
    total_scale = scale * rs
    total_offset = offset * rs + ro
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "producer": {
            "tool": "tools/larq-export/larq_export.py",
            "tool_version": EXPORTER_VERSION,
            "framework": f"larq {getattr(lq, '__version__', '?')}, tensorflow {tf.__version__}",
            "model_name": model.name,
        },
        "input": {
            "image_shape": image_shape,
            "pixel_type": "uint8",
            "model_input_shape": model_input,
            "scale": total_scale,
            "offset": total_offset,
            "preprocess": preprocess_text,
            "rescaling_in_model": exporter.rescale != (1.0, 0.0),
        },
        "labels": labels,
        "layers": layers,
    }
    return document, exporter.arrays


def write_npz(path: os.PathLike | str, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write the JSON document (key ``model.json``, UTF-8 as ``uint8``) and the arrays
    to ``path`` with ``numpy.savez`` (uncompressed)."""
    text = json.dumps(document, indent=1, sort_keys=False, allow_nan=False)
    payload = {JSON_KEY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    payload.update(arrays)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp-export")
    with open(tmp, "wb") as handle:
        np.savez(handle, **payload)
    os.replace(tmp, path)


def export_model(
    model: Any,
    path: os.PathLike | str,
    *,
    scale: float = 1.0,
    offset: float = 0.0,
    image_shape: Optional[Sequence[int]] = None,
    labels: Optional[Sequence[str]] = None,
    preprocess_text: Optional[str] = None,
) -> dict[str, Any]:
    """Export a live ``tf.keras.Model`` built with Larq to ``path``; return the JSON document.

    Raises :class:`UnsupportedModelError` (by layer/option/quantizer name) or
    :class:`ExportError` (inconsistent arguments, non-finite parameters).
    """
    document, arrays = build_export(
        model, scale=scale, offset=offset, image_shape=image_shape, labels=labels, preprocess_text=preprocess_text
    )
    write_npz(path, document, arrays)
    return document


def load_keras_model(path: os.PathLike | str) -> Any:
    """Load a ``.keras``/``.h5`` file or a SavedModel directory with Larq's custom objects."""
    import tensorflow as tf
    import larq  # noqa: F401  (registers Larq's layers and quantizers as Keras custom objects)

    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: no such file or directory")
    try:
        return tf.keras.models.load_model(str(path), compile=False)
    except Exception as error:  # Keras raises many types (OSError, ValueError, TypeError, ...)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ExportError(f"{path}: cannot be loaded as a Keras model ({first_line})") from error


def read_labels(path: Path) -> list[str]:
    """One label per line (UTF-8); blank trailing lines ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="larq_export.py",
        description="Export a Keras model built with Larq to BinaryNet's .npz import format (docs/IMPORT.md).",
        epilog="Example: TF_USE_LEGACY_KERAS=1 python larq_export.py mlp.h5 --preprocess x/127.5-1 --image-shape 28x28x1 --out mlp.npz",
    )
    parser.add_argument("model", type=Path, help="a .keras or .h5 file, or a SavedModel directory")
    parser.add_argument("--out", "-o", type=Path, required=True, help="the .npz file to write")
    parser.add_argument(
        "--preprocess",
        choices=sorted(PREPROCESS_PRESETS),
        help="how the model's input was computed from 8-bit pixels x (0...255); or give --scale/--offset",
    )
    parser.add_argument("--scale", help="the model saw x * SCALE + OFFSET (a number or a fraction like 1/127.5)")
    parser.add_argument("--offset", help="see --scale (default 0)")
    parser.add_argument("--image-shape", help="the pixel image as HxWxC (default: the model's input shape; needed for a flat input such as 784)")
    parser.add_argument("--labels", type=Path, help="a text file with one class name per line (default: 0, 1, 2, ...)")
    args = parser.parse_args(argv)

    try:
        if args.preprocess and (args.scale or args.offset):
            raise ExportError("give either --preprocess or --scale/--offset, not both")
        if args.preprocess:
            scale, offset = PREPROCESS_PRESETS[args.preprocess]
            text = args.preprocess
        elif args.scale or args.offset:
            scale = parse_number(args.scale) if args.scale else 1.0
            offset = parse_number(args.offset) if args.offset else 0.0
            text = f"x*({args.scale or 1})+({args.offset or 0})"
        else:
            raise ExportError("declare the input preprocessing: --preprocess (e.g. x/255 or x/127.5-1) or --scale/--offset")
        image_shape = parse_image_shape(args.image_shape) if args.image_shape else None
        labels = read_labels(args.labels) if args.labels else None
        model = load_keras_model(args.model)
        document = export_model(
            model, args.out, scale=scale, offset=offset, image_shape=image_shape, labels=labels, preprocess_text=text
        )
    except (UnsupportedModelError, ExportError) as error:
        print(f"larq_export.py: error: {error}", file=sys.stderr)
        return 1
    kinds = ", ".join(entry["type"] for entry in document["layers"])
    print(f"wrote {args.out}: {len(document['layers'])} layers ({kinds}), input {document['input']['image_shape']}, "
          f"scale {document['input']['scale']!r}, offset {document['input']['offset']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
