"""Loading and saving model files: clear errors in, atomic writes out."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import keras

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SHIPPED_MODEL = RESOURCES / "digit_lens.keras"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


class ModelFileError(Exception):
    """The file is not a model Digit Lens can use; the message says why."""


def load_model(path: str | os.PathLike | None = None) -> keras.Model:
    """The Keras model at `path` (the shipped model when None), ready for inference."""
    path = Path(path) if path is not None else SHIPPED_MODEL
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file.")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelFileError(f"{path.name}: not a Keras model file (expected .keras or .h5).")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(f"{path.name}: could not be loaded as a Keras model ({detail}).") from None
    if not isinstance(model, keras.Model):
        raise ModelFileError(f"{path.name}: holds a {type(model).__name__}, not a model.")
    return model


def save_model_atomic(model: keras.Model, path: str | os.PathLike) -> Path:
    """Write `model` to `path` via a temporary file in the same folder, then rename over it."""
    path = Path(path)
    if path.suffix.lower() not in (".keras", ".h5"):
        raise ModelFileError(f"{path.name}: save as .keras (or .h5).")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
