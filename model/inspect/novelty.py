"""How unlike its training data is an input: distances in the model's penultimate-layer embedding.

An index holds the embeddings of training pictures, scaled to unit length (cosine distance: scribbles then stand
apart from digits far more clearly than with raw distances); an input's score is its mean distance to its K nearest,
placed among the same scores of pictures the model did not train on (a percentile).

Two kinds, both kept in the user's cache directory under a hash of the model's weights:
- a 28x28 ten-digit model is compared with MNIST's training digits (built once per model when it is opened,
  calibrated on MNIST test digits; the digits themselves come from MNIST again);
- a model Digit Lens trains on a folder or a stock set gets an index of its own training pictures when training
  ends (`build_data_index`), calibrated on the pictures its training held out, and the pictures are kept in the
  index file (at most DATA_PICTURES of them and DATA_BYTES of pixels), so it works wherever the model is opened on
  this machine. For any other model the user can point at its training pictures.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from model.data.mnist import Mnist, to_model_input
from model.inspect.blas import use_one_blas_thread

CACHE_ENV = "DIGIT_LENS_CACHE"  # where indexes are kept (a test points it at a temporary folder)
TRAIN_DIGITS = 20_000  # training digits in an index: 10 MB of float32 for a 128-wide layer, a lookup well under 1 ms
TEST_DIGITS = 5_000  # test digits whose scores calibrate the percentiles
K = 5  # the score is the mean distance to this many nearest training digits
NEIGHBOURS = 8  # nearest training digits shown
CHUNK = 500  # digits embedded per step
CHUNK_BYTES = 32 * 2**20  # at most this much float32 output of one layer per step
SEARCH_DIMENSIONS = 32  # a lookup's first pass compares in this many principal directions
CANDIDATES = 64  # and measures this many of its nearest exactly
FORMAT = 2  # bump when the file's contents change
DATA_FORMAT = 1  # the same for an index of a model's own training pictures
DATA_PICTURES = 20_000  # training pictures at most in an index of a model's own data
DATA_BYTES = 16_000_000  # and at most this many bytes of their pixels (1,302 pictures of 64x64 colour)


class NoveltyUnavailable(Exception):
    """No index can be made for this model or without MNIST; the message says why in one sentence."""


@dataclass(frozen=True)
class Novelty:
    """Where one input stands among the training digits."""

    score: float  # mean distance to the K nearest training digits
    percentile: float  # share of MNIST test digits (in %) that score as far or less
    neighbours: np.ndarray  # indices into the index's digits, nearest first
    distances: np.ndarray  # of those neighbours

    @property
    def level(self) -> str:
        """"typical", "unusual" or "unlike"."""
        return "typical" if self.percentile < 90 else "unusual" if self.percentile < 99 else "unlike"

    @property
    def text(self) -> str:
        if self.percentile > 99.9:
            return "unlike the training data: beyond the 99.9th percentile"
        name = {"typical": "typical", "unusual": "unusual", "unlike": "unlike the training data"}[self.level]
        return f"{name}: {ordinal(self.percentile)} percentile"


class NoveltyIndex:
    """Embeddings of training pictures and the calibration scores of pictures held out, for one model.

    `title` names the pictures ("training digits", "training photos of shapes"); `class_names` name their labels
    (None: the labels are digits)."""

    def __init__(self, layer: str, embeddings: np.ndarray, labels: np.ndarray, images: np.ndarray,
                 calibration: np.ndarray, title: str = "training digits",
                 class_names: tuple[str, ...] | None = None, calibrated_on: str = "MNIST test digits",
                 unit: bool = True) -> None:
        use_one_blas_thread()
        self.layer = layer  # the layer whose output is the embedding
        self.unit = unit  # distances between rows scaled to length 1 (cosine), else as they are
        self.embeddings = np.ascontiguousarray(self._rows(embeddings))
        self.squared_norms = np.einsum("ij,ij->i", self.embeddings, self.embeddings)
        # A first pass compares in the leading principal directions only: a quarter of the 10 MB a stroke
        # would otherwise read; its nearest CANDIDATES are then measured exactly.
        self.directions = principal_directions(self.embeddings, SEARCH_DIMENSIONS)
        self.projected = np.ascontiguousarray(self.embeddings @ self.directions)
        self.projected_norms = np.einsum("ij,ij->i", self.projected, self.projected)
        self.labels = labels
        self.images = images  # uint8 (N, 28, 28) digits or (N, H, W, C) pictures, for the thumbnails
        self.calibration = np.sort(np.asarray(calibration, dtype=np.float32))
        self.title = title
        self.class_names = class_names
        self.calibrated_on = calibrated_on

    def _rows(self, vectors: np.ndarray) -> np.ndarray:
        return unit_rows(vectors) if self.unit else np.asarray(vectors, dtype=np.float32)

    def label_name(self, index: int) -> str:
        """The class name of training picture `index` ("7", "circles")."""
        label = int(self.labels[index])
        return self.class_names[label] if self.class_names else str(label)

    def __len__(self) -> int:
        return len(self.embeddings)

    def lookup(self, embedding: np.ndarray) -> Novelty:
        """The score, percentile and nearest training digits of one input's embedding."""
        query = self._rows(np.reshape(embedding, (1, -1)))[0]
        count = min(max(K, NEIGHBOURS), len(self.embeddings))
        candidates = self._candidates(query)
        squared = self.squared_norms[candidates] - 2.0 * (self.embeddings[candidates] @ query) + float(query @ query)
        order = np.argsort(squared)[:count]
        nearest = candidates[order]
        distances = np.sqrt(np.maximum(squared[order], 0.0))
        score = float(distances[:K].mean())
        percentile = 100.0 * np.searchsorted(self.calibration, score, side="right") / len(self.calibration)
        return Novelty(score, float(percentile), nearest[:NEIGHBOURS], distances[:NEIGHBOURS])

    def _candidates(self, query: np.ndarray) -> np.ndarray:
        """The CANDIDATES digits nearest `query` in the leading principal directions (all digits if few)."""
        if len(self.embeddings) <= CANDIDATES:
            return np.arange(len(self.embeddings))
        point = query @ self.directions
        approximate = self.projected_norms - 2.0 * (self.projected @ point)
        return np.argpartition(approximate, CANDIDATES - 1)[:CANDIDATES]

    def scores(self, queries: np.ndarray, skip_nearest: int = 0) -> np.ndarray:
        """The scores of many embeddings (M, D) at once, in chunks of CHUNK rows; `skip_nearest` 1 leaves each
        query's nearest out (a training picture's own row, when no picture was held out)."""
        scores = []
        count = min(K + skip_nearest, len(self.embeddings))
        for start in range(0, len(queries), CHUNK):
            chunk = self._rows(queries[start:start + CHUNK])
            squared = self.squared_norms - 2.0 * (chunk @ self.embeddings.T) + np.einsum("ij,ij->i", chunk, chunk)[:, None]
            nearest = np.sort(np.partition(squared, count - 1, axis=1)[:, :count], axis=1)[:, skip_nearest:]
            scores.append(np.sqrt(np.maximum(nearest, 0.0)).mean(axis=1))
        return np.concatenate(scores).astype(np.float32)

    def save(self, path: Path, with_images: bool = False) -> None:
        """Write the index atomically; the images only `with_images` (MNIST's digits come from MNIST again).
        Uncompressed: photos and float features barely compress, and zlib took half a second after every run."""
        extra = {}
        if with_images:
            extra = {"images": self.images, "title": np.array(self.title), "calibrated_on": np.array(self.calibrated_on),
                     "unit": np.array(self.unit),
                     "class_names": np.array(list(self.class_names or ()), dtype=str)}
        _write_arrays(path, layer=np.array(self.layer), embeddings=self.embeddings, labels=self.labels,
                      calibration=self.calibration, **extra)

    @classmethod
    def load(cls, path: Path, mnist: Mnist | None = None) -> "NoveltyIndex":
        """An index saved by `save`: its own images when it kept them, else MNIST's training digits."""
        with np.load(path, allow_pickle=False) as saved:
            embeddings = saved["embeddings"]
            if "images" in saved.files:
                return cls(str(saved["layer"]), embeddings, saved["labels"], saved["images"], saved["calibration"],
                           str(saved["title"]), tuple(str(n) for n in saved["class_names"]) or None,
                           str(saved["calibrated_on"]), bool(saved["unit"]))
            if mnist is None:
                raise ValueError(f"{path} keeps no pictures")
            return cls(str(saved["layer"]), embeddings, saved["labels"], mnist.x_train[:len(embeddings)],
                       saved["calibration"])


def _write_arrays(path: Path, **arrays: np.ndarray) -> None:
    """An uncompressed .npz at `path`, written atomically (a reader sees the old file or the whole new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as out:
        np.savez(out, **arrays)
    os.replace(partial, path)


def principal_directions(vectors: np.ndarray, count: int) -> np.ndarray:
    """The `count` directions along which the rows vary most, as columns (D, count); all D if fewer."""
    centred = vectors - vectors.mean(axis=0)
    variances, directions = np.linalg.eigh(centred.T @ centred)
    return np.ascontiguousarray(directions[:, ::-1][:, :count].astype(np.float32))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a row of zeros stays zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def embedding_layer(model) -> str:
    """The layer whose output feeds the model's last Dense layer (its penultimate representation)."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    dense = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]
    if not dense or dense[-1] == 0:
        raise NoveltyUnavailable("Not compared with the training digits: the model has no layer before its "
                                 "output layer.")
    before = dense[-1] - 1
    while before > 0 and isinstance(layers[before], keras.layers.Dropout):  # the same values at inference
        before -= 1
    return layers[before].name


def embed(model, layer: str, images: np.ndarray, input_scale: float = 1.0,
          step: Callable[[int], None] = lambda done: None) -> np.ndarray:
    """The `layer` outputs of uint8 MNIST digits (or (N, H, W, C) pictures), flattened: (N, D) float32;
    `step(done)` after each chunk."""
    import keras

    embedder = keras.Model(model.inputs, model.get_layer(layer).output)
    fed = tuple(int(s) for s in model.inputs[0].shape[1:])
    parts, chunk = [], embed_chunk(embedder)
    for start in range(0, len(images), chunk):
        batch = to_model_input(images[start:start + chunk]) * input_scale
        parts.append(np.asarray(embedder.predict_on_batch(batch.reshape((-1, *fed)))).reshape(len(batch), -1))
        step(start + len(batch))
    return np.concatenate(parts).astype(np.float32)


def embed_chunk(model) -> int:
    """Pictures run through `model` at once: CHUNK, fewer when its largest layer output would pass CHUNK_BYTES
    (50x50 photos through 64 filters: 0.6 MB each, 0.3 GB a layer for 500 of them)."""
    largest = max((math.prod(int(d) for d in layer.output.shape[1:]) for layer in model.layers), default=1)
    return int(np.clip(CHUNK_BYTES // (4 * max(1, largest)), 1, CHUNK))


def build_index(model, mnist: Mnist, train_digits: int = TRAIN_DIGITS, test_digits: int = TEST_DIGITS,
                input_scale: float = 1.0, progress: Callable[[float], None] = lambda share: None) -> NoveltyIndex:
    """Embed the first `train_digits` training digits and calibrate on the first `test_digits` test digits."""
    layer = embedding_layer(model)
    n_train, n_test = min(train_digits, len(mnist.x_train)), min(test_digits, len(mnist.x_test))
    total = n_train + n_test
    train = embed(model, layer, mnist.x_train[:n_train], input_scale, lambda done: progress(done / total))
    test = embed(model, layer, mnist.x_test[:n_test], input_scale, lambda done: progress((n_train + done) / total))
    index = NoveltyIndex(layer, train, mnist.y_train[:n_train], mnist.x_train[:n_train], np.zeros(1))
    index.calibration = np.sort(index.scores(test))
    return index


def cached_index(model, mnist: Mnist, train_digits: int = TRAIN_DIGITS, test_digits: int = TEST_DIGITS,
                 input_scale: float = 1.0, progress: Callable[[float], None] = lambda share: None,
                 cache: Path | None = None) -> NoveltyIndex:
    """The model's index from the cache, else built now and cached (a cache that cannot be written is skipped)."""
    path = (cache or cache_dir()) / f"novelty-{index_key(model, train_digits, test_digits, input_scale)}.npz"
    if path.is_file():
        try:
            return NoveltyIndex.load(path, mnist)
        except (OSError, ValueError, KeyError):  # damaged or partial: build it again
            pass
    index = build_index(model, mnist, train_digits, test_digits, input_scale, progress)
    try:
        index.save(path)
    except OSError:
        pass  # read-only or full disk: the index still works for this session
    return index


def data_picture_count(picture_shape: tuple[int, ...]) -> int:
    """How many training pictures of this shape an index of a model's own data keeps (DATA_PICTURES, DATA_BYTES)."""
    return int(min(DATA_PICTURES, DATA_BYTES // max(1, int(np.prod(picture_shape)))))


def build_data_index(model, images: np.ndarray, labels: np.ndarray, held_out: np.ndarray, title: str,
                     class_names: tuple[str, ...] | None, input_scale: float = 1.0,
                     progress: Callable[[float], None] = lambda share: None) -> NoveltyIndex:
    """An index of a model's own training pictures (uint8 (N, H, W, C), the first `data_picture_count` of them),
    calibrated on the pictures its training held out (`held_out`, at most TEST_DIGITS of them); with none held out,
    on the training pictures themselves, each leaving itself out. Distances are plain (not cosine): a photo model's
    features for noise point the way a picture's do, only far longer."""
    layer = embedding_layer(model)
    images, labels = images[:data_picture_count(images.shape[1:])], labels[:len(images)]
    held_out = held_out[:TEST_DIGITS]
    total = len(images) + len(held_out)
    train = embed(model, layer, images, input_scale, lambda done: progress(done / total))
    index = NoveltyIndex(layer, train, np.asarray(labels), images, np.zeros(1), title, class_names,
                         f"{len(held_out):,} held-out pictures" if len(held_out) else
                         "the training pictures themselves (none were held out)", unit=False)
    if len(held_out):
        test = embed(model, layer, held_out, input_scale, lambda done: progress((len(images) + done) / total))
        index.calibration = np.sort(index.scores(test))
    else:
        index.calibration = np.sort(index.scores(train, skip_nearest=1))
    return index


def data_index_path(model, cache: Path | None = None) -> Path:
    """Where the index of a model's own training pictures is kept: a hash of its weights names the file."""
    digest = hashlib.sha256(f"{DATA_FORMAT} data {embedding_layer(model)} {K}".encode())
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    return (cache or cache_dir()) / f"novelty-data-{digest.hexdigest()[:24]}.npz"


def save_data_index(model, index: NoveltyIndex, cache: Path | None = None) -> Path | None:
    """Keep `index` for `model` in the cache; None when the cache cannot be written (the index still works now)."""
    path = data_index_path(model, cache)
    try:
        index.save(path, with_images=True)
    except OSError:
        return None
    return path


def keep_training_pictures(model, data, validation_split: float, cache: Path | None = None
                           ) -> tuple[Path | None, int, int]:
    """Keep, for `model`, what the index of its folder's or stock set's pictures needs and might not find later (the
    pictures: a folder moves, a cache is cleared); `stored_data_index` computes their features when first asked.
    (where they are kept, None when the cache cannot be written; training pictures; held-out pictures.)"""
    (x_train, y_train), (x_held, _) = data.split(validation_split, most=data_picture_count(data.image_shape))
    x_held = x_held[:TEST_DIGITS]
    path = data_index_path(model, cache)
    try:
        _write_arrays(path, images=x_train, labels=y_train, held_out=x_held, title=np.array(training_title(data)),
                      class_names=np.array(list(data.class_names), dtype=str))
    except OSError:
        return None, len(x_train), len(x_held)
    return path, len(x_train), len(x_held)


def stored_data_index(model, cache: Path | None = None,
                      progress: Callable[[float], None] = lambda share: None) -> NoveltyIndex | None:
    """The index of `model`'s own training pictures kept in the cache, or None (also when it is damaged); where only
    the pictures were kept (`keep_training_pictures`), their index is made now and kept in their place."""
    try:
        path = data_index_path(model, cache)
    except NoveltyUnavailable:
        return None
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            if "embeddings" in saved.files:
                return NoveltyIndex.load(path)
            kept = {key: saved[key] for key in ("images", "labels", "held_out", "title", "class_names")}
    except (OSError, ValueError, KeyError):
        return None
    index = build_data_index(model, kept["images"], kept["labels"], kept["held_out"], str(kept["title"]),
                             tuple(str(n) for n in kept["class_names"]), progress=progress)
    try:
        index.save(path, with_images=True)
    except OSError:
        pass  # the index still works now; it is made again next time
    return index


def index_key(model, train_digits: int, test_digits: int, input_scale: float) -> str:
    """A hash of the model's weights and the index's settings."""
    digest = hashlib.sha256(f"{FORMAT} {embedding_layer(model)} {train_digits} {test_digits} {K} {input_scale}".encode())
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()[:24]


def cache_dir() -> Path:
    """`$DIGIT_LENS_CACHE`, else the platform's per-user cache folder for Digit Lens."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "DigitLens" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "DigitLens"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "digit-lens"


def ordinal(percentile: float) -> str:
    """"40th", "1st", "99.5th": whole numbers below 99, one decimal above."""
    if percentile >= 99:
        return f"{np.floor(percentile * 10) / 10:.1f}th"
    whole = int(percentile)
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


def training_title(data) -> str:
    """What a model's training pictures are called: "training photos of shapes", "Fashion-MNIST training pictures"."""
    title = getattr(data, "title", None)
    return f"{title} training pictures" if title else f"training photos of {Path(data.source).name}"


def index_training_data(model, data, validation_split: float, input_scale: float = 1.0,
                        progress: Callable[[float], None] = lambda share: None) -> NoveltyIndex:
    """The index of a folder's or stock set's pictures (`model.data.image_folder.ImageFolder`,
    `model.data.stock.StockData`) as training split them: the training part indexed, the held-out part calibrating."""
    (x_train, y_train), (x_held, _) = data.split(validation_split, most=data_picture_count(data.image_shape))
    return build_data_index(model, x_train, y_train, x_held, training_title(data), tuple(data.class_names),
                            input_scale, progress)
