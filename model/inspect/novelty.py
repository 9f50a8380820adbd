"""How unlike the training digits is an input: distances in the model's penultimate-layer embedding.

An index holds the embeddings of MNIST training digits, scaled to unit length (cosine distance:
scribbles then stand apart from digits far more clearly than with raw distances); an input's
score is its mean distance to its K nearest, placed among the same scores of MNIST test digits
(a percentile). Built once per
model (its weights' hash names the file) and kept in the user's cache directory.
"""

from __future__ import annotations

import hashlib
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
SEARCH_DIMENSIONS = 32  # a lookup's first pass compares in this many principal directions
CANDIDATES = 64  # and measures this many of its nearest exactly
FORMAT = 2  # bump when the file's contents change


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
    """Embeddings of training digits and the calibration scores of test digits, for one model."""

    def __init__(self, layer: str, embeddings: np.ndarray, labels: np.ndarray, images: np.ndarray,
                 calibration: np.ndarray) -> None:
        use_one_blas_thread()
        self.layer = layer  # the layer whose output is the embedding
        self.embeddings = np.ascontiguousarray(unit_rows(embeddings))
        self.squared_norms = np.einsum("ij,ij->i", self.embeddings, self.embeddings)
        # A first pass compares in the leading principal directions only: a quarter of the 10 MB a stroke
        # would otherwise read; its nearest CANDIDATES are then measured exactly.
        self.directions = principal_directions(self.embeddings, SEARCH_DIMENSIONS)
        self.projected = np.ascontiguousarray(self.embeddings @ self.directions)
        self.projected_norms = np.einsum("ij,ij->i", self.projected, self.projected)
        self.labels = labels
        self.images = images  # uint8 (N, 28, 28), for the thumbnails
        self.calibration = np.sort(np.asarray(calibration, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.embeddings)

    def lookup(self, embedding: np.ndarray) -> Novelty:
        """The score, percentile and nearest training digits of one input's embedding."""
        query = unit_rows(np.reshape(embedding, (1, -1)))[0]
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

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """The scores of many embeddings (M, D) at once, in chunks of CHUNK rows."""
        scores = []
        for start in range(0, len(queries), CHUNK):
            chunk = unit_rows(queries[start:start + CHUNK])
            squared = self.squared_norms - 2.0 * (chunk @ self.embeddings.T) + np.einsum("ij,ij->i", chunk, chunk)[:, None]
            nearest = np.partition(squared, K - 1, axis=1)[:, :K]
            scores.append(np.sqrt(np.maximum(nearest, 0.0)).mean(axis=1))
        return np.concatenate(scores).astype(np.float32)

    def save(self, path: Path) -> None:
        """Write the index (without the images, which come from MNIST again) atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        with open(partial, "wb") as out:
            np.savez(out, layer=np.array(self.layer), embeddings=self.embeddings, labels=self.labels,
                     calibration=self.calibration)
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path, mnist: Mnist) -> "NoveltyIndex":
        with np.load(path, allow_pickle=False) as saved:
            embeddings = saved["embeddings"]
            return cls(str(saved["layer"]), embeddings, saved["labels"], mnist.x_train[:len(embeddings)],
                       saved["calibration"])


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
    """The `layer` outputs of uint8 MNIST digits, flattened: (N, D) float32; `step(done)` after each chunk."""
    import keras

    embedder = keras.Model(model.inputs, model.get_layer(layer).output)
    fed = tuple(int(s) for s in model.inputs[0].shape[1:])
    parts = []
    for start in range(0, len(images), CHUNK):
        batch = to_model_input(images[start:start + CHUNK]) * input_scale
        parts.append(np.asarray(embedder([batch.reshape((-1, *fed))], training=False)).reshape(len(batch), -1))
        step(start + len(batch))
    return np.concatenate(parts).astype(np.float32)


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
