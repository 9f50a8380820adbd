"""Following a run folder from the Train tab: a file-system watcher plus polling (network folders), each read on
the tab's watch worker (model/train/run_folder.py), what is new handed to the tab as signals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from gui.worker import Job, Worker

POLL_MS = 1000  # polling for folders whose changes the file-system watcher does not hear of (network mounts)


class RunWatch(QObject):
    """Follows one run folder until `stop()`. What arrives: batch points, epoch rows, the replay's plan and
    snapshots, the newest snapshot's frame for the live filters, and sentences for the status line."""

    batches = Signal(list)  # model.train.run_folder.BatchPoint
    epochs = Signal(list)  # EpochRow
    described = Signal(str)  # one sentence on the folder (what it is, how the run stands)
    noted = Signal(str)  # a damaged file, a snapshot left out: one sentence each
    plan = Signal(object, object)  # model.train.replay.ReplayPlan, the probe image (uint8)
    weights = Signal(object)  # model.train.replay.WeightSnapshot
    frame = Signal(object)  # model.train.replay.ReplayFrame of the newest snapshot
    info = Signal(dict)  # the recorder's run.json, when it changes
    ended = Signal(str)  # the recorder's end status: finished, stopped, diverged, failed

    def __init__(self, path: str | Path, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self._worker = worker
        self._job: Job | None = None
        self._again = False
        self._stopped = False
        self._folder = None
        self._model = None  # (keras model holding the architecture, model_json), on the worker only
        self._replayer = None
        self._probe = None
        self._budget_used = 0
        self._full = False  # the replay's budget is spent: later snapshots are not loaded
        self._ended = None
        self._described = ""
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self.poll)
        self._watcher.fileChanged.connect(self.poll)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        self._watcher.removePaths(self._watcher.files() + self._watcher.directories())
        if self._job is not None:
            self._job.cancel()

    def poll(self) -> None:
        """Read what is new (on the worker); a change heard while a read runs reads again after it."""
        if self._stopped:
            return
        if self._job is not None:
            self._again = True
            return
        self._again = False
        self._job = self._worker.submit(self._read, self._read_done, self._read_failed, self._arrived)

    # -- on the worker ---------------------------------------------------------------------------

    def _read(self, job: Job) -> list[str]:
        from model.train.run_folder import NotARun, RunFolder

        if self._folder is None:
            try:
                self._folder = RunFolder(self.path)
            except NotARun as exc:
                described = f"Not a run folder: {exc}"
                if described != self._described:
                    self._described = described
                    job.report(("described", described))
                return []
        folder = self._folder
        update = folder.poll()
        job.report(("update", update))
        described = folder.describe()
        if described != self._described:
            self._described = described
            job.report(("described", described))
        newest = None
        for snapshot in update.snapshots:
            job.check()
            if self._full:
                break
            loaded = self._load(job, folder, snapshot)
            if loaded is not None:
                newest = loaded
        if newest is not None:
            job.report(("frame", self._replayer.frame(newest, None)))
        if folder.ended and not self._ended:
            self._ended = folder.ended
            job.report(("ended", folder.ended))
        return [str(p) for p in (folder.path, folder.path / "snapshots", folder.path / "train") if p.is_dir()]

    def _load(self, job: Job, folder, snapshot):
        """The snapshot's weights as a WeightSnapshot (the first one also sets the replay's plan); None if it is
        not ready yet, damaged, or over the budget."""
        from model.runtime import import_tensorflow

        import_tensorflow()  # once for the process, its start-up log filtered (a no-op once imported)
        from model.nets.store import ModelFileError
        from model.train.replay import BUDGET_BYTES, ReplayPlan, Replayer, WeightSnapshot
        from model.train.run_folder import fallback_probe, load_architecture, load_snapshot

        try:
            if self._model is None and snapshot.form != "model":
                model_file = folder.model_file()
                if model_file is None:
                    raise ValueError("no model file in the folder to put these weights in")
                template = load_architecture(model_file)
                self._model = (template, template.to_json())
            weights, model = load_snapshot(snapshot, self._model[0] if self._model else None)
        except (ModelFileError, ValueError, OSError) as exc:
            note = folder.snapshot_failed(snapshot, str(exc))
            if note:
                job.report(("noted", note))
            return None
        if self._model is None:
            self._model = (model, model.to_json())  # loaded in safe mode: its architecture runs no code
        size = 4 * sum(int(np.prod(w.shape)) for w in weights)
        if self._budget_used + size > BUDGET_BYTES:
            if not self._full:
                self._full = True
                job.report(("noted", f"{snapshot.path.name} and later snapshots are not shown: the replay keeps at "
                                     f"most {BUDGET_BYTES // 2 ** 20} MB of weights."))
            return None
        first = self._replayer is None
        if first:
            probe = folder.probe()
            if probe is None:
                probe = _digit_probe(self._model[0])
            if probe is None:
                probe = fallback_probe(tuple(self._model[0].inputs[0].shape[1:]))
            self._probe = probe
            self._replayer = Replayer(self._model[1], probe)
            job.report(("plan", (ReplayPlan(self._model[1], size, 1, BUDGET_BYTES), probe)))
        self._budget_used += size
        result = WeightSnapshot(snapshot.epoch, snapshot.batch, snapshot.batches_per_epoch, weights)
        job.report(("weights", result))
        return result

    # -- on the GUI thread -----------------------------------------------------------------------

    def _arrived(self, item) -> None:
        if self._stopped:
            return
        kind, value = item
        if kind == "update":
            if value.batches:
                self.batches.emit(value.batches)
            if value.info is not None:
                self.info.emit(value.info)
            if value.epochs:
                self.epochs.emit(value.epochs)
            for note in value.notes:
                self.noted.emit(note)
        elif kind == "plan":
            self.plan.emit(*value)
        else:
            getattr(self, kind).emit(value)

    def _read_done(self, paths: list[str]) -> None:
        self._job = None
        if self._stopped:
            return
        missing = [p for p in paths if p not in self._watcher.directories()]
        if missing:
            self._watcher.addPaths(missing)
        if self._again:
            self.poll()

    def _read_failed(self, message: str) -> None:
        self._job = None
        if message and not self._stopped:
            self.noted.emit(f"Could not read the run folder: {message}. The views keep what they had.")


def _digit_probe(model) -> np.ndarray | None:
    """For a 28x28 grey model: the Train tab's probe digit, from the local MNIST copy when there is one."""
    import os

    from model.data.mnist import ENV_VAR

    if tuple(model.inputs[0].shape[1:]) not in ((28, 28, 1), (28, 28)) or not os.environ.get(ENV_VAR):
        return None
    try:
        from model.data.mnist import load_mnist

        return load_mnist().x_test[0]
    except Exception:  # no readable local copy: the made-up picture instead
        return None
