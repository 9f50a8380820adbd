"""Loading and saving model files: clear errors in, atomic writes out."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from digit_lens.files import RESOURCES, SHIPPED_MODEL  # noqa: F401 (re-exported: where the model lives)

if TYPE_CHECKING:  # Keras is imported by the functions that need it: reading metadata needs no TensorFlow
    import keras

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")  # what opens; saving writes .keras or .h5, in any case
SAVE_SUFFIXES = (".keras", ".h5")
INFO_ENTRY = "digit_lens.json"  # our own entry in a .keras zip (Keras ignores it): e.g. {"test_accuracy": 0.99}


class ModelFileError(Exception):
    """The file is not a model Digit Lens can use; the message says why."""


def load_model(path: str | os.PathLike | None = None) -> keras.Model:
    """The Keras model at `path` (the shipped model when None), ready for inference. A file that is plainly not a
    model is refused before Keras is imported."""
    path = Path(path) if path is not None else SHIPPED_MODEL
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file.")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelFileError(f"{path.name}: not a Keras model file (expected .keras or .h5).")
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path.name}: could not be loaded as a Keras model (a .keras file is a zip archive and "
                             "this one is not: it is damaged, or another kind of file renamed).")
    import keras

    try:
        model = _load_any_case(path)
    except Exception as exc:  # Keras raises many types for a bad file
        detail = str(exc).strip() or type(exc).__name__
        raise ModelFileError(f"{path.name}: could not be loaded as a Keras model ({detail}).") from None
    if not isinstance(model, keras.Model):
        raise ModelFileError(f"{path.name}: holds a {type(model).__name__}, not a model.")
    return model


def _load_any_case(path: Path) -> keras.Model:
    """Keras reads only lower-case suffixes: a MODEL.KERAS is read through a lower-case link to it."""
    import keras

    if path.suffix == path.suffix.lower():
        return keras.models.load_model(path, compile=False)
    with tempfile.TemporaryDirectory() as folder:
        alias = Path(folder) / f"model{path.suffix.lower()}"
        alias.symlink_to(path.resolve())
        return keras.models.load_model(alias, compile=False)


def check_save_path(path: str | os.PathLike) -> Path:
    """`path` if a model can be written there (a .keras or .h5 name in a writable folder); else ModelFileError."""
    path = Path(path)
    if path.is_dir() or str(path).endswith(os.sep) or not path.name:
        raise ModelFileError(f"{path} is a folder; give a file name such as {Path(path) / 'model.keras'}.")
    if path.suffix.lower() not in SAVE_SUFFIXES:
        raise ModelFileError(f"{path.name}: models are saved as .keras (or .h5).")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelFileError(f"cannot create the folder {path.parent} ({exc.strerror}).") from None
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ModelFileError(f"cannot write {path} (permission denied).")
    return path


def save_model_atomic(model: keras.Model, path: str | os.PathLike, info: dict | None = None) -> Path:
    """Write `model` (and `info`, in a .keras file) to `path` via a temporary file in the same folder, then
    rename over it: an existing file is replaced only by a complete one. The file gets the usual permissions."""
    path = check_save_path(path)
    suffix = path.suffix.lower()  # Keras insists on lower case; the final name keeps the user's
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        if info and suffix == ".keras":
            with zipfile.ZipFile(tmp, "a") as archive:
                archive.writestr(INFO_ENTRY, json.dumps(info))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_info(path: str | os.PathLike | None) -> dict:
    """What Digit Lens stored beside the model in its .keras file ({} when nothing, or not a .keras zip)."""
    path = Path(path) if path is not None else SHIPPED_MODEL
    try:
        with zipfile.ZipFile(path) as archive:
            info = json.loads(archive.read(INFO_ENTRY))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}
    return info if isinstance(info, dict) else {}
