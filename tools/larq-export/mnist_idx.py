"""Read the MNIST IDX files bundled with BinaryNet (``datasets/mnist/*.gz``).

Plain Python (gzip + numpy); no download. Used by ``train_reference.py`` and
``make_fixtures.py``.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

#: The repository root (this file lives in ``tools/larq-export/``).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Where the bundled MNIST files are.
MNIST_DIR = REPO_ROOT / "datasets" / "mnist"

_IDX_TYPES = {0x08: np.uint8}


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (gzip'd or plain) into a numpy array of its declared shape.

    Raises ``ValueError`` for a file that is not an unsigned-byte IDX file or whose
    size does not match its header.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file")
    type_code, rank = raw[2], raw[3]
    if type_code not in _IDX_TYPES:
        raise ValueError(f"{path}: IDX element type 0x{type_code:02x} is not unsigned byte")
    header = 4 + 4 * rank
    dims = struct.unpack(">" + "I" * rank, raw[4:header])
    count = int(np.prod(dims))
    if len(raw) != header + count:
        raise ValueError(f"{path}: {len(raw) - header} data bytes, header says {count}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_mnist(split: str, directory: Path = MNIST_DIR) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)`` of ``split`` ("train" or "test").

    Images are ``uint8 [N, 28, 28]``, labels ``uint8 [N]``.
    """
    prefix = {"train": "train", "test": "t10k"}[split]
    images = read_idx(directory / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST {split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels
