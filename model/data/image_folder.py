"""A folder of the user's own images, one subfolder per class, as training data.

Class names are the subfolder names in sorted order and every picture is resized exactly as
`keras.utils.image_dataset_from_directory` (and the window's photo preprocessing) does it: bilinear, no
anti-aliasing, no crop. Pictures are read with Pillow (`model.data.images.load_image`), so any format it reads
works, and a file that cannot be read is skipped and named instead of ending the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.data.mnist import hold_out
from model.data.images import IMAGE_SUFFIXES

DEFAULT_SIDE = 64
SKIPPED_NAMED = 3  # skipped files named in the one-line report; the rest counted


class FolderError(Exception):
    """The folder cannot be trained on; the message says why in one sentence."""


@dataclass(frozen=True)
class ImageFolder:
    """A folder's pictures as uint8 (N, H, W, C) arrays (shuffled once), their labels and the class names.

    Shaped like `model.data.mnist.Mnist` for `model.training.train`: `split` holds out the last fraction, and
    `x_test`/`y_test` are that held-out part (the folder has no separate test set)."""

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    skipped: tuple[str, ...]
    source: str
    validation_split: float = 0.1

    @property
    def x_train(self) -> np.ndarray:
        return self.images

    @property
    def y_train(self) -> np.ndarray:
        return self.labels

    @property
    def x_test(self) -> np.ndarray:
        return self.split(self.validation_split)[1][0]

    @property
    def y_test(self) -> np.ndarray:
        return self.split(self.validation_split)[1][1]

    def split(self, fraction: float) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(train, validation): the last `fraction` of the (shuffled) pictures held out."""
        return hold_out(self.images, self.labels, fraction, "images")

    def skipped_note(self) -> str:
        """'3 files skipped (not readable as images): a.jpg, b.png, c.gif'; '' when none were."""
        if not self.skipped:
            return ""
        names = ", ".join(self.skipped[:SKIPPED_NAMED]) + (", ..." if len(self.skipped) > SKIPPED_NAMED else "")
        count = len(self.skipped)
        return f"{count} file{'s' if count > 1 else ''} skipped (not readable as images): {names}"


def class_folders(folder: str | os.PathLike) -> tuple[Path, list[Path]]:
    """The folder and its class subfolders (sorted by name); FolderError when there are fewer than two."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise FolderError(f"{root} is not a folder: choose a folder with one subfolder of images per class.")
    classes = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if not classes:
        raise FolderError(f"{root} has no subfolders: put each class's images in a subfolder named after the class "
                          f"({root.name}/cats/..., {root.name}/dogs/...).")
    if len(classes) == 1:
        raise FolderError(f"{root} has one class folder ({classes[0].name}); a classifier needs at least two, "
                          "one subfolder of images per class.")
    return root, classes


def load_image_folder(folder: str | os.PathLike, size: int = DEFAULT_SIDE, channels: int = 3,
                      validation_split: float = 0.1, seed: int = 0) -> ImageFolder:
    """Every image under `folder`'s class subfolders at size x size with `channels` (1 grey, 3 colour)."""
    root, classes = class_folders(folder)
    images, labels, skipped, empty = [], [], [], []
    for label, class_folder in enumerate(classes):
        files = sorted(p for p in class_folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        read = 0
        for path in files:
            picture = _read(path, size, channels)
            if picture is None:
                skipped.append(str(path.relative_to(root)))
                continue
            images.append(picture)
            labels.append(label)
            read += 1
        if not read:
            empty.append(class_folder.name)
    if empty:
        raise FolderError(f"no readable images in {', '.join(empty)} (in {root}); every class folder needs at least one "
                          f"{'/'.join(s.lstrip('.') for s in IMAGE_SUFFIXES[:4])} image.")
    order = np.random.default_rng(seed).permutation(len(images))
    return ImageFolder(np.stack(images)[order], np.asarray(labels, np.int64)[order],
                       tuple(p.name for p in classes), tuple(skipped), str(root), validation_split)


def _read(path: Path, size: int, channels: int) -> np.ndarray | None:
    """The picture at `path` resized to (size, size, channels) uint8, or None when it cannot be read."""
    import tensorflow as tf

    from model.data.images import ImageFileError, load_image
    from model.inspect.photo import as_pixels

    try:
        pixels = as_pixels(load_image(path), channels)
    except (ImageFileError, OSError, ValueError):
        return None
    resized = tf.image.resize(pixels, (size, size), method="bilinear", antialias=False).numpy()
    return np.clip(np.round(resized), 0, 255).astype(np.uint8)
