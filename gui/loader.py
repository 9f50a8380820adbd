"""Loading models off the GUI thread: TensorFlow's import, Keras' loading and XLA compiling take seconds."""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QThread, Signal, Slot

ACCURACY_CHUNK = 2000  # test digits per step, so closing the window never waits long


class _Worker(QObject):
    """Lives in the loader thread; its slots run there, one request after another."""

    loaded = Signal(int, object)  # request, Inspector
    failed = Signal(int, str)  # request, message
    measured = Signal(int, float)  # request, test accuracy (NaN when it cannot be measured)
    testSet = Signal(object, object, str)  # images, labels, source (None, None, why not)

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # the newest request: older ones stop measuring (set from the GUI thread)
        self.stopping = False
        self._test_set = None

    @Slot(int, object)
    def load(self, request: int, source) -> None:
        """Load `source` (a path, None for the shipped model, or a keras.Model) and build its Inspector."""
        from model.inspection import Inspector, UnusableModelError
        from model.store import ModelFileError, load_model

        try:
            model = load_model(source) if source is None or isinstance(source, str) else source
            inspector = Inspector(model)
        except (ModelFileError, UnusableModelError) as exc:
            self.failed.emit(request, str(exc))
            return
        except Exception as exc:  # a model file can break Keras or XLA in many ways; the window must survive
            self.failed.emit(request, f"the model could not be prepared ({type(exc).__name__}: {str(exc)[:200]}).")
            return
        self.loaded.emit(request, inspector)
        self._load_test_set()
        self.measured.emit(request, self._accuracy(request, inspector))

    def _load_test_set(self) -> None:
        if self._test_set is not None:
            return
        from model.data import DataError, load_mnist

        try:
            mnist = load_mnist()
        except DataError as exc:
            self._test_set = (None, None, str(exc))
        else:
            self._test_set = (mnist.x_test, mnist.y_test, mnist.source)
        self.testSet.emit(*self._test_set)

    def _accuracy(self, request: int, inspector) -> float:
        images, labels, _ = self._test_set
        if images is None or inspector.input_shape != (28, 28, 1) or inspector.num_classes != 10:
            return math.nan
        from model.training import evaluate

        correct = 0
        for start in range(0, len(images), ACCURACY_CHUNK):
            if self.stopping or request != self.latest:
                return math.nan
            accuracy, _ = evaluate(inspector.model, images[start:start + ACCURACY_CHUNK], labels[start:start + ACCURACY_CHUNK])
            correct += round(accuracy * len(labels[start:start + ACCURACY_CHUNK]))
        return correct / len(labels)


class ModelLoader(QObject):
    """Queues model loads on one background thread; results arrive as signals on the GUI thread."""

    loaded = Signal(int, object)
    failed = Signal(int, str)
    measured = Signal(int, float)
    testSet = Signal(object, object, str)
    _request = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("model loader")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.load)
        for name in ("loaded", "failed", "measured", "testSet"):
            getattr(self._worker, name).connect(getattr(self, name))
        self._requests = 0
        self._thread.start()

    def load(self, source) -> int:
        """Start loading `source` (path, None = shipped model, or keras.Model); returns the request id."""
        self._requests += 1
        self._worker.latest = self._requests
        self._request.emit(self._requests, source)
        return self._requests

    def stop(self) -> None:
        """Finish the current step and end the thread."""
        self._worker.stopping = True
        self._thread.quit()
        self._thread.wait()
