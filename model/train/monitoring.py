"""Numbers for watching a run: smoothed curves, learning notes, first-layer weights, CSV."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from model.inspect.colour_kernels import as_colour

if TYPE_CHECKING:
    from model.train.records import EpochResult

HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


def smooth(values: Sequence[float], weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average; weight 0 returns the values unchanged.

    Plain numpy (scipy.signal takes a second to import, which on the GUI thread froze the window at the first
    curve): y[k] = weight * y[k-1] + (1 - weight) * x[k] in closed form over blocks short enough that weight**-k
    stays far from overflowing."""
    if not 0.0 <= weight < 1.0:
        raise ValueError("smoothing weight must be in [0, 1)")
    values = np.asarray(values, dtype=np.float64)
    if weight == 0.0 or not len(values):
        return values.copy()
    block = int(np.clip(300.0 / -math.log10(weight), 1, 4096))  # weight**-block <= 1e300
    running, previous = np.empty_like(values), 0.0
    for start in range(0, len(values), block):
        chunk = values[start:start + block]
        powers = weight ** np.arange(len(chunk), dtype=np.float64)  # weight**k, k = 0..len-1
        running[start:start + len(chunk)] = (weight * powers * previous
                                             + (1.0 - weight) * powers * np.cumsum(chunk / powers))
        previous = running[start + len(chunk) - 1]
    return running / (1.0 - weight ** np.arange(1, len(values) + 1))


def batch_value(running_mean: float, previous_mean: float, batch: int, previous_batch: int) -> float:
    """The mean of batches previous_batch+1..batch, from Keras' running means over the epoch.

    Batches are 1-based and of equal size; previous_batch 0 means none before in this epoch.
    Usually previous_batch is batch - 1, which gives that one batch's own value.
    """
    if previous_batch <= 0 or batch <= previous_batch:
        return running_mean
    return (batch * running_mean - previous_batch * previous_mean) / (batch - previous_batch)


def best_epoch(history: Sequence[EpochResult]) -> int | None:
    """Index of the epoch with the highest validation accuracy (None without validation)."""
    scored = [(r.val_accuracy, -i) for i, r in enumerate(history) if math.isfinite(r.val_accuracy)]
    return -max(scored)[1] if scored else None


def learning_notes(history: Sequence[EpochResult], streak: int = 3) -> list[str]:
    """Patterns worth a look once they hold for `streak` epochs in a row, in plain words."""
    notes = []
    recent = list(history)[-streak:]
    if len(recent) < streak or not all(math.isfinite(r.val_accuracy) for r in recent):
        return notes
    if all(r.val_accuracy > r.accuracy for r in recent):
        notes.append(f"Validation accuracy has been above training accuracy for {streak} epochs. Common causes: "
                     "augmentation or dropout make the training digits harder than the held-out ones, or the "
                     "training figure is averaged over an epoch in which the model was still improving.")
    window = list(history)[-(streak + 1):]
    if len(window) == streak + 1 and all(b.accuracy > a.accuracy and b.val_accuracy < a.val_accuracy
                                         for a, b in zip(window, window[1:])):
        notes.append(f"Validation accuracy has fallen for {streak} epochs while training accuracy rose: the model "
                     "is starting to memorise its training digits (overfitting). The best epoch is marked; "
                     "stopping there, more data or augmentation would help.")
    return notes


def history_csv(history: Iterable[EpochResult]) -> str:
    """The epoch history as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for r in history:
        writer.writerow([r.epoch, *(f"{getattr(r, c):.6g}" for c in HISTORY_COLUMNS[1:])])
    return buffer.getvalue()


def write_history_csv(history: Iterable[EpochResult], path: str | os.PathLike) -> Path:
    """Write the history as CSV to `path`."""
    path = Path(path)
    path.write_text(history_csv(history), encoding="utf-8")
    return path


def first_layer_weights(model) -> tuple[str, np.ndarray] | None:
    """The first learned layer's weights as images: (layer name, (n, h, w)).

    A Conv2D gives its filters (first input channel; for three input channels, (n, h, w, 3) colour pictures
    in 0..1); a Dense layer on the flattened pixels of a square grey image gives each unit's weights over the
    image (the first 32 units).
    """
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            kernel = np.asarray(layer.get_weights()[0])  # (kh, kw, in, filters)
            if kernel.shape[2] == 3:
                return layer.name, as_colour(np.transpose(kernel, (3, 0, 1, 2)))
            return layer.name, np.transpose(kernel[:, :, 0, :], (2, 0, 1))
        if kind == "Dense":
            kernel = np.asarray(layer.get_weights()[0])  # (inputs, units)
            side = int(round(math.sqrt(kernel.shape[0])))
            if side * side != kernel.shape[0]:
                return None
            return layer.name, kernel[:, :32].T.reshape(-1, side, side)
    return None


def first_feature_maps_layer(model) -> str | None:
    """The layer whose output shows the first convolution's maps: its activation when it has one."""
    names = [layer.name for layer in model.layers]
    kinds = [type(layer).__name__ for layer in model.layers]
    if "Conv2D" not in kinds:
        return None
    start = kinds.index("Conv2D")
    for name, kind in zip(names[start + 1:], kinds[start + 1:]):
        if kind in ("ReLU", "Activation"):
            return name
        if kind not in ("BatchNormalization",):
            break
    return names[start]
