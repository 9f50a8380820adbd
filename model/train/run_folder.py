"""Reading a training run's folder while it is written: our recorder's (digit_lens.recorder), or one that Keras'
own CSVLogger, ModelCheckpoint and TensorBoard callbacks write into.

`RunFolder.poll()` returns what is new since the last poll and never raises for what it finds: a file still being
written (a last line without its newline, a checkpoint whose zip is not complete yet) is read at a later poll, and a
damaged one gets one note and is left out. Nothing here imports Keras or TensorFlow until a snapshot is loaded
(`load_snapshot`, in Keras' safe mode) or TensorBoard event files are read (with tensorboard's own loader).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digit_lens.run_format import FORMAT, METRICS_FILE, MODEL_FILE, PROBE_FILE, RUN_FILE, SNAPSHOT_DIR, SNAPSHOT_PATTERN
from model.train.monitoring import batch_value

CSV_SUFFIXES = (".csv", ".log", ".txt")
STALE_SECONDS = 120.0  # a running run that has written nothing for this long is said to be quiet
SETTLE_SECONDS = 3.0  # a checkpoint that fails to load and has not changed for this long is damaged, not unfinished


@dataclass(frozen=True)
class EpochRow:
    """One finished epoch, with the fields of model.train.training.EpochResult (epoch 1-based) and every metric."""

    epoch: int
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    complete: bool = True
    metrics: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"epoch": self.epoch, **self.metrics, **({} if math.isnan(self.seconds) else {"seconds": self.seconds})}


@dataclass(frozen=True)
class BatchPoint:
    """One batch's own loss and accuracy (not the epoch's running mean) at `fractional_epoch`."""

    fractional_epoch: float
    loss: float
    accuracy: float


@dataclass(frozen=True)
class SnapshotFile:
    """A weights file of the run: after `batch` of `batches_per_epoch` batches of 0-based `epoch`."""

    path: Path
    epoch: int
    batch: int
    batches_per_epoch: int
    form: str  # "model": a whole .keras file; "weights": a .weights.h5 and "arrays": the recorder's .npz, both for
    # the run's model file


@dataclass
class RunUpdate:
    """What a poll found new."""

    batches: list[BatchPoint] = field(default_factory=list)
    epochs: list[EpochRow] = field(default_factory=list)
    snapshots: list[SnapshotFile] = field(default_factory=list)
    info: dict | None = None  # run.json, when it changed
    notes: list[str] = field(default_factory=list)  # damaged files, once each

    @property
    def empty(self) -> bool:
        return not (self.batches or self.epochs or self.snapshots or self.info or self.notes)


class NotARun(Exception):
    """The folder is missing or is not a folder."""


def accuracy_key(metrics: dict) -> str | None:
    """The training accuracy's name among Keras' logs ("accuracy", "acc", "binary_accuracy", ...)."""
    for key in ("accuracy", "acc"):
        if key in metrics:
            return key
    return next((k for k in metrics if k.endswith("accuracy") and not k.startswith("val_")), None)


def epoch_row(epoch: int, metrics: dict, seconds: float = math.nan, complete: bool = True) -> EpochRow:
    key = accuracy_key(metrics)
    return EpochRow(epoch, metrics.get("loss", math.nan), metrics.get(key, math.nan) if key else math.nan,
                    metrics.get("val_loss", math.nan), metrics.get(f"val_{key}", math.nan) if key else math.nan,
                    seconds, complete, metrics)


class RunFolder:
    """A run folder, read incrementally. `kind` is "recorder", "keras" or None (nothing of a run yet)."""

    def __init__(self, path: str | Path, batches: bool = True) -> None:
        self.path = Path(path)
        self.batches = batches  # False: epochs only (no TensorBoard events read, no TensorFlow imported)
        if not self.path.is_dir():
            raise NotARun(f"{self.path}: no such folder." if not self.path.exists() else f"{self.path} is not a folder.")
        self.info: dict = {}
        self.epochs: list[EpochRow] = []
        self._info_stamp = None
        self._metrics_offset = 0
        self._batch_steps: int | None = None
        self._previous_batch: tuple[int, int, float, float] | None = None  # epoch, batch, running loss, accuracy
        self._epoch_time = None
        self._csv_rows = 0
        self._events: dict[Path, object] = {}
        self._pending_batches: list[tuple[int, str, float]] = []  # TensorBoard: step, name, value
        self._tb_batch_values: dict[int, dict] = {}
        self._tb_steps: int | None = None
        self._tb_last_step = 0
        self._tb_epoch_steps: dict[int, int] = {}
        self._seen: set[Path] = set()
        self._failed: dict[Path, tuple[tuple, float]] = {}  # path -> (size, mtime), when it first failed so
        self._noted: set[str] = set()

    @property
    def kind(self) -> str | None:
        if (self.path / RUN_FILE).is_file() or (self.path / METRICS_FILE).is_file():
            return "recorder"
        if self._csv_file() or self._keras_files() or self._event_files():
            return "keras"
        return None

    @property
    def ended(self) -> str | None:
        """How the recorder says the run ended ("finished", "stopped", "diverged", "failed"), None while it goes
        (or when nothing writes an end marker: Keras' own callbacks)."""
        status = self.info.get("status")
        return status if status and status != "running" else None

    def describe(self) -> str:
        """One sentence on what the folder is."""
        kind = self.kind
        if kind is None:
            return ("Nothing of a run here yet: no run.json or metrics.jsonl (Digit Lens' recorder), "
                    "no CSVLogger file, checkpoints or TensorBoard events. Waiting for them to appear.")
        if kind == "recorder":
            host = self.info.get("host")
            status = self.info.get("status", "running")
            error = f" ({self.info['error']})" if self.info.get("error") else ""
            return (f"{self.info.get('model', 'A model')} recorded by Digit Lens' recorder"
                    f"{f' on {host}' if host else ''}, {status}"
                    + (f" at {self.info['ended']}{error}." if self.ended else f"{self._silence()}."))
        return "A run written by Keras' own callbacks (no end marker: it is followed until you stop watching)."

    def _silence(self) -> str:
        """For a run still marked running: how long nothing has been written, once that is over STALE_SECONDS (a
        process killed, or a machine gone, cannot mark its end)."""
        try:
            quiet = time.time() - max(p.stat().st_mtime for p in (self.path / METRICS_FILE, self.path / RUN_FILE)
                                      if p.exists())
        except (OSError, ValueError):
            return ""
        if quiet < STALE_SECONDS:
            return ""
        return f", but nothing new for {quiet / 60:.0f} min: its process may have died or stalled"

    # -- polling ------------------------------------------------------------------------------

    def poll(self) -> RunUpdate:
        update = RunUpdate()
        if not self.path.is_dir():
            self._note(update, f"{self.path} is gone; the views keep what they had.")
            return update
        if self.kind == "recorder":
            self._read_info(update)
            self._read_metrics(update)
        else:
            self._read_csv(update)
        if self.batches:
            self._read_events(update)
            self._find_snapshots(update)
        return update

    def snapshot_failed(self, snapshot: SnapshotFile, message: str) -> str | None:
        """A snapshot that did not load: tried again at later polls while it changes (a writer still at it);
        one that stays broken for SETTLE_SECONDS is given up with the sentence returned (else None)."""
        path = snapshot.path
        try:
            stat = path.stat()
        except OSError:
            self._seen.discard(path)
            return None
        stamp, now = (stat.st_size, stat.st_mtime_ns), time.monotonic()
        first = self._failed.get(path)
        if first is None or first[0] != stamp:
            self._failed[path] = (stamp, now)
        if now - self._failed[path][1] >= SETTLE_SECONDS and time.time() - stat.st_mtime >= SETTLE_SECONDS:
            return f"{path.name} is damaged and left out ({message})."
        self._seen.discard(path)  # try again at the next poll
        return None

    def _note(self, update: RunUpdate, text: str) -> None:
        if text not in self._noted:
            self._noted.add(text)
            update.notes.append(text)

    def _read_info(self, update: RunUpdate) -> None:
        path = self.path / RUN_FILE
        try:
            stat = path.stat()
        except OSError:
            return
        stamp = (stat.st_size, stat.st_mtime_ns)
        if stamp == self._info_stamp:
            return
        self._info_stamp = stamp
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(info, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            self._note(update, f"{RUN_FILE} is damaged ({exc}); the run's description is left out.")
            return
        if info.get("format") != FORMAT:
            self._note(update, f"{RUN_FILE} is of format {info.get('format')!r}, not {FORMAT!r}; read as far as it goes.")
        self.info = info
        update.info = info

    def _read_metrics(self, update: RunUpdate) -> None:
        """metrics.jsonl from where the last poll stopped, whole lines only."""
        try:
            with open(self.path / METRICS_FILE, "rb") as file:
                file.seek(self._metrics_offset)
                chunk = file.read()
        except OSError:
            return
        end = chunk.rfind(b"\n") + 1  # a last line without its newline is still being written (or was cut)
        self._metrics_offset += end
        for line in chunk[:end].splitlines():
            try:
                record = json.loads(line)
                kind = record.pop("kind")
            except (ValueError, KeyError, AttributeError):
                self._note(update, f"{METRICS_FILE} has a damaged line; it is skipped.")
                continue
            if kind == "batch":
                self._recorded_batch(update, record)
            elif kind == "epoch":
                self._recorded_epoch(update, record)

    def _recorded_batch(self, update: RunUpdate, record: dict) -> None:
        epoch, batch = int(record.pop("epoch")), int(record.pop("batch"))
        steps = record.pop("steps", None) or self._batch_steps
        record.pop("time", None)
        key = accuracy_key(record)
        loss, accuracy = record.get("loss", math.nan), record.get(key, math.nan) if key else math.nan
        previous = self._previous_batch if self._previous_batch and self._previous_batch[0] == epoch else None
        own_loss, own_accuracy = (batch_value(loss, previous[2], batch, previous[1]),
                                  batch_value(accuracy, previous[3], batch, previous[1])) if previous else (loss, accuracy)
        self._previous_batch = (epoch, batch, loss, accuracy)
        self._batch_steps = steps
        fraction = batch / steps if steps else 1.0
        update.batches.append(BatchPoint(epoch - 1 + min(fraction, 1.0), own_loss, own_accuracy))

    def _recorded_epoch(self, update: RunUpdate, record: dict) -> None:
        epoch, batches, stamp = int(record.pop("epoch")), record.pop("batches", None), record.pop("time", None)
        started = self._epoch_time or _timestamp(self.info.get("started"))
        seconds = stamp - started if stamp and started else math.nan
        self._epoch_time = stamp
        steps = self._batch_steps
        row = epoch_row(epoch, record, seconds, complete=not (steps and batches and batches < steps))
        self.epochs.append(row)
        update.epochs.append(row)

    def _csv_file(self) -> Path | None:
        """The CSVLogger file: a .csv/.log/.txt whose first line starts with an "epoch" column."""
        for path in sorted(self.path.iterdir()):
            if path.suffix.lower() in CSV_SUFFIXES and not path.name.startswith(".") and path.is_file():
                try:
                    with open(path, encoding="utf-8", errors="replace") as file:
                        head = file.readline()
                except OSError:
                    continue
                if re.match(r"epoch[,;\t]", head):
                    return path
        return None

    def _read_csv(self, update: RunUpdate) -> None:
        path = self._csv_file()
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        text = text[:text.rfind("\n") + 1]  # whole rows only
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0] + "\n", delimiters=",;\t") if text else csv.excel
        rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
        for row in rows[self._csv_rows:]:
            metrics = {}
            for key, value in row.items():
                if key and key != "epoch":
                    try:
                        metrics[key] = float(value)
                    except (TypeError, ValueError):
                        pass
            try:
                epoch = int(row["epoch"]) + 1  # CSVLogger counts epochs from 0
            except (TypeError, ValueError):
                self._note(update, f"{path.name} has a damaged row; it is skipped.")
                continue
            record = epoch_row(epoch, metrics)
            self.epochs.append(record)
            update.epochs.append(record)
            if not (self.batches and self._event_files()):  # no per-batch curve: the epoch's training figure draws it
                update.batches.append(BatchPoint(float(epoch), record.loss, record.accuracy))
        self._csv_rows = max(self._csv_rows, len(rows))

    def _event_files(self) -> list[Path]:
        train = self.path / "train"
        return sorted(p for p in (train.glob("events.out.tfevents.*") if train.is_dir() else ()) if p.is_file())

    def _read_events(self, update: RunUpdate) -> None:
        """Per-batch curves from Keras' TensorBoard callback (`update_freq="batch"` or a number), read with
        tensorboard's own event-file loader, which resumes where it stopped and waits out a half-written record."""
        files = self._event_files()
        if not files:
            return
        from model.runtime import import_tensorflow

        try:
            import_tensorflow()  # tensorboard reads records with TensorFlow's reader: imported once, quietly
            from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
            from tensorboard.util.tensor_util import make_ndarray
        except ImportError:
            self._note(update, "TensorBoard event files are here, but the tensorboard package is not installed: "
                               "the curves show one point per epoch.")
            return
        for path in files:
            loader = self._events.get(path)
            if loader is None:
                loader = self._events[path] = EventFileLoader(str(path))
            try:
                for event in loader.Load():
                    for value in event.summary.value:
                        if value.tag.startswith("batch_"):
                            self._tb_batch(update, int(event.step), value.tag[6:], float(make_ndarray(value.tensor)))
                        elif value.tag.startswith("epoch_") and self._tb_steps is None and event.step >= 0:
                            self._tb_steps = max(1, self._tb_last_step // (int(event.step) + 1))
                            self._flush_tb(update)
            except Exception as exc:  # a damaged record: tensorboard raises DataLossError and the like
                self._note(update, f"{path.name} could not be read further ({type(exc).__name__}); "
                                   "the per-batch curve stops there.")
                self._events[path] = _Exhausted()

    def _tb_batch(self, update: RunUpdate, step: int, name: str, value: float) -> None:
        self._tb_last_step = max(self._tb_last_step, step)
        self._pending_batches.append((step, name, value))
        if self._tb_steps is not None:
            self._flush_tb(update)

    def _flush_tb(self, update: RunUpdate) -> None:
        """Batches logged so far as points, once an epoch's end has told how many batches an epoch has."""
        steps = self._tb_steps
        for step, name, value in self._pending_batches:
            self._tb_batch_values.setdefault(step, {})[name] = value
        done = sorted(s for s, v in self._tb_batch_values.items() if "loss" in v and accuracy_key(v) is not None)
        for step in done:
            values = self._tb_batch_values.pop(step)
            epoch, batch = divmod(step - 1, steps)
            running_loss, running_accuracy = values["loss"], values[accuracy_key(values)]
            previous = self._previous_batch if self._previous_batch and self._previous_batch[0] == epoch else None
            own = ((batch_value(running_loss, previous[2], batch + 1, previous[1]),
                    batch_value(running_accuracy, previous[3], batch + 1, previous[1])) if previous
                   else (running_loss, running_accuracy))
            self._previous_batch = (epoch, batch + 1, running_loss, running_accuracy)
            update.batches.append(BatchPoint(epoch + (batch + 1) / steps, *own))
        self._pending_batches = []

    def _keras_files(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir()
                      if not p.name.startswith(".") and p.name.endswith((".keras", ".weights.h5")) and p.is_file())

    def _find_snapshots(self, update: RunUpdate) -> None:
        if self.kind == "recorder":
            folder = self.path / SNAPSHOT_DIR
            found = []
            for path in (folder.iterdir() if folder.is_dir() else ()):
                match = SNAPSHOT_PATTERN.fullmatch(path.name)
                if match and path not in self._seen:
                    epoch, batch = int(match[1]), int(match[2])
                    steps = self.info.get("steps_per_epoch") or self._batch_steps or max(batch, 1)
                    found.append(SnapshotFile(path, epoch, batch, steps, "arrays"))
        else:
            found = []
            files = self._keras_files()
            weights = [p for p in files if p.name.endswith(".weights.h5")]
            for path in weights or files:
                number = re.findall(r"\d+", path.name.split(".")[0])
                if number and path not in self._seen:  # ModelCheckpoint's {epoch} counts from 1
                    epoch = int(number[-1]) - 1
                    found.append(SnapshotFile(path, max(epoch, 0), 1, 1, "weights" if weights else "model"))
        found.sort(key=lambda s: (s.epoch, s.batch if s.batch < s.batches_per_epoch else math.inf))
        self._seen.update(s.path for s in found)
        update.snapshots.extend(found)

    def model_file(self) -> Path | None:
        """The file that holds the architecture for .weights.h5 snapshots: the recorder's model.keras, else the one
        .keras file without an epoch number in its name (or the only .keras file)."""
        if (self.path / MODEL_FILE).is_file():
            return self.path / MODEL_FILE
        models = [p for p in self._keras_files() if p.suffix == ".keras"]
        plain = [p for p in models if not re.search(r"\d", p.name.split(".")[0])]
        chosen = plain or models
        return chosen[0] if len(chosen) >= 1 else None

    def probe(self) -> np.ndarray | None:
        """The recorder's probe image as uint8 (H, W) or (H, W, C), or None."""
        try:
            probe = np.load(self.path / PROBE_FILE, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if probe.dtype != np.uint8:
            probe = np.asarray(probe, np.float32)
            probe = np.clip(probe * (255.0 if probe.max(initial=0) <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        return probe


class _Exhausted:
    """A damaged event file's loader: nothing more to read."""

    def Load(self):
        return iter(())


def recorder_for(run_dir: str | Path, data):
    """The recorder for one of this project's own runs (`train --run-dir`, the Train tab's "Record run to"): its
    probe is the first test (else training) image, as the Train tab's; the class names are the folder's or the digits."""
    from digit_lens.recorder import RunRecorder

    names = getattr(data, "class_names", None)
    images = data.x_test if len(data.x_test) else data.x_train
    return RunRecorder(run_dir, probe=images[0], class_names=list(names or (str(d) for d in range(10))),
                       data=str(data.source))


def load_architecture(path: Path):
    """The Keras model in `path`, loaded in Keras' safe mode (no code in the file runs)."""
    from model.nets.store import load_model

    return load_model(path)


def load_snapshot(snapshot: SnapshotFile, template) -> tuple[list[np.ndarray], object]:
    """The weights of `snapshot` and the model that holds them: a .keras file is loaded whole (safe mode); a
    .weights.h5 or the recorder's .npz goes into `template` (the run's model file, already loaded).
    Raises ModelFileError, ValueError or OSError for a file that is not (yet) whole."""
    if snapshot.form == "model":
        model = load_architecture(snapshot.path)
        return [np.array(w, dtype=np.float32) for w in model.get_weights()], model
    if template is None:
        raise ValueError("no model file in the folder to put these weights in")
    if snapshot.form == "weights":
        template.load_weights(snapshot.path)
        return [np.array(w, dtype=np.float32) for w in template.get_weights()], template
    try:
        with np.load(snapshot.path, allow_pickle=False) as arrays:
            weights = [np.array(arrays[f"arr_{i}"], dtype=np.float32) for i in range(len(arrays.files))]
    except (zipfile.BadZipFile, KeyError, EOFError, AttributeError) as exc:  # not an .npz archive, or a cut one
        raise ValueError(str(exc) or type(exc).__name__) from None
    expected = [tuple(w.shape) for w in template.weights]
    if [w.shape for w in weights] != expected:
        raise ValueError(f"its {len(weights)} arrays do not match the model's {len(expected)} weights")
    return weights, template


def fallback_probe(input_shape: tuple[int, ...]) -> np.ndarray:
    """A probe image for a run that recorded none: the app's made-up photo at the model's size (grey for one channel)."""
    from model.data.scene import demo_photo

    height, width = int(input_shape[0] or 64), int(input_shape[1] or 64)
    channels = int(input_shape[2]) if len(input_shape) > 2 else 1
    picture = demo_photo(width, height)
    return np.asarray(picture.convert("L") if channels == 1 else picture.convert("RGB"), np.uint8)


def _timestamp(text: str | None) -> float | None:
    if not text:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
