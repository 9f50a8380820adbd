"""MNIST loading: a local `.npz` or IDX folder, else Keras' own download."""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ENV_VAR = "DIGIT_LENS_MNIST"
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
EXPECTED_ROWS = {"x_train": 60000, "x_test": 10000}
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"  # Keras' own source
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


class DataError(Exception):
    """The data set could not be found or is not valid MNIST; the message says why."""


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 arrays: images (N, 28, 28) with 255 = ink, labels (N,) in 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def split(self, validation_fraction: float = 0.1) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The training set split into (train, validation); the last fraction is held out."""
        return hold_out(self.x_train, self.y_train, validation_fraction, "training digits")

    def subset(self, n_train: int, n_test: int | None = None) -> "Mnist":
        """The first n_train training and n_test test digits (for quick runs and tests)."""
        n_test = len(self.x_test) if n_test is None else n_test
        return Mnist(self.x_train[:n_train], self.y_train[:n_train],
                     self.x_test[:n_test], self.y_test[:n_test], self.source)


def hold_out(images: np.ndarray, labels: np.ndarray, fraction: float,
             noun: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(train, validation): the last `fraction` of the images held out; ValueError when either side is empty."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"the validation split must be at least 0 and below 1 (got {fraction:g}).")
    n_val = int(round(len(images) * fraction))
    cut = len(images) - n_val
    if cut < 1 or (fraction > 0 and n_val < 1):
        raise ValueError(f"a validation split of {fraction:g} of {len(images):,} {noun} "
                         f"leaves {cut:,} to train on and {n_val:,} to validate; each needs at least one.")
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) digits (or (N, H, W, C) pictures) to float32 (N, H, W, C) in 0..1."""
    values = images.astype(np.float32) / 255.0
    return values[..., np.newaxis] if values.ndim == 3 else values


def load_mnist(path: str | os.PathLike | None = None) -> Mnist:
    """MNIST from `path`, else `$DIGIT_LENS_MNIST`, else `keras.datasets.mnist`.

    Raises DataError with a message that says what is wrong and how to fix it.
    """
    chosen = path or os.environ.get(ENV_VAR)
    if chosen:
        return _load_local(Path(chosen))
    return _load_keras()


def local_source() -> Path | None:
    """A local MNIST copy, never the network: `$DIGIT_LENS_MNIST`, else Keras' own cache if it holds one."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen)
    cached = keras_cache_file()
    return cached if cached.is_file() else None


def load_local_mnist() -> Mnist:
    """MNIST from a local copy only (`local_source`); DataError when there is none. Never downloads."""
    source = local_source()
    if source is None:
        raise DataError(f"no local MNIST copy (set {ENV_VAR}, or download it once).")
    return _load_local(source)


def keras_cache_file() -> Path:
    """Where `keras.datasets.mnist` keeps its download (honours $KERAS_HOME)."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return home / "datasets" / "mnist.npz"


def download_mnist(report: Callable[[int, int], None] | None = None) -> Mnist:
    """Download MNIST into Keras' cache (asked for by the user), calling `report(done, total)` in bytes."""
    import hashlib
    import urllib.request

    target = keras_cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with urllib.request.urlopen(MNIST_URL, timeout=20) as response, open(partial, "wb") as out:
            total, done = int(response.headers.get("Content-Length") or 0), 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if report is not None:
                    report(done, total)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise DataError(f"MNIST could not be downloaded: you seem to be offline or the server cannot be reached "
                        f"({reason}). Point {ENV_VAR} at a local copy instead.") from None
    if hashlib.sha256(partial.read_bytes()).hexdigest() != MNIST_SHA256:
        partial.unlink(missing_ok=True)
        raise DataError("the MNIST download was damaged (its checksum does not match); try again.")
    os.replace(partial, target)
    return _load_local(target)


def _load_local(path: Path) -> Mnist:
    if not path.exists():
        raise DataError(f"MNIST data not found at {path}.")
    arrays = _read_idx_folder(path) if path.is_dir() else _read_npz(path)
    return _validated(arrays, str(path))


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in IDX_NAMES if k not in npz.files]
            if missing:
                raise DataError(f"{path} is not an MNIST .npz: missing {', '.join(missing)} "
                                f"(it has {', '.join(npz.files) or 'no arrays'}).")
            return {k: npz[k] for k in IDX_NAMES}
    except DataError:
        raise
    except Exception as exc:  # zipfile, pickle and OS errors all mean "not readable"
        raise DataError(f"{path} could not be read as a .npz file ({exc}).") from exc


def _read_idx_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, stem in IDX_NAMES.items():
        candidates = [folder / stem, folder / f"{stem}.gz"]
        candidates += [folder / stem.replace("-idx", ".idx"), folder / f"{stem.replace('-idx', '.idx')}.gz"]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            raise DataError(f"{folder} has no {stem} (or {stem}.gz); an MNIST folder needs the four IDX files.")
        arrays[key] = _read_idx(found)
    return arrays


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise DataError(f"{path} could not be read ({exc}).") from exc
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(dims)):
        raise DataError(f"{path} is truncated: header says {dims}, found {data.size} bytes.")
    return data.reshape(dims)


def _validated(arrays: dict[str, np.ndarray], source: str) -> Mnist:
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DataError(f"{source}: x_{split} has shape {x.shape}, expected (N, 28, 28).")
        if y.shape != (x.shape[0],):
            raise DataError(f"{source}: y_{split} has shape {y.shape}, expected ({x.shape[0]},) to match x_{split}.")
        if x.dtype != np.uint8:
            raise DataError(f"{source}: x_{split} has dtype {x.dtype}, expected uint8 (0..255).")
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{source}: y_{split} has dtype {y.dtype}, expected integer labels.")
        if y.size and (y.min() < 0 or y.max() > 9):
            raise DataError(f"{source}: y_{split} has labels outside 0..9 (from {y.min()} to {y.max()}).")
        if x.shape[0] == 0:
            raise DataError(f"{source}: x_{split} is empty.")
    return Mnist(arrays["x_train"], arrays["y_train"].astype(np.uint8),
                 arrays["x_test"], arrays["y_test"].astype(np.uint8), source)


def _load_keras() -> Mnist:
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # no network, proxy, corrupt cache
        raise DataError(
            "MNIST could not be downloaded through Keras "
            f"({type(exc).__name__}). Either connect to the internet once so Keras can cache it, "
            f"or point to a local copy with --data PATH or the {ENV_VAR} environment variable "
            "(a Keras-layout .npz or a folder with the four IDX files)."
        ) from exc
    return _validated({"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test},
                      "keras.datasets.mnist")
