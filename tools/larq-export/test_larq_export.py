#!/usr/bin/env python3
"""Tests of the Larq exporter (unittest; needs the environment of requirements.txt).

    TF_USE_LEGACY_KERAS=1 python -m unittest -v test_larq_export   (in tools/larq-export)

* Supported models with every option (strides, 'same'/'valid', pad_values 0 and 1,
  bias, BatchNorm center/scale off, negative gamma, pooling before/after BatchNorm,
  the three sign quantizers, Rescaling, Reshape, functional API) are exported and the
  numpy reference (``npz_reference.py``, both the float and the engine arithmetic)
  reproduces Keras' logits on random images.
* Loading from ``.h5``, ``.keras`` and a SavedModel directory, through the CLI.
* Every unsupported layer, option and quantizer is refused by name.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import larq as lq  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import npz_reference  # noqa: E402
from larq_export import ExportError, UnsupportedModelError, build_export, export_model, main  # noqa: E402

K = tf.keras.layers
RNG = np.random.default_rng(7)


def binary(**extra: Any) -> dict[str, Any]:
    return {"input_quantizer": "ste_sign", "kernel_quantizer": "ste_sign", "kernel_constraint": "weight_clip", "use_bias": False, **extra}


def first(**extra: Any) -> dict[str, Any]:
    return {**binary(**extra), "input_quantizer": None}


def randomize_batch_norms(model: Any, negative: bool = True) -> None:
    """Random moving statistics (and gammas of both signs) so the tests see real folds."""
    for layer in model.layers:
        if isinstance(layer, K.BatchNormalization):
            c = layer.moving_mean.shape[0]
            # Means near the scale of the pre-activations so that signs vary.
            layer.moving_mean.assign(RNG.normal(0, 3, c).astype(np.float32))
            layer.moving_variance.assign(RNG.uniform(1, 20, c).astype(np.float32))
            if layer.scale:
                gamma = RNG.uniform(0.5, 2, c) * (np.where(RNG.random(c) < 0.4, -1, 1) if negative else 1)
                layer.gamma.assign(gamma.astype(np.float32))
            if layer.center:
                layer.beta.assign(RNG.normal(0, 0.5, c).astype(np.float32))


def keras_logits(model: Any, pixels: np.ndarray, scale: float, offset: float) -> np.ndarray:
    x = pixels.astype(np.float32) * np.float32(scale) + np.float32(offset)
    x = x.reshape((len(pixels), *model.input_shape[1:]))
    last = model.layers[-2] if isinstance(model.layers[-1], K.Activation) else model.layers[-1]
    return tf.keras.Model(model.inputs, last.output).predict(x, verbose=0, batch_size=256)


class ExportMatchesKeras(unittest.TestCase):
    """Exported files reproduce Keras through the numpy reference."""

    def check(self, model: Any, scale: float, offset: float, image_shape: tuple[int, int, int] = (12, 12, 1), count: int = 64) -> dict[str, Any]:
        randomize_batch_norms(model)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.npz"
            document = export_model(model, path, scale=scale, offset=offset, image_shape=image_shape)
            doc, arrays = npz_reference.load(path)
        self.assertEqual(doc, json.loads(json.dumps(document)))
        pixels = RNG.integers(0, 256, size=(count, *image_shape), dtype=np.uint8)
        # Some all-black and all-white images: padding and constant inputs at the edges.
        pixels[0] = 0
        pixels[1] = 255
        pixels[2] = 128
        expected = keras_logits(model, pixels, scale, offset)
        ref_float = npz_reference.forward_float(doc, arrays, pixels)
        ref_engine = npz_reference.forward_engine(doc, arrays, pixels)
        np.testing.assert_allclose(ref_float, expected, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(ref_engine, expected, rtol=1e-4, atol=1e-3)
        return document

    def test_mlp_real_input_flat(self) -> None:
        model = tf.keras.Sequential(
            [K.InputLayer((144,)), lq.layers.QuantDense(20, **first()), K.BatchNormalization(),
             lq.layers.QuantDense(20, **binary(use_bias=True)), K.BatchNormalization(center=False),
             lq.layers.QuantDense(5, **binary()), K.BatchNormalization(scale=False), K.Activation("softmax")]
        )
        document = self.check(model, 1 / 127.5, -1.0)
        self.assertEqual(document["input"]["image_shape"], [12, 12, 1])
        self.assertEqual([l["type"] for l in document["layers"]], ["dense", "batch_norm", "dense", "batch_norm", "dense", "batch_norm", "softmax"])
        self.assertIsNone(document["layers"][0]["input_quantizer"])
        self.assertEqual(document["layers"][2]["input_quantizer"], "sign")

    def test_conv_every_option(self) -> None:
        model = tf.keras.Sequential(
            [
                K.InputLayer((12, 12, 1)),
                lq.layers.QuantConv2D(6, 3, padding="same", **first()),  # real input, zero padding
                K.MaxPooling2D(2),  # pool before BN
                K.BatchNormalization(),
                lq.layers.QuantConv2D(7, (3, 2), padding="same", pad_values=1.0, **binary(input_quantizer="approx_sign")),
                K.BatchNormalization(),
                K.MaxPooling2D(2, padding="same"),  # pool after BN, even size
                lq.layers.QuantConv2D(9, 2, strides=2, padding="same", pad_values=0.0, **binary(use_bias=True)),
                K.BatchNormalization(center=False),
                lq.layers.QuantConv2D(5, 3, strides=(1, 2), padding="same", **{**binary(), "input_quantizer": lq.quantizers.SwishSign()}),
                K.BatchNormalization(scale=False),
                K.Reshape((-1,)),
                lq.layers.QuantDense(4, **{**binary(), "kernel_quantizer": lq.quantizers.SteSign(clip_value=1.25)}),
                K.BatchNormalization(),
                K.Activation("softmax"),
            ]
        )
        document = self.check(model, 1 / 255, 0.0)
        conv = [l for l in document["layers"] if l["type"] == "conv2d"]
        self.assertEqual([c["pad_value"] for c in conv], [0.0, 1.0, 0.0, 0.0])
        self.assertEqual(conv[1]["input_quantizer_larq"], "approx_sign")
        self.assertEqual(conv[3]["strides"], [1, 2])

    def test_first_conv_same_on_offset_input(self) -> None:
        # x/127.5 - 1: the model's zero padding is pixel 127.5, not 0.
        model = tf.keras.Sequential(
            [K.InputLayer((9, 11, 2)), lq.layers.QuantConv2D(5, 3, padding="same", **first()), K.BatchNormalization(),
             lq.layers.QuantConv2D(6, 3, padding="valid", **binary()), K.BatchNormalization(), K.Flatten(),
             lq.layers.QuantDense(3, **binary()), K.Activation("softmax")]
        )
        self.check(model, 1 / 127.5, -1.0, image_shape=(9, 11, 2))

    def test_first_conv_pad_one_and_valid_stride(self) -> None:
        model = tf.keras.Sequential(
            [K.InputLayer((12, 12, 1)), lq.layers.QuantConv2D(4, 5, strides=2, padding="same", pad_values=1.0, **first()),
             K.BatchNormalization(), lq.layers.QuantConv2D(4, 2, strides=2, padding="valid", **binary()), K.BatchNormalization(),
             K.Flatten(), lq.layers.QuantDense(3, **binary()), K.BatchNormalization()]
        )
        document = self.check(model, 1 / 127.5, -1.0)
        self.assertEqual(document["layers"][-1]["type"], "batch_norm")

    def test_rescaling_and_functional(self) -> None:
        inputs = tf.keras.Input((12, 12, 1))
        x = K.Rescaling(1 / 127.5, offset=-1.0)(inputs)
        x = lq.layers.QuantConv2D(4, 3, padding="same", **first())(x)
        x = K.BatchNormalization()(x)
        x = K.Flatten()(x)
        x = lq.layers.QuantDense(3, **binary())(x)
        outputs = K.Softmax()(x)
        model = tf.keras.Model(inputs, outputs)
        randomize_batch_norms(model)
        document, _ = build_export(model, scale=1.0, offset=0.0)
        self.assertAlmostEqual(document["input"]["scale"], 1 / 127.5)
        self.assertEqual(document["input"]["offset"], -1.0)
        self.assertTrue(document["input"]["rescaling_in_model"])
        with tempfile.TemporaryDirectory() as tmp:
            export_model(model, Path(tmp) / "m.npz", scale=1.0, offset=0.0)
            doc, arrays = npz_reference.load(Path(tmp) / "m.npz")
        pixels = RNG.integers(0, 256, size=(32, 12, 12, 1), dtype=np.uint8)
        expected = tf.keras.Model(model.inputs, model.layers[-2].output).predict(pixels.astype(np.float32), verbose=0)
        np.testing.assert_allclose(npz_reference.forward_engine(doc, arrays, pixels), expected, rtol=1e-4, atol=1e-3)

    def test_latent_weights_are_exported(self) -> None:
        model = tf.keras.Sequential([K.InputLayer((8,)), lq.layers.QuantDense(3, **first())])
        document, arrays = build_export(model, scale=1.0, offset=0.0)
        kernel = arrays[document["layers"][0]["kernel"]]
        np.testing.assert_array_equal(kernel, model.layers[0].kernel.latent_variable.numpy())
        self.assertFalse(set(np.unique(kernel)) <= {-1.0, 1.0})


class LoadingAndCLI(unittest.TestCase):
    def model(self) -> Any:
        model = tf.keras.Sequential(
            [K.InputLayer((6, 6, 1)), lq.layers.QuantConv2D(3, 3, padding="same", pad_values=1.0, **first()), K.BatchNormalization(),
             K.Flatten(), lq.layers.QuantDense(2, **binary()), K.BatchNormalization(), K.Activation("softmax")]
        )
        randomize_batch_norms(model)
        return model

    def test_h5_keras_savedmodel(self) -> None:
        model = self.model()
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("m.h5", "m.keras", "saved"):
                source = Path(tmp) / name
                model.save(source)
                out = Path(tmp) / f"{name}.npz"
                self.assertEqual(main([str(source), "--preprocess", "x/255", "--out", str(out)]), 0, name)
                doc, arrays = npz_reference.load(out)
                self.assertEqual(doc["input"]["scale"], 1 / 255)
                ref, _ = build_export(model, scale=1 / 255, offset=0.0)
                for key in arrays:
                    self.assertIn(key, [l.get(f) for l in ref["layers"] for f in ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")])

    def test_cli_errors(self) -> None:
        model = self.model()
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "m.h5"
            model.save(source)
            out = str(Path(tmp) / "o.npz")
            self.assertEqual(main([str(source), "--out", out]), 1)  # no preprocessing declared
            self.assertEqual(main([str(source), "--preprocess", "x/255", "--scale", "2", "--out", out]), 1)
            self.assertEqual(main([str(Path(tmp) / "absent.h5"), "--preprocess", "x/255", "--out", out]), 1)
            garbage = Path(tmp) / "garbage.h5"
            garbage.write_bytes(b"not a model")
            self.assertEqual(main([str(garbage), "--preprocess", "x/255", "--out", out]), 1)
            labels = Path(tmp) / "labels.txt"
            labels.write_text("a\nb\nc\n")
            self.assertEqual(main([str(source), "--preprocess", "x/255", "--labels", str(labels), "--out", out]), 1)
            labels.write_text("cat\ndog\n")
            self.assertEqual(main([str(source), "--scale", "1/127.5", "--offset", "-1", "--labels", str(labels), "--out", out]), 0)
            doc, _ = npz_reference.load(out)
            self.assertEqual(doc["labels"], ["cat", "dog"])
            self.assertEqual(doc["input"]["offset"], -1.0)
            self.assertFalse(Path(out + ".tmp-export").exists())

    def test_nan_parameter_refused(self) -> None:
        model = self.model()
        bn = model.layers[1]
        bn.moving_mean.assign(np.array([0, np.nan, 0], dtype=np.float32))
        with self.assertRaisesRegex(ExportError, "moving_mean: 1 non-finite"):
            build_export(model, scale=1.0, offset=0.0)

    def test_image_shape_mismatch(self) -> None:
        with self.assertRaisesRegex(ExportError, "image shape"):
            build_export(self.model(), scale=1.0, offset=0.0, image_shape=(5, 5, 1))


class Refusals(unittest.TestCase):
    """Every unsupported construct is refused with its name in the message."""

    def refuses(self, layers: list[Any], pattern: str, input_shape: tuple[int, ...] = (8, 8, 1)) -> None:
        model = tf.keras.Sequential([K.InputLayer(input_shape), *layers])
        with self.assertRaisesRegex(UnsupportedModelError, pattern):
            build_export(model, scale=1.0, offset=0.0)

    def head(self) -> list[Any]:
        return [lq.layers.QuantConv2D(4, 3, padding="same", **first()), K.BatchNormalization()]

    def tail(self) -> list[Any]:
        return [K.Flatten(), lq.layers.QuantDense(3, **binary())]

    def test_dropout(self) -> None:
        self.refuses([*self.head(), K.Dropout(0.2), *self.tail()], "Dropout")

    def test_plain_keras_layers(self) -> None:
        self.refuses([K.Conv2D(4, 3), *self.tail()], "Conv2D")
        self.refuses([*self.head(), K.Flatten(), K.Dense(3)], "layer type Dense")

    def test_other_larq_layers(self) -> None:
        self.refuses([lq.layers.QuantDepthwiseConv2D(3, depthwise_quantizer="ste_sign"), *self.tail()], "QuantDepthwiseConv2D")
        self.refuses([*self.head(), lq.layers.QuantSeparableConv2D(4, 3), *self.tail()], "QuantSeparableConv2D")

    def test_pooling(self) -> None:
        self.refuses([*self.head(), K.AveragePooling2D(2), *self.tail()], "AveragePooling2D")
        self.refuses([*self.head(), K.MaxPooling2D(3), *self.tail()], r"pool_size \(3, 3\)")
        self.refuses([*self.head(), K.MaxPooling2D(2, strides=1), *self.tail()], "strides")
        self.refuses([lq.layers.QuantConv2D(4, 2, **first()), K.MaxPooling2D(2, padding="same"), *self.tail()], "odd input size")

    def test_activations(self) -> None:
        self.refuses([*self.head(), K.Activation("relu"), *self.tail()], "activation 'relu'")
        self.refuses([lq.layers.QuantConv2D(4, 3, activation="relu", **first()), *self.tail()], "activation 'relu'")
        self.refuses([*self.head(), K.ReLU(), *self.tail()], "ReLU")
        self.refuses([*self.head(), *self.tail(), K.Activation("softmax"), K.Activation("softmax")], "nothing may follow")

    def test_quantizers(self) -> None:
        bad_kernel = {**first(), "kernel_quantizer": "magnitude_aware_sign"}
        self.refuses([lq.layers.QuantConv2D(4, 3, **bad_kernel), *self.tail()], "MagnitudeAwareSign")
        self.refuses([lq.layers.QuantConv2D(4, 3, **{**first(), "kernel_quantizer": "ste_tern"}), *self.tail()], "SteTern")
        self.refuses([lq.layers.QuantConv2D(4, 3, **{**first(), "kernel_quantizer": None}), *self.tail()], "kernel_quantizer None")
        self.refuses([*self.head(), K.Flatten(), lq.layers.QuantDense(3, **{**binary(), "input_quantizer": "ste_heaviside"})], "SteHeaviside")
        self.refuses([*self.head(), K.Flatten(), lq.layers.QuantDense(3, **{**binary(), "input_quantizer": lq.quantizers.DoReFa(k_bit=2)})], "DoReFa")
        self.refuses([*self.head(), K.Flatten(), lq.layers.QuantDense(3, **{**binary(), "input_quantizer": lambda x: tf.sign(x)})], "lambda")
        self.refuses([*self.head(), K.Flatten(), lq.layers.QuantDense(3, **{**binary(), "input_quantizer": None})], "input_quantizer None")

    def test_conv_options(self) -> None:
        self.refuses([lq.layers.QuantConv2D(4, 3, dilation_rate=2, **first()), *self.tail()], "dilation_rate")
        self.refuses([lq.layers.QuantConv2D(4, 3, padding="same", **first()), K.BatchNormalization(),
                      lq.layers.QuantConv2D(4, 3, padding="same", pad_values=0.5, **binary()), *self.tail()], "pad_values=0.5")
        self.refuses([*self.head(), lq.layers.QuantConv2D(4, 3, groups=2, **binary()), *self.tail()], "groups=2")

    def test_structure(self) -> None:
        self.refuses([*self.head(), K.Reshape((4, 64)), K.Flatten(), lq.layers.QuantDense(3, **binary())], "Reshape to a vector")
        self.refuses([*self.head()], "is a convolution")
        self.refuses([K.BatchNormalization(), *self.head(), *self.tail()], "before the first")
        self.refuses([*self.head(), K.BatchNormalization(axis=1), *self.tail()], "axis")
        self.refuses([*self.head(), K.BatchNormalization(renorm=True), *self.tail()], "renorm")
        self.refuses([*self.head(), lq.layers.QuantDense(3, **binary())], "Flatten first")
        inner = tf.keras.Sequential([K.InputLayer((8, 8, 1)), *self.head()])
        self.refuses([inner, *self.tail()], "nested model")

    def test_branches(self) -> None:
        inputs = tf.keras.Input((8, 8, 1))
        a = lq.layers.QuantConv2D(4, 3, padding="same", **first())(inputs)
        b = K.BatchNormalization()(a)
        c = K.Add()([a, b])
        model = tf.keras.Model(inputs, lq.layers.QuantDense(3, **binary())(K.Flatten()(c)))
        with self.assertRaisesRegex(UnsupportedModelError, "plain chain"):
            build_export(model, scale=1.0, offset=0.0)


if __name__ == "__main__":
    unittest.main()
