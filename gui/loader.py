"""Model loading, MNIST test digits and accuracy checks as jobs on the window's TensorFlow worker."""

from __future__ import annotations

import math

import numpy as np

from PySide6.QtCore import QObject, Signal

from gui.worker import Job, Worker

ACCURACY_CHUNK = 2000  # test digits per step, so a newer model or closing the window never waits long


class ModelLoader(QObject):
    """Loads models (the newest request wins) and finds local MNIST test digits; never touches the network."""

    loaded = Signal(int, object)  # request, Inspector
    previewed = Signal(int, object)  # request, PreviewInspector: the file's model in numpy, before TensorFlow is up
    failed = Signal(int, str)  # request, message
    measured = Signal(int, float)  # request, test accuracy (NaN when it cannot be measured)
    testSet = Signal(object, object, str)  # images, labels, source (None, None, why not)
    downloadProgress = Signal(int, int)  # bytes done, bytes in all (0 when unknown)

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._requests = 0
        self._jobs: list[Job] = []  # the newest request's load and measurement
        self.test_set: tuple | None = None  # (images, labels) once found

    def load(self, source, info: dict | None = None, labels: str | None = None, preprocessing: str | None = None,
             preview: bool = False) -> int:
        """Start loading `source` (path, None = shipped model, or keras.Model) with what its file says of it
        (`info`), a labels file and a preprocessing kind the user chose; returns the request id. With `preview`,
        a .keras file is first read and run in numpy without TensorFlow (`previewed`), when it can be."""
        for job in self._jobs:
            job.cancel()
        self._requests += 1
        request = self._requests
        self._jobs = []

        def open_keras_model(*_) -> None:
            self._jobs.append(self._worker.submit(lambda job: _open(source, info, labels, preprocessing),
                                                  lambda inspector: self._loaded(request, inspector),
                                                  lambda message: self.failed.emit(request, message)))

        def previewed(inspector) -> None:
            if inspector is not None:
                self.previewed.emit(request, inspector)  # the window shows it now (its slot runs on this thread)
            open_keras_model()  # only then TensorFlow's import: it would slow the first prediction down

        if preview and (source is None or isinstance(source, str)):
            self._jobs.append(self._worker.submit(lambda job: _preview(source, info, labels, preprocessing), previewed,
                                                  open_keras_model))
        else:
            open_keras_model()
        return request

    def find_test_set(self) -> None:
        """Look for a local MNIST copy (never downloads); `testSet` says what was found."""
        from model.data.mnist import load_local_mnist

        self._worker.submit(lambda job: load_local_mnist(), self._found, lambda message: self._found(None, message))

    def download_test_set(self) -> None:
        """Download MNIST (the user asked) with progress; `testSet` reports the result."""
        from model.data.mnist import download_mnist

        self._worker.submit(lambda job: download_mnist(lambda done, total: job.report((done, total))), self._found,
                            lambda message: self._found(None, message), lambda value: self.downloadProgress.emit(*value))

    def _found(self, mnist, why: str = "") -> None:
        if mnist is not None:
            self.test_set = (mnist.x_test, mnist.y_test)
        self.testSet.emit(*(self.test_set or (None, None)), mnist.source if mnist is not None else why)

    def _loaded(self, request: int, inspector) -> None:
        self.loaded.emit(request, inspector)

    def can_measure(self, inspector) -> bool:
        """Whether local MNIST test digits are at hand and the model reads MNIST-sized digits into ten classes."""
        return self.test_set is not None and inspector.spec.is_digit_model

    def measure(self, request: int, inspector) -> None:
        """Measure `inspector`'s accuracy on the local MNIST test digits (asked for by the user)."""
        images, labels = self.test_set
        self._jobs.append(self._worker.submit(lambda job: _accuracy(job, inspector, images, labels),
                                              lambda accuracy: self.measured.emit(request, accuracy),
                                              lambda message: self.measured.emit(request, math.nan)))


def _preview(source, info: dict | None, labels: str | None, preprocessing: str | None):
    _import_preprocessing()
    from model.inspect.preview import open_preview
    from model.nets.store import SHIPPED_MODEL

    inspector = open_preview(source or SHIPPED_MODEL, info, labels, preprocessing)
    if inspector is not None:
        inspector.preprocess(np.zeros((2, 2), np.uint8))
    return inspector


def _import_preprocessing() -> None:
    """Import the preprocessing (scipy, a second or more) on this thread, whichever job comes first: imported by the
    window's thread at the first drawing it would freeze the window, and wait on TensorFlow's import here."""
    import model.inspect.preprocess  # noqa: F401


def _open(source, info: dict | None, labels: str | None, preprocessing: str | None):
    from model.runtime import import_tensorflow
    from model.train.devices import split_cpu_from_env

    _import_preprocessing()
    import_tensorflow()  # the window's first TensorFlow job: its native start-up log filtered
    split_cpu_from_env()  # $DIGIT_LENS_LOGICAL_CPUS, before TensorFlow first sets up its devices (here, at start-up)
    from model.inspect.inspection import Inspector
    from model.spec import spec_for
    from model.nets.store import SHIPPED_MODEL, load_model

    from_file = source is None or isinstance(source, str)
    model = load_model(source) if from_file else source
    path = (source or SHIPPED_MODEL) if from_file else None
    return Inspector(model, spec_for(model, info, path, labels, preprocessing))


def _accuracy(job: Job, inspector, images, labels) -> float:
    """Test accuracy in chunks, stopping early when the job is cancelled."""
    from model.train.training import evaluate

    correct = 0
    for start in range(0, len(images), ACCURACY_CHUNK):
        job.check()
        chunk = slice(start, start + ACCURACY_CHUNK)
        accuracy, _ = evaluate(inspector.model, images[chunk], labels[chunk], spec=inspector.spec)
        correct += round(accuracy * len(labels[chunk]))
    return correct / len(labels)
