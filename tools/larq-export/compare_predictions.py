#!/usr/bin/env python3
"""Compare bnn-run's predictions with Keras' (the 10,000-image acceptance check of docs/IMPORT.md).

Usage:
    python compare_predictions.py ENGINE.txt NAME.keras_predictions.npy [--logits NAME.keras_logits.npy]

``ENGINE.txt`` is ``bnn-run eval MODEL.bnn ... --predictions ENGINE.txt`` (one class per
line). Prints ``N of M identical``; for each difference, the image index, both classes
and, with ``--logits``, Keras' logits of the two classes and their margin (a margin of
a few float32 ulps means a float tie, not a folding error). Exit status 0 when all agree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("engine", type=Path, help="bnn-run eval --predictions output")
    parser.add_argument("keras", type=Path, help="Keras predictions (.npy, int)")
    parser.add_argument("--logits", type=Path, help="Keras logits (.npy, N x classes)")
    args = parser.parse_args()
    engine = np.array([int(line) for line in args.engine.read_text().split()], dtype=np.int64)
    keras = np.load(args.keras).astype(np.int64).reshape(-1)
    if len(engine) != len(keras):
        print(f"error: {len(engine)} engine predictions, {len(keras)} Keras predictions", file=sys.stderr)
        return 2
    same = engine == keras
    print(f"{int(same.sum())} of {len(keras)} identical")
    logits = np.load(args.logits) if args.logits else None
    for index in np.flatnonzero(~same):
        line = f"image {index}: Keras {keras[index]}, engine {engine[index]}"
        if logits is not None:
            k, e = logits[index, keras[index]], logits[index, engine[index]]
            ulp = float(np.spacing(np.float32(max(abs(k), abs(e)))))
            line += f"; Keras logits {k!r} vs {e!r}, margin {float(k) - float(e):.3g} ({(float(k) - float(e)) / ulp:.1f} ulp)"
        print(line)
    return 0 if same.all() else 1


if __name__ == "__main__":
    sys.exit(main())
