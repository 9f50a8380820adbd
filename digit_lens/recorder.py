"""`RunRecorder`: a Keras callback that writes a run folder Digit Lens can watch, live or afterwards.

    from digit_lens.recorder import RunRecorder
    model.fit(x, y, epochs=10, callbacks=[RunRecorder("runs/cats", probe=x[0], class_names=["cat", "dog"])])

It imports only Keras, numpy and the standard library (no Qt, nothing else of Digit Lens), so it runs wherever the
training runs: a GPU server, a lab machine, a notebook. `digit_lens.recorder`, not `model...`: a user's own
`model.py` beside their script would shadow a top-level `model` package. The folder it writes:

    run.json            the model, input, class names, data, host, start; at the end its end time and status
    model.keras         the architecture (and the weights before training), written once
    metrics.jsonl       one JSON object per line, appended and flushed: {"kind": "batch", ...} after every batch
                        (Keras' running means over the epoch), {"kind": "epoch", ...} after every epoch
    snapshots/e0000-b00000.npz   the weights (`get_weights()` order, no optimizer state) on the Train tab's replay
                        schedule: before training, after 1, 3, 10, 30, 100 and 300 batches of the first epoch and
                        after every epoch, within SNAPSHOT_BUDGET bytes in all
    probe.npy           the probe image (H, W) or (H, W, C), as given

Every file but metrics.jsonl is written to a temporary name in the same folder and renamed over its final name
(`os.replace`), so a reader sees a whole file or none; a line of metrics.jsonl is one `os.write` of the whole line
to a file opened for appending, and a reader ignores a last line without its newline (a writer killed mid-line).
Under `tf.distribute` (multi-worker, `TF_CONFIG`) only the chief writes.
"""

from __future__ import annotations

import atexit
import io
import json
import math
import os
import platform
import socket
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np

from digit_lens.run_format import (FIRST_EPOCH_BATCHES, FORMAT, METRICS_FILE, MODEL_FILE, PROBE_FILE, RUN_FILE,
                                   SNAPSHOT_BUDGET, SNAPSHOT_DIR, snapshot_name)

def snapshot_epochs(epochs: int, early: int, snapshot_bytes: int, budget_bytes: int) -> list[int]:
    """The 0-based epochs whose end is kept: all of them when they fit in the budget beside the `early` ones and
    the one before training; else as many as fit, evenly spread from the first to the last (the last always kept)."""
    room = budget_bytes // max(snapshot_bytes, 1) - 1 - early
    if room >= epochs:
        return list(range(epochs))
    if room <= 1:
        return [epochs - 1]
    return sorted({round(i * (epochs - 1) / (room - 1)) for i in range(room)})


def is_writer() -> bool:
    """Whether this process writes: always, except under multi-worker tf.distribute where only the chief does
    (the task "chief", or worker 0 when the cluster has no chief: TensorFlow's own rule)."""
    try:
        config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    except ValueError:
        return True
    task, cluster = config.get("task") or {}, config.get("cluster") or {}
    if not task:
        return True
    kind, index = task.get("type"), int(task.get("index", 0))
    if kind == "chief":
        return True
    return kind == "worker" and index == 0 and "chief" not in cluster


def write_atomic(path: Path, data: bytes) -> None:
    """`data` to a temporary file beside `path`, then renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        _usual_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunRecorder(keras.callbacks.Callback):
    """Writes metrics, weight snapshots, `run.json` and the probe image into `run_dir` as `model.fit` goes.

    probe: one input image (H, W) or (H, W, C), uint8 0..255 or float 0..1, whose feature maps the viewer shows;
    class_names: the output classes in order; data: a few words on what the model trains on.
    budget_bytes bounds the snapshots' total size: past it, fewer epochs are kept (evenly spread, the last one
    always), and run.json says which.
    """

    def __init__(self, run_dir: str | os.PathLike, probe: np.ndarray | None = None,
                 class_names: list[str] | None = None, data: str | None = None,
                 budget_bytes: int = SNAPSHOT_BUDGET) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.probe = None if probe is None else np.asarray(probe)
        self.class_names = None if class_names is None else [str(name) for name in class_names]
        self.data = data
        self.budget_bytes = budget_bytes
        self.writes = is_writer()
        self._info: dict = {}
        self._metrics_fd: int | None = None
        self._epoch = 0
        self._batches_done = 0
        self._early: set[int] = set()
        self._kept_epochs: set[int] = set()
        self._last_logs: dict = {}
        self._ended = False

    # -- Keras' hooks ------------------------------------------------------------------------

    def on_train_begin(self, logs=None) -> None:
        if not self.writes:
            return
        (self.run_dir / SNAPSHOT_DIR).mkdir(parents=True, exist_ok=True)
        epochs, steps = int(self.params.get("epochs") or 1), self.params.get("steps")
        self._early = {b for b in FIRST_EPOCH_BATCHES if steps is None or b < steps}
        snapshot_bytes = 4 * sum(int(np.prod(w.shape)) for w in self.model.weights)
        self._kept_epochs = set(snapshot_epochs(epochs, len(self._early), snapshot_bytes, self.budget_bytes))
        self._info = {
            "format": FORMAT, "model": self.model.name, "input_shape": _input_shape(self.model),
            "class_names": self.class_names, "data": self.data, "epochs": epochs, "steps_per_epoch": steps,
            "host": socket.gethostname(), "python": platform.python_version(), "keras": keras.__version__,
            "started": _now(), "ended": None, "status": "running",
            "snapshots": {"bytes_each": snapshot_bytes, "budget_bytes": self.budget_bytes,
                          "first_epoch_batches": sorted(self._early), "epochs_kept": sorted(self._kept_epochs)}}
        self._write_info()
        try:
            self._save(self.model.save, self.run_dir / MODEL_FILE)
        except Exception as exc:  # e.g. a subclassed model without get_config: the run goes on, unreplayable
            warnings.warn(f"RunRecorder: the model could not be saved, so its snapshots cannot be replayed ({exc})")
        if self.probe is not None:
            buffer = _npy_bytes(self.probe)
            write_atomic(self.run_dir / PROBE_FILE, buffer)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        self._metrics_fd = os.open(self.run_dir / METRICS_FILE, flags, 0o666)
        self._snapshot(0, 0)
        atexit.register(self._at_exit)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch, self._batches_done = epoch, 0

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        if not self.writes:
            return
        self._batches_done = batch + 1
        self._last_logs = _floats(logs)
        self._append({"kind": "batch", "epoch": self._epoch + 1, "batch": batch + 1,
                      "steps": self.params.get("steps"), "time": time.time(), **self._last_logs})
        if self._epoch == 0 and batch + 1 in self._early:
            self._snapshot(0, batch + 1)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if not self.writes:
            return
        self._last_logs = _floats(logs)
        self._append({"kind": "epoch", "epoch": epoch + 1, "batches": self._batches_done, "time": time.time(),
                      **self._last_logs})
        if epoch in self._kept_epochs and self._batches_done:
            self._snapshot(epoch, self._batches_done)

    def on_train_end(self, logs=None) -> None:
        if not self.writes:
            return
        loss = self._last_logs.get("loss", 0.0)
        status = ("diverged" if not math.isfinite(loss) else
                  "stopped" if self.model.stop_training else "finished")
        self._end(status)

    # -- writing -----------------------------------------------------------------------------

    def _append(self, record: dict) -> None:
        line = json.dumps(record, allow_nan=True) + "\n"
        os.write(self._metrics_fd, line.encode("utf-8"))  # one write of the whole line, appended

    def _snapshot(self, epoch: int, batch: int) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, *self.model.get_weights())
        write_atomic(self.run_dir / SNAPSHOT_DIR / snapshot_name(epoch, batch), buffer.getvalue())

    @staticmethod
    def _save(save, path: Path) -> None:
        """Keras' own save (which wants the final suffix) to a temporary name, then renamed over `path`."""
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
        os.close(fd)
        try:
            os.unlink(tmp)  # Keras asks before overwriting; the name alone is kept
            save(tmp)
            _usual_permissions(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _write_info(self) -> None:
        write_atomic(self.run_dir / RUN_FILE, json.dumps(self._info, indent=1).encode("utf-8"))

    def _end(self, status: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._info.update(ended=_now(), status=status)
        self._write_info()
        if self._metrics_fd is not None:
            os.close(self._metrics_fd)
            self._metrics_fd = None

    def _at_exit(self) -> None:
        """The process ends while training: an exception or sys.exit inside fit (a killed one cannot say so)."""
        if not self._ended and self._info:
            failure = getattr(sys, "last_value", None)
            self._info["error"] = None if failure is None else f"{type(failure).__name__}: {failure}"
            self._end("failed")


def _usual_permissions(path: str) -> None:
    """What a plainly created file gets (mkstemp's are private to their owner)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _input_shape(model: keras.Model) -> list | None:
    try:
        return [None if d is None else int(d) for d in model.inputs[0].shape]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _floats(logs) -> dict:
    out = {}
    for key, value in (logs or {}).items():
        try:
            out[str(key)] = float(np.asarray(value))
        except (TypeError, ValueError):
            continue
    return out


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
