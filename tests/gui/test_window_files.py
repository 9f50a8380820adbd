"""The main window with files, models and bad input: images, model files, start-up, messages."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from window_helpers import LOAD_TIMEOUT_MS, MODEL, ONE, draw, open_image, open_window, prediction, settle

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason=f"no trained model at {MODEL}")


def test_corrupt_image_file_leaves_the_window_as_it_was(ready, qtbot, tmp_path):
    draw(ready, qtbot, ONE)
    pixels, shown = ready.canvas.pixels(), prediction(ready)
    bad = tmp_path / "digit.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really an image")
    assert open_image(ready, qtbot, bad) == ""
    settle(ready, qtbot)
    assert len(ready.messages) == 1 and "digit.png" in ready.messages[0][1]
    assert np.array_equal(ready.canvas.pixels(), pixels)
    assert prediction(ready) == shown


def test_image_file_goes_on_the_canvas_and_through_the_pipeline(ready, qtbot, tmp_path):
    page = Image.new("L", (200, 300), 255)  # dark ink on white paper, unlike the canvas
    page.paste(0, (90, 40, 110, 260))
    path = tmp_path / "one.png"
    page.save(path)
    assert open_image(ready, qtbot, path) == "one.png"
    settle(ready, qtbot)
    assert ready.canvas.pixels().max() == 255
    assert prediction(ready) == "1"


def test_unusable_model_file_keeps_the_current_model(ready, qtbot, tmp_path):
    draw(ready, qtbot, ONE)
    name = ready.draw.inspector.name
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip archive")
    with qtbot.waitSignal(ready.modelFailed, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(bad)
    assert ready.draw.inspector.name == name
    assert "broken.keras" in ready.messages[-1][1]
    assert prediction(ready) == "1"


def test_drawing_before_the_model_is_ready_is_classified_when_it_is(qapp, qtbot):
    import threading

    loading = threading.Event()  # a slow start (TensorFlow importing): the worker is busy until the drawing is done
    window = open_window(qapp, before_show=lambda window: window.worker.submit(lambda job: loading.wait(60)))
    try:
        assert not window.is_ready
        draw(window, qtbot, ONE)
        assert prediction(window) == "" and not window.is_ready
        loading.set()
        qtbot.waitUntil(lambda: prediction(window) == "1", timeout=LOAD_TIMEOUT_MS)
        window.draw.brush.setValue(33)
        window.draw.splitter.setSizes([420, 900])
    finally:
        window.close()
    from gui.window import MainWindow, settings

    assert settings().value("window/geometry") == window.saveGeometry()
    again = MainWindow(model_path=MODEL)  # the layout is remembered (not shown: no model load)
    assert again.canvas.brush_size == 33
    assert again.draw.splitter.saveState() == window.draw.splitter.saveState()
    assert not again.worker.isRunning()  # no thread starts before it has work
    again.deleteLater()


def test_a_missing_model_at_start_up_says_so_and_drawing_still_works(qapp, qtbot, tmp_path):
    window = open_window(qapp, model_path=tmp_path / "missing.keras")
    try:
        with qtbot.waitSignal(window.modelFailed, timeout=LOAD_TIMEOUT_MS):
            pass
        assert window.model_info.text() == "No model loaded"
        assert "missing.keras" in window.messages[0][1]
        draw(window, qtbot, ONE)
        assert prediction(window) == "" and not window.is_ready
        assert window.draw.model_input is not None  # the input panel still shows what the model would get
    finally:
        window.close()


def test_dropping_an_image_file_on_the_canvas_opens_it(ready, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    page = Image.new("L", (120, 160), 0)
    page.paste(255, (50, 20, 64, 140))
    path = tmp_path / "dropped.bmp"
    page.save(path)
    def drag(file):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(file))])
        enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(ready.canvas, enter)
        return enter.isAccepted(), mime

    assert not drag(tmp_path / "notes.txt")[0]
    accepted, mime = drag(path)
    assert accepted
    drop = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(ready.imageOpened, timeout=30_000):
        QApplication.sendEvent(ready.canvas, drop)
    settle(ready, qtbot)
    assert ready.draw.sample_note.text() == "dropped.bmp"
    assert prediction(ready) == "1"


def test_models_of_other_architectures_and_input_shapes(ready, qtbot, tmp_path):
    import keras

    from model.nets.architectures import build

    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        ready.use_model(build("cnn_small"))
    shapes = [panel.stage.output_shape for panel in ready.pipeline.panels]
    assert shapes == [(28, 28, 1), (26, 26, 32), (26, 26, 32), (13, 13, 32), (5408,), (128,), (128,)]
    assert ready.pipeline.panels[4].length == 5408

    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="colour_conv")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    path = tmp_path / "rgb.keras"
    keras.Model(inputs, outputs, name="rgb_net").save(path)
    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(path)
    assert ready.draw.inspector.name == "rgb_net"
    assert ready.pipeline.panels[1].stage.output_shape == (30, 30, 4)
    draw(ready, qtbot, ONE)
    assert prediction(ready) != ""
    assert ready.draw.model_input.shape == (32, 32, 3)

    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(MODEL)  # leave the shared window as the other tests expect it


def test_many_qt_calls_do_not_abort_the_interpreter():
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None per void call and to True per emit()."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    for _ in range(300_000):  # more than None's or True's own reference count in the test process
        probe.setObjectName("probe")
        probe.ping.emit()
    assert sys.getrefcount(None) > 1000 and sys.getrefcount(True) > 1000


def test_main_py_opens_the_window_and_classifies_a_first_digit_before_tensorflow_is_imported(tmp_path):
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, DIGIT_LENS_STARTUP_TIMINGS="1", QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path))  # its remembered layout goes here, not to the user's settings
    done = subprocess.run([sys.executable, "main.py", "--model", str(MODEL)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert report["digit"] == 1 and report["by"] == "cnn_lens"
    assert report["shown"] < report["first_prediction"]
    assert not report["tensorflow_imported"]  # the model file was read and run in numpy while TensorFlow waited


def test_a_huge_image_is_refused_at_once_and_a_huge_jpeg_is_read_small(ready, qtbot, tmp_path):
    draw(ready, qtbot, ONE)
    pixels = ready.canvas.pixels()
    huge = Image.new("L", (13000, 13000), 255)
    huge.save(tmp_path / "huge.png")
    huge.paste(0, (6000, 1000, 7000, 12000))  # a 1 in dark ink
    huge.save(tmp_path / "huge.jpg", quality=70)
    del huge
    assert open_image(ready, qtbot, tmp_path / "huge.png") == ""
    assert "13000x13000" in ready.messages[-1][1] and "megapixels" in ready.messages[-1][1]
    assert np.array_equal(ready.canvas.pixels(), pixels)  # nothing lost
    assert open_image(ready, qtbot, tmp_path / "huge.jpg") == "huge.jpg"
    settle(ready, qtbot)
    assert prediction(ready) == "1"


def test_a_16_bit_grey_png_is_read_not_clipped(ready, qtbot, tmp_path, mnist):
    digit = np.asarray(Image.fromarray(mnist.x_test[0]).resize((112, 112), Image.Resampling.BICUBIC), np.uint16) * 257
    path = tmp_path / "deep.png"
    Image.fromarray(digit).save(path)  # 16 bits per pixel, ink up to 65535
    assert Image.open(path).mode.startswith("I")
    assert open_image(ready, qtbot, path) == "deep.png"
    settle(ready, qtbot)
    assert prediction(ready) == str(mnist.y_test[0])


def test_a_model_with_broken_weights_is_refused_with_one_sentence(ready, qtbot, tmp_path):
    from model.nets.architectures import build
    from model.nets.store import save_model_atomic

    draw(ready, qtbot, ONE)
    model = build("mlp")
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    path = save_model_atomic(model, tmp_path / "diverged.keras")
    with qtbot.waitSignal(ready.modelFailed, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(path)
    assert "not finite numbers" in ready.messages[-1][1]
    assert ready.draw.inspector.name == "cnn_lens" and prediction(ready) == "1"


def test_a_long_error_message_is_kept_whole_under_details(ready, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from gui.window import MainWindow

    text = "The model could not be prepared: " + " ".join(f"part{i}" for i in range(200)) + " THE USEFUL END."
    MainWindow.show_message(ready, "Model not opened", text)  # the real dialog, not the tests' recorder
    box = ready.findChildren(QMessageBox)[-1]
    assert box.isVisible() and box.text().startswith("The model could not be prepared")
    assert box.detailedText() == text and text.endswith("THE USEFUL END.")
    box.close()


def test_without_local_mnist_sample_asks_before_downloading_and_says_when_offline(qapp, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    import model.data.mnist

    monkeypatch.delenv("DIGIT_LENS_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no Keras cache either
    monkeypatch.setattr(model.data.mnist, "MNIST_URL", "http://127.0.0.1:9/mnist.npz")  # nothing listens: offline
    window = open_window(qapp)
    try:
        qtbot.waitUntil(lambda: window.is_ready, timeout=LOAD_TIMEOUT_MS)
        button = window.draw.sample_button
        qtbot.waitUntil(lambda: "asks before" in button.toolTip(), timeout=30_000)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        ask = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
        assert "Download MNIST now" in ask.text()
        qtbot.mouseClick(ask.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
        assert window.canvas.is_blank and window.messages == []
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        ask = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
        qtbot.mouseClick(ask.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(window.messages), timeout=30_000)
        assert window.messages[-1][0] == "MNIST not downloaded" and "offline" in window.messages[-1][1]
        assert window.canvas.is_blank and button.isEnabled()
    finally:
        window.close()
