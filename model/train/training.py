"""Training with Adam on MNIST or a folder of images, reporting progress as plain Python and stoppable between batches."""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from model.train.augment import augment_batch
from model.train.control import TrainingControl
from model.train.records import BatchProgress, EpochResult, TrainConfig, TrainResult
from model.data.mnist import Mnist, to_model_input
from model.data.tf_pipeline import PARALLEL_CALLS, PREFETCH, untuned
from model.spec import ModelSpec


class ControlCallback(keras.callbacks.Callback):
    """Obeys a TrainingControl before each batch: waits while paused, ends training when asked to stop."""

    def __init__(self, control: TrainingControl, result: TrainResult) -> None:
        super().__init__()
        self.control = control
        self.result = result
        self.paused_seconds = 0.0  # in all; ProgressCallback subtracts it from its rates
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        if self.control.paused:
            paused_at = time.perf_counter()
            self.control.wait_while_paused()
            self.paused_seconds += time.perf_counter() - paused_at
        if self.control.stop_requested and not self.result.stopped:
            self.model.stop_training = True
            self.result.stopped = True
            self.result.message = (f"Stopped by request during epoch {self._epoch + 1}; "
                                   "the model keeps what it learned so far.")


class ProgressCallback(keras.callbacks.Callback):
    """Turns Keras logs into floats and hands them to plain functions; notes where the loss diverged.

    On Keras 3.6 and later, batch reports run on Keras' callback threads (`async_safe`) unless another
    callback needs the loop (TensorBoard does), so the training loop rarely waits for them; reports that
    arrive after a newer one are dropped.
    """

    async_safe = True

    def __init__(self, batches_per_epoch: int, batch_size: int,
                 on_batch: Callable[[BatchProgress], None] | None = None,
                 on_epoch: Callable[[EpochResult], None] | None = None,
                 result: TrainResult | None = None, paused_seconds: Callable[[], float] = lambda: 0.0) -> None:
        super().__init__()
        self.batches_per_epoch = batches_per_epoch
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.on_epoch = on_epoch
        self.result = result or TrainResult()
        self.paused_seconds = paused_seconds  # time spent paused so far, not counted in rates
        self._lock = threading.Lock()
        self._epoch = 0
        self._last_reported = self._highest = -1
        self._epoch_start = 0.0
        self._paused_before = 0.0

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch = epoch
        self._last_reported = self._highest = -1
        self._epoch_start = time.perf_counter()
        self._paused_before = self.paused_seconds()

    def _elapsed(self) -> float:
        return time.perf_counter() - self._epoch_start - (self.paused_seconds() - self._paused_before)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        logs = logs or {}
        loss = float(logs.get("loss", math.nan))
        if not math.isfinite(loss):  # TerminateOnNaN ends the run; say where and why
            with self._lock:
                if not self.result.diverged:
                    self.result.stopped = self.result.diverged = True
                    self.result.message = (f"Training diverged at epoch {self._epoch + 1}, batch {batch + 1} "
                                           f"(the loss became {loss}); try a smaller learning rate.")
            return
        with self._lock:
            self._highest = max(self._highest, batch)
            if batch <= self._last_reported:
                return
            self._last_reported = batch
            elapsed = self._elapsed()
            if self.on_batch is not None:
                self.on_batch(BatchProgress(
                    epoch=self._epoch, batch=batch + 1, batches_per_epoch=self.batches_per_epoch,
                    loss=loss, accuracy=float(logs.get("accuracy", math.nan)),
                    samples_per_second=(batch + 1) * self.batch_size / max(elapsed, 1e-9)))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        if not self.model.stop_training and self._highest >= 0:  # ran to the data's end: now the count is known
            self.batches_per_epoch = self._highest + 1  # (a folder's unreadable files make fewer than estimated)
        result = EpochResult(
            epoch=epoch + 1, loss=float(logs.get("loss", math.nan)),
            accuracy=float(logs.get("accuracy", math.nan)),
            val_loss=float(logs.get("val_loss", math.nan)),
            val_accuracy=float(logs.get("val_accuracy", math.nan)),
            seconds=self._elapsed(),
            complete=self._highest + 1 >= self.batches_per_epoch)
        self.result.history.append(result)
        if self.on_epoch is not None:
            self.on_epoch(result)


def compile_model(model: keras.Model, learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 1e-3) -> None:
    """Adam, accuracy, and sparse categorical cross-entropy (binary cross-entropy for one sigmoid unit)."""
    loss = "binary_crossentropy" if is_binary(model) else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])


def is_binary(model: keras.Model) -> bool:
    """One output unit: two classes, label 1 when the unit says so."""
    return tuple(model.outputs[0].shape[1:]) == (1,)


def as_targets(labels: np.ndarray, binary: bool) -> np.ndarray:
    """Class indices as the loss takes them: int32, or float32 (N, 1) for one sigmoid unit."""
    return labels.astype(np.float32).reshape(-1, 1) if binary else labels.astype(np.int32)


def training_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int,
                     augment: bool, seed: int = 0, binary: bool = False) -> tf.data.Dataset:
    """Shuffled, batched (and optionally augmented) tf.data pipeline of uint8 MNIST digits (N, 28, 28) or
    pictures (N, H, W, C)."""
    ds = tf.data.Dataset.from_tensor_slices((images, as_targets(labels, binary)))
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    ds = ds.map(lambda x, y: (tf.cast(x if images.ndim == 4 else x[..., tf.newaxis], tf.float32) / 255.0, y))
    if augment:
        ds = ds.map(lambda x, y: (augment_batch(x), y), num_parallel_calls=PARALLEL_CALLS)
    return untuned(ds.prefetch(PREFETCH))


def train(model: keras.Model, data: Mnist, config: TrainConfig,
          on_batch: Callable[[BatchProgress], None] | None = None,
          on_epoch: Callable[[EpochResult], None] | None = None,
          control: TrainingControl | None = None,
          extra_callbacks: list[keras.callbacks.Callback] | None = None) -> TrainResult:
    """Train `model` in place on `data` (MNIST, or a model.data.image_folder.ImageFolder streamed from its files);
    progress goes to the two functions as plain floats. The model trains on the devices of the tf.distribute strategy
    it was built under (`model.train.devices.strategy_for`); `config.batch_size` is the global batch."""
    if config.epochs < 1 or config.batch_size < 1 or not config.learning_rate > 0:
        raise ValueError("epochs and batch size must be at least 1 and the learning rate positive")
    keras.utils.set_random_seed(config.seed)
    binary = is_binary(model)
    if hasattr(data, "training_dataset"):  # a folder: decoded in parallel during the first epoch, then cached
        n_train = data.n_train
        dataset = data.training_dataset(config.batch_size, binary, config.seed)
        validation = data.validation_dataset(config.batch_size, binary)
    else:
        (x_train, y_train), (x_val, y_val) = data.split(config.validation_split)
        if config.styles:
            x_train, y_train = with_style_digits(x_train, y_train, config.styles, config.seed)
        if config.scans:
            x_train, y_train = with_scanned_digits(x_train, y_train, config.scans, config.seed)
        if config.unipen or config.usps:
            x_train, y_train = with_real_writers(x_train, y_train, config.unipen, config.unipen_copies, config.usps,
                                                 config.seed)
        n_train = len(x_train)
        dataset = training_dataset(x_train, y_train, config.batch_size, config.augment, config.seed, binary)
        validation = (to_model_input(x_val), as_targets(y_val, binary)) if len(x_val) else None
    batches = math.ceil(n_train / config.batch_size)
    learning_rate = config.learning_rate
    if config.cosine_decay:
        learning_rate = keras.optimizers.schedules.CosineDecay(config.learning_rate, batches * config.epochs, alpha=0.02)
    with model.distribute_strategy.scope():  # the optimizer's variables live where the model's do
        compile_model(model, learning_rate)
    result = TrainResult()
    controller = ControlCallback(control or TrainingControl(), result)
    progress = ProgressCallback(batches, config.batch_size, on_batch, on_epoch, result,
                                lambda: controller.paused_seconds)
    with warnings.catch_warnings():  # a folder's batches are counted in the first epoch: Keras warns when they end
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        model.fit(dataset, epochs=config.epochs, validation_data=validation, shuffle=False, verbose=0,
                  callbacks=[controller, progress, keras.callbacks.TerminateOnNaN(),
                             *([keras.callbacks.CSVLogger(config.csv_log)] if config.csv_log else []),
                             *(extra_callbacks or [])])
    return result


def with_style_digits(images: np.ndarray, labels: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training digits plus `count` handwriting-style digits, made now on every core."""
    from model.data.handwriting import style_digits

    styled, styled_labels = style_digits(count, seed=seed, workers=os.cpu_count() or 1)
    return np.concatenate([images, styled]), np.concatenate([labels, styled_labels.astype(labels.dtype)])


def with_scanned_digits(images: np.ndarray, labels: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training digits plus `count` scanned ones (model/data/scans.py), made on every core: half of them training
    digits picked at random, half style digits written with a form-filler's pen."""
    from model.data.scans import scanned_digits, scanned_style_digits

    workers = os.cpu_count() or 1
    scanned, scanned_labels = scanned_digits(images, labels, count // 2, seed=seed, workers=workers)
    written, written_labels = scanned_style_digits(count - count // 2, seed=seed, workers=workers)
    return (np.concatenate([images, scanned, written]),
            np.concatenate([labels, scanned_labels, written_labels.astype(labels.dtype)]))


def with_real_writers(images: np.ndarray, labels: np.ndarray, unipen: str | None, copies: int, usps: str | None,
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training digits plus UNIPEN's training writers (never its held-out ones, model/data/unipen.py), each
    trajectory drawn `copies` times as the canvas draws, and USPS's training digits as pages, made on every core."""
    from model.data.pen_canvas import pen_digit_inputs
    from model.data.unipen import load_unipen
    from model.data.usps import load_usps, usps_inputs

    workers = os.cpu_count() or 1
    parts, part_labels = [images], [labels]
    if unipen and copies > 0:
        writers, _ = load_unipen(unipen).split()
        parts.append(pen_digit_inputs([writers.strokes(i) for i in range(len(writers))], copies, seed, workers))
        part_labels.append(np.tile(writers.labels, copies).astype(labels.dtype))
    if usps:
        (x_usps, y_usps), _ = load_usps(usps)
        parts.append(usps_inputs(x_usps, seed, workers))
        part_labels.append(y_usps.astype(labels.dtype))
    return np.concatenate(parts), np.concatenate(part_labels)


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 500,
             spec: ModelSpec | None = None) -> tuple[float, np.ndarray]:
    """Accuracy on uint8 images and the predicted class of each (inputs 0..1, brought to `spec`'s value range;
    one sigmoid unit read at 0.5)."""
    inputs = to_model_input(images)
    outputs = model.predict(inputs if spec is None else spec.to_model_values(inputs), batch_size=batch_size, verbose=0)
    if spec is not None:
        predicted = spec.predicted_classes(outputs)
    else:
        predicted = (outputs[:, 0] >= 0.5).astype(np.int64) if outputs.shape[1] == 1 else outputs.argmax(axis=1)
    return float((predicted == labels).mean()), predicted


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[true, predicted]."""
    return tf.math.confusion_matrix(labels, predicted, num_classes=classes, dtype=tf.int64).numpy()
