"""One training run as a job on the Train tab's worker thread; its Keras callbacks only emit signals."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from model.runtime import import_tensorflow
from model.train.control import TrainingControl
from model.train.records import TrainConfig, TrainResult

SNAPSHOT_SECONDS = 2.0  # filters and feature maps refresh at most this often within an epoch
PROBE_INDEX = 0  # the first test digit is the probe (a 7 in MNIST)


@dataclass(frozen=True)
class TrainRequest:
    """Everything the tab's settings decide for one run."""

    architecture: str
    config: TrainConfig
    data_path: str | None  # None: Keras' download
    train_limit: int | None = None  # the first N training digits; None: all
    tensorboard_dir: str | None = None
    run_dir: str | None = None  # record the run into a new folder here, as digit_lens.recorder does
    folder: str | None = None  # a folder of the user's images, one subfolder per class, instead of MNIST
    image_shape: tuple[int, int, int] = (64, 64, 3)  # the folder's (or stock set's) images at this size
    dataset: str | None = None  # a stock set from Keras' cache ("fashion_mnist", "cifar10") instead of MNIST
    devices: str = "all"  # model.train.devices.strategy_for's choice: all, cpu or a number of devices


@dataclass(frozen=True)
class Snapshot:
    """What the model's first layer looks like now: its weights and the probe digit's maps."""

    layer: str
    filters: np.ndarray  # (n, h, w): each filter, or each dense unit's weights over the image
    maps_layer: str | None
    maps: np.ndarray | None  # (H, W, C) feature maps of the probe digit
    fractional_epoch: float


@dataclass
class TrainOutcome:
    """A finished (or stopped) run: the model, its history and its test-set results."""

    model: Any  # keras.Model
    result: TrainResult
    test_accuracy: float | None = None
    confusion: np.ndarray | None = None
    predicted: np.ndarray | None = None
    test_images: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    class_names: tuple[str, ...] | None = None  # a folder's or stock set's classes; None: the ten digits
    test_set: str = ""  # what the accuracy was measured on, e.g. "the 6 held-out images of pets"
    dataset: str | None = None  # the stock set it trained on
    novelty_note: str = ""  # how its index of training pictures was kept (or why not)

    def saved_info(self) -> dict:
        """What a saved model file carries beside the weights: its test accuracy when it was measured, and for a
        folder's or stock set's model its class names and photo preprocessing (and the stock set's name)."""
        info = {"class_names": list(self.class_names), "preprocessing": "photo"} if self.class_names else {}
        if self.dataset:
            info["dataset"] = self.dataset
        if self.test_accuracy is None:
            return info
        return {**info, "test_accuracy": self.test_accuracy, "test_digits": len(self.test_labels),
                "test_set": self.test_set}


class TrainRun(QObject):
    """Loads data, builds and trains the model, evaluates it: `run(job)` is the job on the training worker.
    The signals cross to the GUI thread; the result (a TrainOutcome) comes back through the job."""

    started = Signal(int, int, int)  # epochs, batches per epoch, training digits
    batchDone = Signal(object)  # BatchProgress
    epochDone = Signal(object)  # EpochResult
    snapshot = Signal(object)  # Snapshot
    replayPlan = Signal(object, object)  # model.train.replay.ReplayPlan, the probe digit (uint8 28x28)
    weights = Signal(object)  # model.train.replay.WeightSnapshot, for the replay
    reading = Signal(object)  # a folder's model.data.image_folder.ReadProgress, read by the tab's timer
    status = Signal(str)

    def __init__(self, request: TrainRequest) -> None:
        super().__init__()
        self.request = request
        self.control = TrainingControl()  # obeyed from the first batch, even if pressed while loading

    def run(self, job) -> TrainOutcome:
        """Train; a cancelled job (the window is closing) stops after the current batch and skips evaluation."""
        data = self._load_data()
        try:
            return self._train(job, data)
        finally:
            getattr(data, "close", lambda: None)()  # a folder's on-disk cache, if it needed one

    def _train(self, job, data) -> TrainOutcome:
        request = self.request
        names = getattr(data, "class_names", None)
        streamed = hasattr(data, "training_dataset")  # a folder: its files are read during the first epoch
        if not streamed:
            data.split(request.config.validation_split)  # a split that leaves either side empty says so now
        job.check()
        self.status.emit("Building the model (TensorFlow starts up once)...")
        import_tensorflow()
        import keras

        from model.nets.architectures import build_for
        from model.inspect.inspection import Inspector
        from model.train.devices import describe, strategy_for
        from model.train.replay import SnapshotRecorder
        from model.train.training import train

        config = request.config
        strategy = strategy_for(request.devices)
        with strategy.scope():
            model = build_for(request.architecture, data)
        probe_image = data.probe_image() if streamed else data.x_test[PROBE_INDEX]
        probe = SnapshotTaker(model, Inspector(model, use_numpy=False), probe_image)
        n_train = data.n_train if streamed else len(data.split(config.validation_split)[0][0])
        batches = -(-n_train // config.batch_size)
        recorder = SnapshotRecorder(config.epochs, batches, lambda plan: self.replayPlan.emit(plan, probe_image),
                                    self.weights.emit)
        callbacks: list[keras.callbacks.Callback] = [probe.callback(self.snapshot.emit), recorder]
        if request.tensorboard_dir:
            run_dir = Path(request.tensorboard_dir) / f"{request.architecture}-{datetime.now():%Y%m%d-%H%M%S}"
            callbacks.append(keras.callbacks.TensorBoard(str(run_dir)))
        if request.run_dir:
            from model.train.run_folder import recorder_for

            callbacks.append(recorder_for(Path(request.run_dir) / f"{request.architecture}-{datetime.now():%Y%m%d-%H%M%S}",
                                          data))
        self.snapshot.emit(probe.take(0.0))
        self.started.emit(config.epochs, batches, n_train)
        if streamed:
            self.reading.emit(data.progress)
        self.status.emit(f"Training on {describe(strategy, config.batch_size)}.")
        result = train(model, data, config, on_batch=self.batchDone.emit, on_epoch=self.epochDone.emit,
                       control=self.control, extra_callbacks=callbacks)
        outcome = TrainOutcome(model, result)
        outcome.class_names = names
        outcome.dataset = request.dataset
        job.check()
        if not result.diverged and len(data.x_test):
            self.status.emit("Measuring accuracy on the held-out images..." if names else
                             "Measuring accuracy on the test set...")
            from model.train.training import confusion_matrix, evaluate

            outcome.test_accuracy, outcome.predicted = evaluate(model, data.x_test, data.y_test,
                                                                batch_size=min(500, config.batch_size * 4))
            outcome.confusion = confusion_matrix(data.y_test, outcome.predicted, len(names or range(10)))
            outcome.test_images, outcome.test_labels = data.x_test, data.y_test
            outcome.test_set = (data.test_set() if request.dataset else
                                f"the {len(data.x_test):,} held-out images of {Path(data.source).name}" if names
                                else f"the {len(data.x_test):,} MNIST test digits")
        if getattr(data, "skipped", ()):
            outcome.notes.append(data.skipped_note() + ".")
        if names and not result.diverged and result.history:
            self.status.emit("Indexing the training pictures for 'how unlike the training data'...")
            outcome.notes.append(_keep_index(model, data, config.validation_split))
        return outcome

    def _load_data(self):
        """MNIST (all or its first N digits), a stock set from Keras' cache, or the request's image folder
        (FolderError and DataError say what is wrong)."""
        from model.train.devices import split_cpu_from_env

        split_cpu_from_env()  # before TensorFlow first sets up its devices, where this run is the first to use them
        request = self.request
        if request.dataset:
            from model.data.stock import STOCK_SETS, load_stock

            self.status.emit(f"Loading {STOCK_SETS[request.dataset].title}...")
            height, _, channels = request.image_shape
            data = load_stock(request.dataset, height, channels)
            return data.subset(request.train_limit) if request.train_limit else data
        if request.folder:
            from model.data.image_folder import open_image_folder

            self.status.emit(f"Listing the pictures in {Path(request.folder).name}...")
            height, _, channels = request.image_shape
            return open_image_folder(request.folder, height, channels, request.config.validation_split,
                                     request.config.seed)
        self.status.emit("Loading MNIST...")
        from model.data.mnist import load_mnist

        data = load_mnist(request.data_path)
        return data.subset(request.train_limit) if request.train_limit else data


def _keep_index(model, data, validation_split: float) -> str:
    """Build and keep the index of the training pictures "how unlike the training data" compares with; a note."""
    from model.inspect.novelty import NoveltyUnavailable, index_training_data, save_data_index

    try:
        index = index_training_data(model, data, validation_split)
    except NoveltyUnavailable as exc:
        return str(exc)
    kept = save_data_index(model, index) is not None
    return (f"{len(index):,} {index.title} indexed for 'how unlike'{'' if kept else ' (not kept: the cache is read-only)'}.")


class SnapshotTaker:
    """Reads the first layer's weights and the probe digit's feature maps, in the training thread."""

    def __init__(self, model, inspector, probe_image: np.ndarray) -> None:
        from model.data.mnist import to_model_input
        from model.train.monitoring import first_feature_maps_layer

        self.model = model
        self.inspector = inspector
        self.probe = to_model_input(probe_image[np.newaxis])[0]
        self.maps_layer = first_feature_maps_layer(model)

    def take(self, fractional_epoch: float) -> Snapshot:
        from model.train.monitoring import first_layer_weights

        layer, weights = first_layer_weights(self.model) or ("", np.zeros((1, 1, 1)))
        maps = None
        if self.maps_layer is not None:
            inspection = self.inspector.inspect(self.probe)
            maps = next(o.values for o in inspection.layers if o.stage.name == self.maps_layer)
        return Snapshot(layer, weights, self.maps_layer, maps, fractional_epoch)

    def callback(self, emit):
        """A Keras callback that emits a snapshot at every epoch end and every SNAPSHOT_SECONDS within one."""
        import keras

        taker = self

        class _SnapshotCallback(keras.callbacks.Callback):
            # Runs in the training loop (not async_safe), so it reads weights between updates, never during one.

            def __init__(self) -> None:
                super().__init__()
                self._last = time.perf_counter()
                self._epoch = 0

            def on_epoch_begin(self, epoch: int, logs=None) -> None:
                self._epoch = epoch

            def on_train_batch_end(self, batch: int, logs=None) -> None:
                now = time.perf_counter()
                if now - self._last >= SNAPSHOT_SECONDS:
                    self._last = now
                    batches = self.params.get("steps") or batch + 1
                    emit(taker.take(self._epoch + (batch + 1) / batches))

            def on_epoch_end(self, epoch: int, logs=None) -> None:
                self._last = time.perf_counter()
                emit(taker.take(epoch + 1.0))

        return _SnapshotCallback()
