"""The run folder's names and limits, shared by the recorder that writes it and the reader that follows it
(standard library only: reading a folder imports neither Keras nor TensorFlow)."""

from __future__ import annotations

import re

FORMAT = "digit-lens-run/1"
RUN_FILE = "run.json"
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.jsonl"
PROBE_FILE = "probe.npy"
SNAPSHOT_DIR = "snapshots"
FIRST_EPOCH_BATCHES = (1, 3, 10, 30, 100, 300)  # snapshots within the first epoch, after this many batches
SNAPSHOT_BUDGET = 200 * 1024 * 1024  # all of a run's snapshots together, in bytes (float32 weights)
SNAPSHOT_PATTERN = re.compile(r"e(\d+)-b(\d+)\.npz")


def snapshot_name(epoch: int, batch: int) -> str:
    """The file of the snapshot after `batch` batches of 0-based `epoch` (batch = batches per epoch at its end): an
    uncompressed `.npz` of the model's weights in `get_weights()` order (arr_0, arr_1, ...), no optimizer state."""
    return f"e{epoch:04d}-b{batch:05d}.npz"
