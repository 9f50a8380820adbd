"""A folder of the user's own images, one subfolder per class, as a streaming `tf.data` pipeline.

Class names are the subfolder names in sorted order. Listing the folder reads no picture: the files are decoded
in a parallel `tf.data` map by TensorFlow's decoders and resized exactly as `keras.utils.image_dataset_from_directory`
does it (bilinear, no anti-aliasing, no crop), then kept as uint8. A file the decoders refuse is dropped inside
that map; once the rest are read, Pillow tries those few (CMYK JPEGs, TIFFs), and what it cannot read either is
counted, named and skipped. The decoded pictures are cached in memory within `cache_budget_bytes()` and in a
temporary folder on disk beyond it, so only the first epoch decodes; training starts with the first batch read.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from model.data.images import IMAGE_SUFFIXES
from model.data.tf_pipeline import PARALLEL_CALLS, PREFETCH, untuned

DEFAULT_SIDE = 64
SKIPPED_NAMED = 3  # skipped files named in the one-line report; the rest counted
CACHE_ENV = "DIGIT_LENS_FOLDER_CACHE_MB"  # decoded pictures kept in memory up to this many MB, the rest on disk
DEFAULT_CACHE_MB = 2048
SHUFFLE_WINDOW = 1024  # pictures shuffled together in each epoch (at least 8 batches)
BLOCK = 64  # pictures read, noted and cached together


class FolderError(Exception):
    """The folder cannot be trained on; the message says why in one sentence."""


def cache_budget_bytes() -> int:
    """How many bytes of decoded pictures a run keeps in memory ($DIGIT_LENS_FOLDER_CACHE_MB, default 2 GB)."""
    try:
        return max(0, int(float(os.environ.get(CACHE_ENV, DEFAULT_CACHE_MB)) * 2**20))
    except ValueError:
        return DEFAULT_CACHE_MB * 2**20


class ReadProgress:
    """How far the first pass over the files has come; updated from tf.data's threads, read from any thread."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._lock = threading.Lock()
        self._seen: set[int] = set()
        self._skipped: dict[int, str] = {}
        self._started = 0.0
        self._last = 0.0
        self.decodes = 0  # files decoded in all: the folder's size once the cache holds every picture

    def record(self, indices: Iterable[int], skipped_name: str | None = None) -> None:
        """Files `indices` have been read (one file, `skipped_name`, when it could not be)."""
        now = time.perf_counter()
        with self._lock:
            if not self._seen:
                self._started = now
            for index in indices:
                self._seen.add(index)
                self.decodes += 1
                if skipped_name is not None:
                    self._skipped[index] = skipped_name
            self._last = now

    def has(self, index: int) -> bool:
        return index in self._seen

    @property
    def done(self) -> int:
        return len(self._seen)

    @property
    def finished(self) -> bool:
        return len(self._seen) >= self.total

    @property
    def skipped(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._skipped.values()))

    @property
    def rate(self) -> float:
        """Files read per second so far (0 before the second file)."""
        with self._lock:
            seconds = self._last - self._started
            return (len(self._seen) - 1) / seconds if seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None

    def line(self) -> str:
        """'read 5,120 of 22,500 pictures (850/s, ETA 0:20), 2 skipped'."""
        eta = self.eta_seconds
        minutes, seconds = divmod(int(eta or 0), 60)
        skipped = len(self._skipped)
        return (f"read {self.done:,} of {self.total:,} pictures ({self.rate:,.0f}/s"
                f"{f', ETA {minutes}:{seconds:02d}' if eta is not None and not self.finished else ''})"
                f"{f', {skipped} skipped' if skipped else ''}")


@dataclass
class ImageFolder:
    """A folder's files (shuffled once), their labels and the class names; the pictures come as tf.data pipelines.

    The last `validation_split` of the shuffled files is held out; it doubles as the test set (`x_test`, `y_test`,
    read through its own cached pipeline when first asked for)."""

    root: Path
    files: tuple[str, ...]  # relative to root, in the shuffled order
    labels: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]  # (size, size, channels)
    validation_split: float = 0.1
    ignored: tuple[str, ...] = ()  # files whose names say they are no pictures (Thumbs.db, notes.txt)
    progress: ReadProgress = field(init=False)
    _held_out: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)
    _train: object = field(default=None, init=False, repr=False)
    _validation: object = field(default=None, init=False, repr=False)
    _cache_dir: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.progress = ReadProgress(len(self.files))
        self.n_validation = int(round(len(self.files) * self.validation_split))
        cut = len(self.files) - self.n_validation
        if not 0.0 <= self.validation_split < 1.0:
            raise ValueError(f"the validation split must be at least 0 and below 1 (got {self.validation_split:g}).")
        if cut < 1 or (self.validation_split > 0 and self.n_validation < 1):
            raise ValueError(f"a validation split of {self.validation_split:g} of {len(self.files):,} images "
                             f"leaves {cut:,} to train on and {self.n_validation:,} to validate; each needs at least one.")
        self.n_train = cut

    @property
    def source(self) -> str:
        return str(self.root)

    @property
    def picture_bytes(self) -> int:
        """Bytes of all the decoded pictures (uint8)."""
        return len(self.files) * int(np.prod(self.image_shape))

    @property
    def skipped(self) -> tuple[str, ...]:
        """The files found unreadable so far (all of them once the first epoch and validation have run)."""
        return self.progress.skipped

    def skipped_note(self) -> str:
        """'3 files skipped (not readable as images): a.jpg, b.png, c.gif'; '' when none were."""
        skipped = self.skipped
        if not skipped:
            return ""
        names = ", ".join(skipped[:SKIPPED_NAMED]) + (", ..." if len(skipped) > SKIPPED_NAMED else "")
        return f"{len(skipped)} file{'s' if len(skipped) > 1 else ''} skipped (not readable as images): {names}"

    def split(self, fraction: float | None = None, most: int | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(train, held out) as uint8 arrays and labels, of the training part only the first `most` (all by default),
        for whoever needs pictures at once (the novelty index): read through the same cached pipelines, so after
        training no file is decoded again. `fraction` must be the folder's own validation split."""
        if fraction is not None and fraction != self.validation_split:
            raise ValueError(f"this folder was split {self.validation_split:g}, not {fraction:g}.")
        train = _arrays(self._train_blocks(), self.image_shape, min(self.n_train, most or self.n_train))
        return train, self._held_out_arrays()

    def training_dataset(self, batch_size: int, binary: bool = False, seed: int = 0):
        """Shuffled batches of float32 pictures in 0..1 and their targets; the first epoch decodes and caches."""
        # The files are in a shuffled order already; like image_dataset_from_directory (8 batches), each epoch then
        # shuffles within a window, which the first batch waits for: a large one would wait for the whole folder.
        # The cached blocks are shuffled within a window too, so later epochs mix pictures from far apart.
        buffer = min(self.n_train, max(SHUFFLE_WINDOW, 8 * batch_size))
        blocks = self._train_blocks().shuffle(max(1, buffer // BLOCK), seed=seed, reshuffle_each_iteration=True)
        pictures = blocks.unbatch().shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        batches = pictures.batch(batch_size)
        return batches.map(_to_model_input(binary)).prefetch(PREFETCH)

    def validation_dataset(self, batch_size: int, binary: bool = False):
        """The held-out pictures in batches, as training_dataset gives them (None when none are held out)."""
        if not self.n_validation:
            return None
        batches = self._validation_blocks().rebatch(batch_size)
        return batches.map(_to_model_input(binary)).prefetch(PREFETCH)

    @property
    def x_test(self) -> np.ndarray:
        return self._held_out_arrays()[0]

    @property
    def y_test(self) -> np.ndarray:
        return self._held_out_arrays()[1]

    def picture(self, name: str) -> np.ndarray | None:
        """The file `name` (relative to the folder) as training reads it: uint8 `image_shape`, None when unreadable."""
        return _read_picture(self.root / name, self.image_shape)

    def probe_image(self) -> np.ndarray:
        """One readable picture (the first held-out one, else the first training one) as uint8, read now."""
        for index in [*range(self.n_train, len(self.files)), *range(self.n_train)]:
            picture = self.picture(self.files[index])
            if picture is not None:
                return picture
        raise FolderError(f"no readable images in {self.root}.")

    def close(self) -> None:
        """Remove the on-disk cache, if any (also done when the object is collected)."""
        if self._cache_dir:
            shutil.rmtree(self._cache_dir, ignore_errors=True)
            self._cache_dir = None

    def _train_blocks(self):
        if self._train is None:
            self._train = self._blocks(0, self.n_train, "train")
        return self._train

    def _validation_blocks(self):
        if self._validation is None:
            self._validation = self._blocks(self.n_train, len(self.files), "validation")
        return self._validation

    def _held_out_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._held_out is None:
            if not self.n_validation:
                empty = np.zeros((0, *self.image_shape), np.uint8)
                self._held_out = (empty, np.zeros(0, np.int64))
            else:
                self._held_out = _arrays(self._validation_blocks(), self.image_shape, self.n_validation)
        return self._held_out

    def _cache_file(self, part: str) -> str:
        """'' (in memory) while the whole folder's pictures fit the budget, else a file in a temporary folder."""
        if self.picture_bytes <= cache_budget_bytes():
            return ""
        if self._cache_dir is None:
            self._cache_dir = tempfile.mkdtemp(prefix="digit-lens-folder-")
            weakref.finalize(self, shutil.rmtree, self._cache_dir, True)
        return os.path.join(self._cache_dir, part)

    def _blocks(self, start: int, stop: int, part: str):
        """uint8 (n, H, W, C) pictures and int64 labels of files[start:stop], in blocks of up to BLOCK, cached.

        TensorFlow's decoders read the files in a parallel map, as image_dataset_from_directory does (so the pixels
        are Keras' own); a file they refuse is dropped there (`ignore_errors`) and, once the others are read, Pillow
        tries it (CMYK JPEGs, TIFFs): what Pillow cannot read either is named in `skipped`. The cache keeps whole
        blocks: one allocation per BLOCK pictures, not per picture, and progress is noted once per block."""
        import tensorflow as tf

        shape, progress = self.image_shape, self.progress
        files, labels = self.files, self.labels

        def decode(path):
            picture = tf.image.decode_image(tf.io.read_file(path), channels=shape[2], expand_animations=False)
            resized = tf.image.resize(picture, shape[:2], method="bilinear")  # antialias off, as in Keras
            return tf.cast(tf.round(tf.clip_by_value(resized, 0.0, 255.0)), tf.uint8)

        def seen(indices: np.ndarray) -> np.ndarray:
            progress.record(indices.tolist())
            return indices

        def rescue():
            for index in range(start, stop):
                if not progress.has(index):
                    picture = _read_picture(self.root / files[index], shape)
                    progress.record([index], files[index] if picture is None else None)
                    if picture is not None:
                        yield picture, labels[index]

        paths = [str(self.root / name) for name in files[start:stop]]
        read = tf.data.Dataset.from_tensor_slices((np.arange(start, stop, dtype=np.int64), paths, labels[start:stop]))
        read = read.map(lambda i, path, label: (i, decode(path), label), num_parallel_calls=PARALLEL_CALLS)
        read = read.ignore_errors().batch(BLOCK).map(lambda i, pictures, label: (
            tf.numpy_function(seen, [i], tf.int64, stateful=True), pictures, label))
        read = read.map(lambda i, pictures, label: (pictures, label))
        rescued = tf.data.Dataset.from_generator(rescue, output_signature=(
            tf.TensorSpec(shape, tf.uint8), tf.TensorSpec((), tf.int64))).batch(BLOCK)
        return untuned(read.concatenate(rescued).cache(self._cache_file(part)))


def _arrays(blocks, shape: tuple[int, int, int], count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` uint8 pictures and int64 labels of a pipeline's blocks as two arrays (fewer when files were
    skipped), filled in place: no second copy of the pictures."""
    images, labels, filled = np.empty((count, *shape), np.uint8), np.empty(count, np.int64), 0
    for block, label in blocks.as_numpy_iterator():
        take = min(len(block), count - filled)
        images[filled:filled + take] = block[:take]
        labels[filled:filled + take] = label[:take]
        filled += take
        if filled == count:
            break
    return images[:filled], labels[:filled]


def _to_model_input(binary: bool):
    """A batch's uint8 pictures as float32 in 0..1, and its labels as the loss takes them."""
    import tensorflow as tf

    def convert(pictures, labels):
        targets = tf.cast(labels, tf.float32)[:, tf.newaxis] if binary else tf.cast(labels, tf.int32)
        return tf.cast(pictures, tf.float32) / 255.0, targets

    return convert


def _read_picture(path: str | os.PathLike, shape: tuple[int, int, int]) -> np.ndarray | None:
    """The picture at `path` as uint8 `shape` resized as image_dataset_from_directory does, or None when unreadable."""
    from PIL import Image

    height, width, channels = shape
    mode = "L" if channels == 1 else "RGB"
    try:
        with Image.open(path) as image:
            if image.format == "JPEG":  # decoded straight to grey or RGB at full size (no DCT scaling)
                image.draft(mode, None)
                if mode == "L":  # libjpeg's fast integer DCT, as TensorFlow's decoder uses it: Keras' very pixels
                    image.decoderconfig = (1, 1)
            pixels = np.asarray(image.convert(mode) if image.mode != mode else image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    return resize_bilinear(pixels, height, width)


def _axis_weights(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TensorFlow's bilinear sampling along one axis (half-pixel centres): lower and upper source index, weight."""
    scale = np.float32(size_in / size_out)
    position = (np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(position)
    lower = np.maximum(floor, 0).astype(np.intp)
    upper = np.minimum(np.ceil(position), size_in - 1).astype(np.intp)
    return lower, upper, (position - floor).astype(np.float32)


def resize_bilinear(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 (h, w, c) resized to (height, width, c) as `tf.image.resize(..., "bilinear", antialias=False)` does,
    rounded to uint8."""
    top, bottom, y_weight = _axis_weights(pixels.shape[0], height)
    left, right, x_weight = _axis_weights(pixels.shape[1], width)
    rows_top = pixels[top].astype(np.float32)
    rows_bottom = pixels[bottom].astype(np.float32)
    x_weight = x_weight[None, :, None]
    upper = rows_top[:, left] + (rows_top[:, right] - rows_top[:, left]) * x_weight
    lower = rows_bottom[:, left] + (rows_bottom[:, right] - rows_bottom[:, left]) * x_weight
    values = upper + (lower - upper) * y_weight[:, None, None]
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


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


def open_image_folder(folder: str | os.PathLike, size: int = DEFAULT_SIDE, channels: int = 3,
                      validation_split: float = 0.1, seed: int = 0) -> ImageFolder:
    """The files under `folder`'s class subfolders, to be read at size x size with `channels` (1 grey, 3 colour).

    Only lists the files (no picture is opened); FolderError when a class has no image files, ValueError when the
    validation split leaves either side empty."""
    root, classes = class_folders(folder)
    files, labels, ignored, empty = [], [], [], []
    for label, class_folder in enumerate(classes):
        found = 0
        for dirpath, dirnames, filenames in os.walk(class_folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                relative = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                if name.startswith("."):
                    continue
                if os.path.splitext(name)[1].lower() not in IMAGE_SUFFIXES:
                    ignored.append(relative)
                    continue
                files.append(relative)
                labels.append(label)
                found += 1
        if not found:
            empty.append(class_folder.name)
    if empty:
        raise FolderError(f"no readable images in {', '.join(empty)} (in {root}); every class folder needs at least one "
                          f"{'/'.join(s.lstrip('.') for s in IMAGE_SUFFIXES[:4])} image.")
    order = np.random.default_rng(seed).permutation(len(files))
    return ImageFolder(root, tuple(files[i] for i in order), np.asarray(labels, np.int64)[order],
                       tuple(p.name for p in classes), (size, size, channels), validation_split, tuple(ignored))
