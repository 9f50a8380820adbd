"""Loading models off the GUI thread: TensorFlow's import, Keras' loading and XLA compiling take seconds."""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QThread, Signal, Slot

ACCURACY_CHUNK = 2000  # test digits per step, so closing the window never waits long


class _Worker(QObject):
    """Lives in the loader thread; its slots run there, one request after another.

    Only ints and strings cross threads in signals; Python objects are handed over in dicts
    keyed by request (PySide has had reference-count bugs with queued `object` arguments).
    """

    loaded = Signal(int)  # request: its Inspector is in `results`
    failed = Signal(int, str)  # request, message
    measured = Signal(int, float)  # request, test accuracy (NaN when it cannot be measured)
    testSet = Signal(str)  # the source of `test_set`, or why there is none

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # the newest request: older ones stop measuring (set from the GUI thread)
        self.stopping = False
        self.sources: dict[int, object] = {}  # request -> path, None (the shipped model) or keras.Model
        self.results: dict[int, object] = {}  # request -> Inspector
        self.test_set = None  # (images, labels) once loaded, if MNIST is at hand
        self._test_set_tried = False

    @Slot(int)
    def load(self, request: int) -> None:
        """Load the request's source and build its Inspector."""
        from model.inspection import Inspector, UnusableModelError
        from model.store import ModelFileError, load_model

        source = self.sources.pop(request)
        try:
            model = load_model(source) if source is None or isinstance(source, str) else source
            inspector = Inspector(model)
        except (ModelFileError, UnusableModelError) as exc:
            self.failed.emit(request, str(exc))
            return
        except Exception as exc:  # a model file can break Keras or XLA in many ways; the window must survive
            self.failed.emit(request, f"the model could not be prepared ({type(exc).__name__}: {str(exc)[:200]}).")
            return
        self.results[request] = inspector
        self.loaded.emit(request)
        self._load_test_set()
        self.measured.emit(request, self._accuracy(request, inspector))

    def _load_test_set(self) -> None:
        if self._test_set_tried:
            return
        self._test_set_tried = True
        from model.data import DataError, load_mnist

        try:
            mnist = load_mnist()
        except DataError as exc:
            self.testSet.emit(str(exc))
            return
        self.test_set = (mnist.x_test, mnist.y_test)
        self.testSet.emit(mnist.source)

    def _accuracy(self, request: int, inspector) -> float:
        if self.test_set is None:
            return math.nan
        images, labels = self.test_set
        if inspector.input_shape != (28, 28, 1) or inspector.num_classes != 10:
            return math.nan
        from model.training import evaluate

        correct = 0
        for start in range(0, len(images), ACCURACY_CHUNK):
            if self.stopping or request != self.latest:
                return math.nan
            accuracy, _ = evaluate(inspector.model, images[start:start + ACCURACY_CHUNK], labels[start:start + ACCURACY_CHUNK],
                                   input_scale=inspector.input_scale)
            correct += round(accuracy * len(labels[start:start + ACCURACY_CHUNK]))
        return correct / len(labels)


class ModelLoader(QObject):
    """Queues model loads on one background thread; results arrive as signals on the GUI thread."""

    loaded = Signal(int, object)  # request, Inspector
    failed = Signal(int, str)  # request, message
    measured = Signal(int, float)  # request, test accuracy (NaN when it cannot be measured)
    testSet = Signal(object, object, str)  # images, labels, source (None, None, why not)
    _request = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("model loader")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.load)
        self._worker.loaded.connect(self._loaded)
        self._worker.failed.connect(self.failed)
        self._worker.measured.connect(self.measured)
        self._worker.testSet.connect(self._test_set)
        self._requests = 0
        self._thread.start()

    def load(self, source) -> int:
        """Start loading `source` (path, None = shipped model, or keras.Model); returns the request id."""
        self._requests += 1
        self._worker.latest = self._requests
        self._worker.sources[self._requests] = source
        self._request.emit(self._requests)
        return self._requests

    @Slot(int)
    def _loaded(self, request: int) -> None:
        self.loaded.emit(request, self._worker.results.pop(request))

    @Slot(str)
    def _test_set(self, source: str) -> None:
        self.testSet.emit(*(self._worker.test_set or (None, None)), source)

    def stop(self) -> None:
        """Finish the current step and end the thread."""
        self._worker.stopping = True
        self._thread.quit()
        self._thread.wait()
