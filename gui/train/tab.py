"""The Train tab: train a model on MNIST or a folder of images on its own worker thread and watch it learn, live."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QProgressDialog,
                               QPushButton, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from gui.train.plots import REDRAW_MS, TrainingCurves
from gui.train.replay_view import ReplayPanel, scrolling
from gui.train.run import TrainOutcome, TrainRun
from gui.train.saving import ask_export_history, ask_save_model
from gui.train.settings import TrainSettings
from gui.train.views import ConfusionView, EpochTable, FiltersView
from gui.train.watch import RunWatch
from gui.worker import Job, Worker
from model.train.monitoring import batch_value, learning_notes, write_history_csv


class TrainTab(QWidget):
    """The Train tab. Emits `useModel(keras.Model, info)` and `showImage(uint8 array, true label)`."""

    useModel = Signal(object, dict)  # keras.Model, what a saved file would say of it (its test accuracy)
    showImage = Signal(object, int)
    runEnded = Signal()  # finished, stopped, diverged or failed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = Worker("training", self)  # every run is a job on it
        self._watch_worker = Worker("watch", self)  # reads a watched run folder and loads its snapshots
        self._watch: RunWatch | None = None
        self._job: Job | None = None
        self._run: TrainRun | None = None
        self._outcome: TrainOutcome | None = None
        self._history: list = []
        self._watch_notes: list[str] = []  # damaged files and the like in a watched folder
        self._watch_path: Path | None = None
        self._latest = None  # the newest BatchProgress, shown at the next tick
        self._reading = None  # a folder's ReadProgress while its pictures are first read (and cached)
        self._epochs = self._batches = 0
        self._noun = "digits"  # what the run trains on: "digits" or a folder's "images"
        self._started_at = 0.0
        self._download_job: Job | None = None

        self.settings = TrainSettings()
        self.start_button = QPushButton("Start", objectName="trainStart")
        self.pause_button = QPushButton("Pause", objectName="trainPause", enabled=False)
        self.stop_button = QPushButton("Stop", objectName="trainStop", enabled=False)
        self.stop_button.setToolTip("Finish the current batch and keep the model trained so far")
        self.progress = QProgressBar(objectName="trainProgress", maximum=100, value=0)
        self.counters = QLabel("Epoch -, batch -", objectName="trainCounters")
        self.status = QLabel("Choose settings and press Start.", objectName="trainStatus", wordWrap=True)
        self.test_accuracy = QLabel("Test accuracy: -", objectName="trainTestAccuracy", wordWrap=True)
        self.use_button = QPushButton("Use this model", objectName="trainUse", enabled=False)
        self.use_button.setToolTip("Make this model the one Draw & Inspect uses")
        self.save_button = QPushButton("Save model...", objectName="trainSave", enabled=False)
        self.export_button = QPushButton("Export CSV...", objectName="trainExport", enabled=False)
        self.note = QLabel(objectName="trainNote", wordWrap=True, visible=False)
        self.note.setStyleSheet("background: #fff4d6; border: 1px solid #e0c060; padding: 4px;")
        self.curves = TrainingCurves()
        self.epoch_table = EpochTable()
        self.filters = FiltersView()
        self.replay = ReplayPanel()
        self.replay.useModel.connect(self.useModel)
        self.confusion = ConfusionView()

        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.use_button.clicked.connect(
            lambda: self._outcome and self.useModel.emit(self._outcome.model, self._outcome.saved_info()))
        self.save_button.clicked.connect(lambda: ask_save_model(self))
        self.export_button.clicked.connect(lambda: ask_export_history(self))
        self.confusion.imageChosen.connect(self.showImage)
        self.settings.changed.connect(self._update_start)
        self._ticker = QTimer(self, interval=REDRAW_MS)
        self._ticker.timeout.connect(self._show_progress)
        self._build_layout()
        self._update_start()

    def _build_layout(self) -> None:
        controls = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(button)
        outputs = QHBoxLayout()
        for button in (self.use_button, self.save_button, self.export_button):
            outputs.addWidget(button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(self.settings)
        column.addLayout(controls)
        column.addWidget(self.progress)
        column.addWidget(self.counters)
        column.addWidget(self.status)
        column.addWidget(self.test_accuracy)
        column.addLayout(outputs)
        column.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        scroll.setWidget(left)
        scroll.setMinimumWidth(300)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        epochs = QWidget()
        epochs_layout = QVBoxLayout(epochs)
        epochs_layout.setContentsMargins(0, 0, 0, 0)
        epochs_layout.addWidget(self.epoch_table, 1)
        epochs_layout.addWidget(self.note)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.curves)
        self.watch = QTabWidget(objectName="trainWatch")
        self.watch.addTab(scrolling(self.filters), "Live")
        self.watch.addTab(scrolling(self.replay), "Replay")
        top.addWidget(_group("Watch it learn", self.watch))
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([600, 320])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(_group("Epochs", epochs))
        bottom.addWidget(_group("Test set", self.confusion))
        bottom.setSizes([490, 410])
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(bottom)
        right.setSizes([452, 268])
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(right, 1)

    @property
    def training(self) -> bool:
        return self._job is not None

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The latest run's class names (a folder's subfolders); None for digits."""
        return self._outcome.class_names if self._outcome else None

    @property
    def model(self):
        """The latest trained (or stopped) keras.Model, or None."""
        return self._outcome.model if self._outcome else None

    def start(self) -> None:
        """Start a run with the current settings (does nothing while one is running). A stock set not yet in
        Keras' cache is offered for download first; the run starts once it is there."""
        if self.training:
            return
        try:
            request = self.settings.request()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        from model.data.stock import is_cached

        if request.dataset and not is_cached(request.dataset):
            self._offer_download(request.dataset)
            return
        self.stop_watching()
        self._new_run()
        run = self._run = TrainRun(request)
        run.replayPlan.connect(self.replay.set_plan)
        run.weights.connect(self.replay.add_snapshot)
        run.started.connect(self._on_started)
        run.batchDone.connect(self._on_batch)
        run.epochDone.connect(self._on_epoch)
        run.snapshot.connect(self.filters.show_snapshot)
        run.status.connect(self.status.setText)
        run.reading.connect(self._on_reading)
        self._set_running(True)
        self._started_at = time.perf_counter()
        self._job = self._worker.submit(run.run, self._on_finished, self._on_failed)
        self._ticker.start()

    def _offer_download(self, name: str) -> None:
        """Ask before downloading a stock set (nothing is downloaded unless the user says yes)."""
        from model.data.stock import STOCK_SETS, datasets_dir

        stock = STOCK_SETS[name]
        box = QMessageBox(QMessageBox.Icon.Question, f"Download {stock.title}?",
                          f"{stock.title} is not on this computer.\n\nDownload it now ({stock.megabytes} MB, once, into "
                          f"Keras' cache at {datasets_dir()}) and then train?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("trainDownloadQuestion")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda: self._download(name))
        box.open()

    def _download(self, name: str) -> None:
        """Download a stock set on the training worker, with a progress dialog whose Cancel stops it."""
        from model.data.stock import STOCK_SETS, download

        title = STOCK_SETS[name].title
        dialog = QProgressDialog(f"Downloading {title}…", "Cancel", 0, 1000, self)
        dialog.setObjectName("trainDownloadProgress")
        dialog.setWindowTitle(f"Downloading {title}")
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.start_button.setEnabled(False)
        self.settings.setEnabled(False)
        self.status.setText(f"Downloading {title}…")

        def progress(value) -> None:
            done, total = value
            dialog.setValue(round(1000 * done / total) if total else 0)
            dialog.setLabelText(f"Downloading {title}: {done / 1e6:.1f} of {total / 1e6:.0f} MB")

        def finished(ok: bool, message: str = "") -> None:
            dialog.close()
            dialog.deleteLater()
            self._download_job = None
            self.settings.setEnabled(True)
            self.settings.update_source()  # says the set is in Keras' cache now
            if ok:
                self.status.setText(f"{title} downloaded.")
                self.start()
            else:
                self.status.setText(message or f"Download of {title} cancelled: nothing kept.")

        job = self._download_job = self._worker.submit(lambda job: download(name, job.report, job.check),
                                                       lambda _: finished(True), lambda m: finished(False, m), progress)

        def cancel() -> None:
            job.cancel()
            finished(False)

        dialog.canceled.connect(cancel)
        dialog.show()

    def _new_run(self) -> None:
        """Empty the views for a new run (trained here or watched); the curves keep earlier runs faded."""
        self._history, self._latest, self._watch_notes, self._reading = [], None, [], None
        self.epoch_table.set_history([])
        self.note.hide()
        self.progress.setValue(0)
        self.counters.setText("Epoch -, batch -")
        self.test_accuracy.setText("Test accuracy: -")
        self.curves.start_run()
        self.confusion.mark_stale()
        self.replay.start_run()

    @property
    def watching(self) -> Path | None:
        """The run folder being watched, or None."""
        return self._watch.path if self._watch is not None else None

    def watch_run(self, path: str | Path) -> None:
        """Follow the run folder `path` in these views (a run going elsewhere, finished, stopped or crashed)."""
        if self.training:
            self.status.setText("Training is running here: stop it before watching a run.")
            return
        self.stop_watching()
        self._new_run()
        self._watch_path, self._epochs = Path(path), 0
        self.status.setText(f"Watching {self._watch_path}...")
        self.counters.setText("Epoch -")
        watch = self._watch = RunWatch(path, self._watch_worker, self)
        watch.batches.connect(self._on_watched_batches)
        watch.info.connect(lambda info: setattr(self, "_epochs", int(info.get("epochs") or 0)))
        watch.epochs.connect(self._on_watched_epochs)
        watch.described.connect(lambda text: self.status.setText(f"Watching {self._watch_path}: {text}"))
        watch.noted.connect(self._on_watch_note)
        watch.plan.connect(self.replay.set_plan)
        watch.weights.connect(self._on_watched_weights)
        watch.frame.connect(self.filters.show_snapshot)
        watch.ended.connect(lambda status: self.counters.setText(f"{self.counters.text()} (run {status})"))
        self.stop_button.setText("Stop watching")
        self.stop_button.setEnabled(True)
        watch.start()

    def stop_watching(self) -> None:
        """Stop following the watched folder; the views keep what they show."""
        if self._watch is not None:
            self._watch.stop()
            self._watch.deleteLater()
            self._watch = None
            self.stop_button.setText("Stop")
            self.stop_button.setEnabled(False)

    def _on_watched_batches(self, points: list) -> None:
        for point in points:
            self.curves.add_batch(point.fractional_epoch, point.loss, point.accuracy)
        self.counters.setText(f"Epoch {points[-1].fractional_epoch:.2f}")

    def _on_watched_epochs(self, rows: list) -> None:
        for row in rows:
            self._on_epoch(row)
        if self._epochs:  # the recorder says how many epochs the run has
            self.progress.setValue(min(100, round(100 * len(self._history) / self._epochs)))

    def _on_watched_weights(self, snapshot) -> None:
        self.replay.add_snapshot(snapshot)
        count = len(self.replay.snapshots)
        self.replay.note.setText(f"{count} snapshot{'s' * (count != 1)} read from {self._watch_path.name}.")

    def _on_watch_note(self, text: str) -> None:
        self._watch_notes.append(text)
        self._show_notes()

    def stop(self) -> None:
        """Finish the current batch and keep the model as trained so far (or stop watching a run)."""
        if self._watch is not None:
            self.stop_watching()
            return
        if self._run is not None:
            self.status.setText("Stopping after this batch...")
            self.stop_button.setEnabled(False)
            self.pause_button.setEnabled(False)
            self._run.control.stop()

    def shutdown(self) -> bool:
        """Stop any training after its current batch and end the worker (the window is closing)."""
        self._ticker.stop()
        if self._job is not None:
            self._job.cancel()  # no evaluation, no result
            self._run.control.stop()
        self.stop_watching()
        self.replay.shutdown()
        self._watch_worker.shutdown()
        return self._worker.shutdown()

    def save_model(self, path: str) -> None:
        """Write the trained model to `path` (.keras) atomically."""
        from model.nets.store import save_model_atomic

        saved = save_model_atomic(self._outcome.model, path, info=self._outcome.saved_info())
        self.status.setText(f"Saved the model to {saved}.")

    def export_history(self, path: str) -> None:
        """Write the epoch history to `path` as CSV."""
        written = write_history_csv(self._history, path)
        self.status.setText(f"Wrote the history to {written}.")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.settings.source_problem() is None)
        self.settings.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.stop_button.setEnabled(running)
        for button in (self.use_button, self.save_button):
            button.setEnabled(not running and self._outcome is not None)
        self.export_button.setEnabled(not running and bool(self._history))

    def _update_start(self) -> None:
        self.start_button.setEnabled(not self.training and self.settings.source_problem() is None)

    def _toggle_pause(self) -> None:
        if self._run is None:
            return
        if self.pause_button.text() == "Pause":
            self._run.control.pause()
            self.pause_button.setText("Resume")
            self.status.setText("Paused after this batch. Resume to go on.")
        else:
            self._run.control.resume()
            self.pause_button.setText("Pause")
            self.status.setText("Training resumed.")

    def _on_started(self, epochs: int, batches: int, digits: int) -> None:
        self._epochs, self._batches = epochs, batches
        request = self._run.request if self._run is not None else None
        self._noun = "images" if request is not None and (request.folder or request.dataset) else "digits"
        self.status.setText(f"Training on {digits:,} {self._noun}: {epochs} epochs of {batches} batches.")

    def _on_batch(self, progress) -> None:
        previous, self._latest = self._latest, progress
        if previous is None or previous.epoch != progress.epoch:
            previous = None
        since = previous.batch if previous else 0
        self.curves.add_batch(progress.fractional_epoch,
                              batch_value(progress.loss, previous.loss if previous else 0.0, progress.batch, since),
                              batch_value(progress.accuracy, previous.accuracy if previous else 0.0, progress.batch, since))

    def _on_epoch(self, result) -> None:
        self._history.append(result)
        self.curves.add_epoch(result.epoch, result.val_loss, result.val_accuracy)
        self.epoch_table.set_history(self._history)
        self._show_notes()

    def _show_notes(self) -> None:
        notes = learning_notes(self._history) + self._watch_notes
        self.note.setText("\n\n".join(notes))
        self.note.setVisible(bool(notes))

    def _on_reading(self, reading) -> None:
        self._reading = reading
        self.progress.setFormat("Reading %p%")
        self.progress.setValue(0)

    def _show_reading(self) -> bool:
        """While a folder's pictures are first read: the bar and status show the reading; False once it is done."""
        reading = self._reading
        if reading is None:
            return False
        if reading.finished or self._history:
            self._reading = None
            self.progress.setFormat("%p%")
            return False
        self.progress.setValue(round(100 * reading.done / max(reading.total, 1)))
        control = self._run.control if self._run is not None else None
        if control is not None and not control.paused and not control.stop_requested:
            self.status.setText(f"Reading and caching the pictures: {reading.line()}; later epochs read the cache. "
                                "Stop ends the run after this batch.")
        return True

    def _show_progress(self) -> None:
        reading = self._show_reading()
        progress = self._latest
        if progress is None or not self._batches:
            return
        done = progress.epoch * self._batches + progress.batch
        total = self._epochs * self._batches
        if not reading:
            self.progress.setValue(round(100 * done / total))
        remaining = (total - done) * self.settings.batch_size.value() / max(progress.samples_per_second, 1e-9)
        minutes, seconds = divmod(int(remaining), 60)
        self.counters.setText(f"Epoch {progress.epoch + 1}/{self._epochs}, batch {progress.batch}/{self._batches}\n"
                              f"{progress.samples_per_second:,.0f} {self._noun}/s, "
                              f"ETA {minutes}:{seconds:02d}")

    def _on_finished(self, outcome: TrainOutcome) -> None:
        self._show_progress()
        self.curves.redraw()
        if outcome.result.diverged:  # weights full of NaN: keep the previous model
            kept = " The previous model is kept." if self._outcome is not None else ""
            self.status.setText(f"{outcome.result.message}{kept}")
            self._ended()
            return
        self._outcome = outcome
        elapsed = time.perf_counter() - self._started_at
        if outcome.result.stopped:
            self.status.setText(outcome.result.message)
        else:
            self.progress.setValue(100)
            self.status.setText(f"Finished {len(outcome.result.history)} epochs in {elapsed:.0f} s.")
        if outcome.notes:
            self.status.setText(self.status.text() + " " + " ".join(outcome.notes))
        if outcome.test_accuracy is not None:
            self.test_accuracy.setText(f"{'Held-out' if outcome.class_names and not outcome.dataset else 'Test'} accuracy: "
                                       f"<b>{outcome.test_accuracy:.2%}</b> on {outcome.test_set}")
            self.confusion.set_results(outcome.confusion, outcome.test_images, outcome.test_labels, outcome.predicted,
                                       outcome.class_names)
        elif outcome.class_names:
            self.test_accuracy.setText("Accuracy not measured: no images held out (validation 0 %).")
        self._ended()

    def _on_failed(self, message: str) -> None:
        self.status.setText(f"Training failed: {message}")
        self.curves.redraw()
        self._ended()

    def _ended(self) -> None:
        self._ticker.stop()
        self._reading = None
        self.progress.setFormat("%p%")
        self._job = self._run = None
        self._set_running(False)
        self.runEnded.emit()


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(widget)
    return box
