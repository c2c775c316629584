#!/usr/bin/env python3
"""Checks of Tests/Fixtures/larq/ with numpy alone (no TensorFlow needed).

    python -m unittest -v test_fixtures        (in tools/larq-export)

Every good fixture, run by ``npz_reference`` (float definition and engine
arithmetic), gives Keras' predicted labels on all 300 images and logits within
float32 rounding; every ``bad_*.npz`` is refused by ``npz_reference.load``.
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import npz_reference  # noqa: E402
from mnist_idx import REPO_ROOT, load_mnist  # noqa: E402

FIXTURES = REPO_ROOT / "Tests" / "Fixtures" / "larq"
GOOD = ("mlp_tiny", "conv_tiny", "sign_conv_tiny", "sign_mlp_tiny", "conv_negbn")


class Fixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.images, cls.labels = load_mnist("test")

    def test_good_fixtures_reproduce_keras(self) -> None:
        for name in GOOD:
            with self.subTest(name):
                document, arrays = npz_reference.load(FIXTURES / f"{name}.npz")
                expected = np.load(FIXTURES / f"{name}.expected.npz")
                count = len(expected["predicted"])
                self.assertEqual(count, 300)
                np.testing.assert_array_equal(expected["labels"], self.labels[:count])
                np.testing.assert_array_equal(expected["predicted"], expected["logits"].argmax(1))
                for forward in (npz_reference.forward_float, npz_reference.forward_engine):
                    logits = forward(document, arrays, self.images[:count])
                    np.testing.assert_array_equal(logits.argmax(1), expected["predicted"])
                    np.testing.assert_allclose(logits, expected["logits"], rtol=1e-5, atol=1e-5)

    def test_deflated_copy(self) -> None:
        plain = npz_reference.load(FIXTURES / "conv_negbn.npz")
        deflated = npz_reference.load(FIXTURES / "conv_negbn_deflated.npz")
        self.assertEqual(plain[0], deflated[0])
        self.assertEqual(sorted(plain[1]), sorted(deflated[1]))
        for key, array in plain[1].items():
            np.testing.assert_array_equal(array, deflated[1][key])

    def test_bad_fixtures_are_refused(self) -> None:
        bad = sorted(FIXTURES.glob("bad_*.npz"))
        self.assertGreaterEqual(len(bad), 9)
        for path in bad:
            with self.subTest(path.name):
                with self.assertRaises(npz_reference.FormatError):
                    npz_reference.load(path)

    def test_fixture_sizes(self) -> None:
        total = sum(p.stat().st_size for p in FIXTURES.iterdir())
        self.assertLess(total, 1_000_000)
        for path in FIXTURES.iterdir():
            self.assertLess(path.stat().st_size, 200_000, path.name)


if __name__ == "__main__":
    unittest.main()
