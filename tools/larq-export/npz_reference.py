#!/usr/bin/env python3
"""Run a BinaryNet import ``.npz`` with numpy alone: the executable form of docs/IMPORT.md.

Two forward passes, both framework-free:

* :func:`forward_float` follows the Keras/Larq definition layer by layer
  (``sign`` with ``sign(0) = +1``, padding with ``pad_value`` after the input is
  quantized, BatchNorm with the moving statistics) in float64.
* :func:`forward_engine` computes what BinaryNet's engine computes: integer
  pre-activations on raw 8-bit pixels and on +1-padded binary inputs, with the
  per-position corrections of IMPORT.md ("Mapping onto the engine") added back, the
  affine input map applied to the integer ``z`` afterwards, and max pooling done on
  the signs (AND/max, or OR/min after a decreasing BatchNorm when the pool comes
  before it). It is the check that the documented mapping is exact: both passes must
  give the same predictions (hidden activations are signs in both).

Usage: ``python npz_reference.py model.npz [--images t10k-images-idx3-ubyte.gz --labels ...]``
prints the accuracy and, with ``--compare scores.npy``, the agreement with Keras.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

JSON_KEY = "model.json"


class FormatError(ValueError):
    """The file does not follow docs/IMPORT.md."""


def load(path: Path | str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read ``(document, arrays)`` and check every array the document names."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FormatError(f"{path}: not a readable npz ({error})") from None
    if JSON_KEY not in arrays:
        raise FormatError(f"{path}: no '{JSON_KEY}' entry")
    raw = arrays.pop(JSON_KEY)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise FormatError(f"{path}: '{JSON_KEY}' is {raw.dtype} {raw.shape}, expected a uint8 vector")
    try:
        document = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"{path}: '{JSON_KEY}' is not UTF-8 JSON ({error})") from None
    if not isinstance(document, dict):
        raise FormatError(f"{path}: '{JSON_KEY}' is not a JSON object")
    if document.get("format") != "binarynet-import":
        raise FormatError(f"{path}: format {document.get('format')!r} is not 'binarynet-import'")
    if document.get("version") != 1:
        raise FormatError(f"{path}: version {document.get('version')!r} is not supported (1)")
    try:
        check_structure(document)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, FormatError):
            raise
        raise FormatError(f"{path}: malformed document ({type(error).__name__}: {error})") from None
    for index, layer in enumerate(document["layers"]):
        for field, shape in _expected_arrays(layer).items():
            key = layer.get(field)
            if key is None:
                if field in ("bias", "gamma", "beta"):
                    continue
                raise FormatError(f"layer {index} ({layer['type']}): '{field}' missing")
            if key not in arrays:
                raise FormatError(f"layer {index} ({layer['type']}): array '{key}' missing")
            array = arrays[key]
            if array.dtype != np.dtype("<f4"):
                raise FormatError(f"array '{key}': dtype {array.dtype}, expected float32")
            if tuple(array.shape) != shape:
                raise FormatError(f"array '{key}': shape {array.shape}, expected {shape}")
            if not np.all(np.isfinite(array)):
                raise FormatError(f"array '{key}': not finite")
    return document, arrays


LAYER_TYPES = ("dense", "conv2d", "batch_norm", "max_pool2d", "flatten", "softmax")


def check_structure(document: dict[str, Any]) -> None:
    """The document-level rules of IMPORT.md: known types and quantizers, shapes that
    chain, a dense last weight layer with one unit per label."""
    layers = document.get("layers")
    if not isinstance(layers, list) or not layers:
        raise FormatError("'layers' is missing or empty")
    shape = list(document["input"]["model_input_shape"])
    if int(np.prod(shape)) != int(np.prod(document["input"]["image_shape"])):
        raise FormatError("model_input_shape and image_shape differ in size")
    weight_layers = 0
    for index, layer in enumerate(layers):
        kind = layer.get("type")
        if kind not in LAYER_TYPES:
            raise FormatError(f"layer {index}: unknown layer type {kind!r}")
        if kind == "softmax":
            if index != len(layers) - 1:
                raise FormatError(f"layer {index}: softmax is not the last layer")
            continue
        if list(layer["input_shape"]) != shape:
            raise FormatError(f"layer {index} ({kind}): input shape {layer['input_shape']} but the previous output is {shape}")
        if kind in ("dense", "conv2d"):
            if layer.get("kernel_quantizer") != "sign":
                raise FormatError(f"layer {index} ({kind}): kernel_quantizer {layer.get('kernel_quantizer')!r} (only 'sign')")
            if layer.get("input_quantizer") not in (None, "sign") or (weight_layers and layer.get("input_quantizer") != "sign"):
                raise FormatError(f"layer {index} ({kind}): input_quantizer {layer.get('input_quantizer')!r} not allowed here")
            if kind == "conv2d" and (layer["padding"] not in ("same", "valid") or not np.isfinite(layer["pad_value"])):
                raise FormatError(f"layer {index}: padding {layer['padding']!r} / pad_value {layer['pad_value']!r}")
            weight_layers += 1
        shape = list(layer["output_shape"])
    last = [layer for layer in layers if layer["type"] in ("dense", "conv2d")]
    if not last or last[-1]["type"] != "dense" or last[-1]["units"] != len(document["labels"]):
        raise FormatError("the last weight layer must be a dense layer with one unit per label")


def _expected_arrays(layer: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    kind = layer["type"]
    if kind == "dense":
        return {"kernel": (layer["input_shape"][0], layer["units"]), "bias": (layer["units"],)}
    if kind == "conv2d":
        kh, kw = layer["kernel_size"]
        return {"kernel": (kh, kw, layer["input_shape"][2], layer["filters"]), "bias": (layer["filters"],)}
    if kind == "batch_norm":
        c = (layer["input_shape"][-1],)
        return {"gamma": c, "beta": c, "moving_mean": c, "moving_variance": c}
    return {}


def sign(x: np.ndarray) -> np.ndarray:
    """Larq's sign: -1 for x < 0, +1 for x >= 0 (also for -0.0)."""
    return np.where(x < 0, -1.0, 1.0)


def same_padding(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding before/after one axis."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(x: np.ndarray, kernel: np.ndarray, strides: Sequence[int], padding: str, pad_value: float) -> np.ndarray:
    """NHWC convolution (cross-correlation) of ``x`` with an HWIO ``kernel``."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    sh, sw = strides
    if padding == "same":
        (pt, pb), (pl, pr) = same_padding(h, kh, sh), same_padding(w, kw, sw)
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=pad_value)
    oh = (x.shape[1] - kh) // sh + 1
    ow = (x.shape[2] - kw) // sw + 1
    out = np.zeros((n, oh, ow, f), dtype=np.float64)
    for dy in range(kh):
        for dx in range(kw):
            patch = x[:, dy : dy + sh * (oh - 1) + 1 : sh, dx : dx + sw * (ow - 1) + 1 : sw, :]
            out += patch @ kernel[dy, dx].astype(np.float64)
    return out


def max_pool(x: np.ndarray) -> np.ndarray:
    """2x2 max pooling, stride 2 ('valid': an odd last row/column is dropped)."""
    n, h, w, c = x.shape
    x = x[:, : h // 2 * 2, : w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c)
    return x.max(axis=(2, 4))


def batch_norm(x: np.ndarray, layer: dict[str, Any], arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Inference BatchNorm: gamma * (x - mean) / sqrt(var + eps) + beta."""
    c = layer["input_shape"][-1]
    gamma = arrays[layer["gamma"]].astype(np.float64) if layer["gamma"] else np.ones(c)
    beta = arrays[layer["beta"]].astype(np.float64) if layer["beta"] else np.zeros(c)
    mean = arrays[layer["moving_mean"]].astype(np.float64)
    var = arrays[layer["moving_variance"]].astype(np.float64)
    return gamma * (x - mean) / np.sqrt(var + np.float32(layer["epsilon"]).astype(np.float64)) + beta


def model_input(document: dict[str, Any], pixels: np.ndarray) -> np.ndarray:
    """Pixels (uint8, N x H x W [x C]) -> the normalised model input (float64)."""
    inp = document["input"]
    x = pixels.reshape(pixels.shape[0], -1).astype(np.float64) * inp["scale"] + inp["offset"]
    return x.reshape((pixels.shape[0], *inp["model_input_shape"]))


def forward_float(document: dict[str, Any], arrays: dict[str, np.ndarray], pixels: np.ndarray, softmax: bool = False) -> np.ndarray:
    """Keras/Larq semantics in float64; returns logits (or softmax outputs)."""
    x = model_input(document, pixels)
    for layer in document["layers"]:
        kind = layer["type"]
        if kind in ("dense", "conv2d"):
            if layer["input_quantizer"] == "sign":
                x = sign(x)
            w = sign(arrays[layer["kernel"]])
            if kind == "dense":
                x = x.reshape(x.shape[0], -1) @ w
            else:
                x = x.reshape((x.shape[0], *layer["input_shape"]))
                x = conv2d(x, w, layer["strides"], layer["padding"], layer["pad_value"])
            if layer["bias"]:
                x = x + arrays[layer["bias"]].astype(np.float64)
        elif kind == "batch_norm":
            x = batch_norm(x, layer, arrays)
        elif kind == "max_pool2d":
            x = max_pool(x)
        elif kind == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif kind == "softmax":
            if softmax:
                e = np.exp(x - x.max(axis=1, keepdims=True))
                x = e / e.sum(axis=1, keepdims=True)
        else:
            raise FormatError(f"unknown layer type {kind!r}")
    return x


# ---- the engine's view ---------------------------------------------------------------


def padding_correction(layer: dict[str, Any], w: np.ndarray, pad_contribution: float) -> Optional[np.ndarray]:
    """``corr[oy, ox, f] = pad_contribution * (sum of w over the window taps that fall on
    padding at output position (oy, ox))``; None when no tap falls on padding."""
    if layer["padding"] != "same":
        return None
    h, wd, _ = layer["input_shape"]
    kh, kw, _, f = w.shape
    sh, sw = layer["strides"]
    (pt, pb), (pl, pr) = same_padding(h, kh, sh), same_padding(wd, kw, sw)
    if pt + pb + pl + pr == 0:
        return None
    # 1 where the padded input is padding, 0 inside the image.
    mask = np.ones((1, h + pt + pb, wd + pl + pr, 1))
    mask[:, pt : pt + h, pl : pl + wd, :] = 0.0
    # Sum of the weights over padded taps = conv of the padding mask, per input channel.
    padded_taps = conv2d(np.repeat(mask, w.shape[2], axis=3), w, layer["strides"], "valid", 0.0)[0]
    return pad_contribution * padded_taps


def forward_engine(document: dict[str, Any], arrays: dict[str, np.ndarray], pixels: np.ndarray) -> np.ndarray:
    """The engine's arithmetic: integer ``z`` (pixels 0...255, binary padding +1) plus the
    documented corrections, then the affine input map; returns logits."""
    inp = document["input"]
    scale, offset = inp["scale"], inp["offset"]
    x: np.ndarray = pixels.reshape((pixels.shape[0], *inp["model_input_shape"])).astype(np.float64)
    first = True
    pending_pool = False  # a max_pool2d between a weight layer and its batch_norm
    after_batch_norm = False
    for layer in document["layers"]:
        kind = layer["type"]
        if kind in ("dense", "conv2d"):
            if pending_pool:  # weight -> pool -> (no batch_norm) -> sign: an increasing map
                x, pending_pool = max_pool(sign(x)), False
            w = sign(arrays[layer["kernel"]])
            if first and layer["input_quantizer"] is None:
                # z on raw pixels; the model saw x*scale + offset:
                # pre = scale * z + offset * (sum of w over the taps inside the image)
                # [+ pad_value * sum of w over padded taps]
                if kind == "dense":
                    z = x.reshape(x.shape[0], -1) @ w
                    pre = scale * z + offset * w.sum(axis=0)
                else:
                    xi = x.reshape((x.shape[0], *layer["input_shape"]))
                    z = conv2d(xi, w, layer["strides"], layer["padding"], 0.0)  # engine pads pixel 0
                    inside = w.sum(axis=(0, 1, 2))
                    pre = scale * z + offset * inside
                    corr_inside = padding_correction(layer, w, 1.0)  # sum of w over padded taps
                    if corr_inside is not None:
                        # the taps on padding were not inside the image: remove their offset
                        # and add the padding value the model saw there.
                        pre = pre - offset * corr_inside + layer["pad_value"] * corr_inside
            else:
                if first:  # sign-quantized first layer: the input bit is sign(x*scale + offset)
                    x = sign(x * scale + offset)
                else:
                    x = sign(x)
                if kind == "dense":
                    pre = x.reshape(x.shape[0], -1) @ w
                else:
                    xi = x.reshape((x.shape[0], *layer["input_shape"]))
                    z = conv2d(xi, w, layer["strides"], layer["padding"], 1.0)  # engine pads +1
                    corr = padding_correction(layer, w, 1.0)
                    # Model padded with pad_value p: pre = z - sum_pad(w) * (1 - p)
                    pre = z if corr is None else z - (1.0 - layer["pad_value"]) * corr
            if layer["bias"]:
                pre = pre + arrays[layer["bias"]].astype(np.float64)
            x = pre
            first = False
            after_batch_norm = False
        elif kind == "batch_norm":
            x = batch_norm(x, layer, arrays)
            after_batch_norm = True
            if pending_pool:
                # weight -> pool -> BN -> sign: pool the signs, AND (max) where the BN is
                # increasing, OR (min) where it is decreasing (OR mask = flip bits).
                gamma = arrays[layer["gamma"]] if layer["gamma"] else np.ones(x.shape[-1], np.float32)
                bits = sign(x)
                x = np.where(gamma < 0, -max_pool(-bits), max_pool(bits))
                pending_pool = False
        elif kind == "max_pool2d":
            if after_batch_norm:
                x = max_pool(sign(x))  # BN -> pool -> sign: always the max (OR mask 0)
            else:
                pending_pool = True  # decided at the batch_norm that follows
        elif kind == "flatten":
            x = x.reshape(x.shape[0], -1)
    return x


def main(argv: Optional[Sequence[str]] = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from mnist_idx import MNIST_DIR, read_idx

    parser = argparse.ArgumentParser(description="Run an import .npz with numpy (docs/IMPORT.md) and report accuracy/agreement.")
    parser.add_argument("npz", type=Path)
    parser.add_argument("--images", type=Path, default=MNIST_DIR / "t10k-images-idx3-ubyte.gz")
    parser.add_argument("--labels", type=Path, default=MNIST_DIR / "t10k-labels-idx1-ubyte.gz")
    parser.add_argument("--count", type=int, default=10000, help="first N images (default 10000)")
    parser.add_argument("--compare", type=Path, help="Keras logits (.npy, N x classes) to compare with")
    args = parser.parse_args(argv)
    try:
        document, arrays = load(args.npz)
    except FormatError as error:
        print(f"npz_reference.py: error: {error}", file=sys.stderr)
        return 1
    images = read_idx(args.images)[: args.count]
    labels = read_idx(args.labels)[: args.count]
    chunks_f, chunks_e = [], []
    for start in range(0, len(images), 500):
        chunk = images[start : start + 500]
        chunks_f.append(forward_float(document, arrays, chunk))
        chunks_e.append(forward_engine(document, arrays, chunk))
    lf, le = np.concatenate(chunks_f), np.concatenate(chunks_e)
    pf, pe = lf.argmax(1), le.argmax(1)
    print(f"float reference: accuracy {np.mean(pf == labels):.4f}")
    print(f"engine arithmetic: accuracy {np.mean(pe == labels):.4f}, same predictions as float: {np.sum(pf == pe)}/{len(pf)}, "
          f"max |logit difference| {np.max(np.abs(lf - le)):.3g}")
    if args.compare:
        keras = np.load(args.compare)[: args.count]
        pk = keras.argmax(1)
        print(f"Keras: accuracy {np.mean(pk == labels):.4f}; float reference agrees on {np.sum(pk == pf)}/{len(pk)}, "
              f"engine arithmetic on {np.sum(pk == pe)}/{len(pk)}; max |logit - Keras| {np.max(np.abs(lf - keras)):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
