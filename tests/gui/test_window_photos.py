"""Colour and binary models in the window: photos reach them resized only, with class names, in colour."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QLabel

from model.nets.architectures import build
from model.nets.store import save_model_atomic

LOAD_TIMEOUT_MS = 120_000
COLOURS = ["red", "orange", "yellow", "green", "teal", "cyan", "blue", "violet", "magenta", "brown"]


@pytest.fixture(autouse=True, scope="module")
def private_settings(tmp_path_factory):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("settings")))


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    from gui.window import MainWindow

    folder = tmp_path_factory.mktemp("models")
    colour = save_model_atomic(build("colour_cnn"), folder / "colour.keras")
    (folder / "labels.txt").write_text("".join(f"{i} {name}\n" for i, name in enumerate(COLOURS)))
    window = MainWindow(model_path=colour)
    window.messages = []
    window.show_message = lambda title, text: window.messages.append((title, text))
    window.resize(1366, 740)
    window.show()
    window.test_folder = folder
    yield window
    window.close()


@pytest.fixture
def ready(window, qtbot):
    qtbot.waitUntil(lambda: window.is_ready, timeout=LOAD_TIMEOUT_MS)
    return window


def settle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.draw._timer.isActive(), timeout=5000)


def open_image(window, qtbot, path) -> str:
    with qtbot.waitSignal(window.imageOpened, timeout=30_000) as opened:
        window.open_image(path)
    settle(window, qtbot)
    return opened.args[0]


def colour_photo(path, size=(150, 90)) -> np.ndarray:
    """A photo-like picture: smooth colour gradients and a disc, saved to `path`; returns its pixels."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    picture = np.dstack([x * 255 // width, y * 255 // height, 255 - x * 255 // width]).astype(np.uint8)
    picture[(y - height // 2) ** 2 + (x - width // 3) ** 2 < 400] = (250, 200, 20)
    Image.fromarray(picture).save(path)
    return picture


def prediction(window) -> str:
    return window.findChild(QLabel, "prediction").text()


def top_name(window) -> str:
    """The class name the shown prediction starts with ("red", or "red, or maybe blue" when unsure)."""
    return prediction(window).split(", or maybe ")[0]


def test_a_colour_model_shows_every_stage_with_its_class_names(ready, qtbot):
    inspector = ready.draw.inspector
    assert inspector.input_shape == (64, 64, 3) and inspector.spec.preprocessing == "photo"
    assert len(ready.pipeline.panels) == len(inspector.stages) - 1
    assert [p.stage.output_shape for p in ready.pipeline.panels][:2] == [(64, 64, 3), (62, 62, 32)]
    ticks = [name for _, name in ready.pipeline.output.chart.getAxis("bottom")._tickLevels[0]]
    assert ticks == COLOURS
    assert ready.draw.preprocessing.currentData() == "photo"
    assert "64x64x3 colour" in ready.draw.input_panel.title.text() and "photo preprocessing" in ready.draw.input_panel.title.text()
    assert "classes: red, orange, yellow, green and 6 more" in ready.model_info.text()


def test_a_colour_photo_reaches_the_model_resized_and_nothing_else(ready, qtbot, tmp_path):
    path = tmp_path / "photo.png"
    pixels = colour_photo(path)
    assert open_image(ready, qtbot, path) == "photo.png"
    expected = tf.image.resize(tf.io.decode_png(tf.io.read_file(str(path)), channels=3), (64, 64)).numpy() / 255.0
    np.testing.assert_allclose(ready.draw.model_input, expected, atol=1e-5)
    assert top_name(ready) == COLOURS[int(np.argmax(ready.draw.inspection.probabilities))]
    shown = ready.draw.input_panel.image.image
    assert shown.shape == (64, 64, 3)  # drawn in colour, not as three channel maps
    np.testing.assert_array_equal(ready.pipeline.panels[0].image.image, ready.draw.model_input)  # the input stage too
    assert ready.canvas.pixels().ndim == 3 and np.array_equal(ready.canvas.source(), pixels)
    channels = ready.draw.input_panel.channels
    qtbot.mouseClick(channels, Qt.MouseButton.LeftButton)
    captions = ready.draw.input_panel.strip.captions()
    assert captions[:3] == ["red", "green", "blue"]
    qtbot.mouseClick(channels, Qt.MouseButton.LeftButton)


def test_pasting_a_picture_with_ctrl_v_feeds_the_model(ready, qtbot, tmp_path):
    pixels = colour_photo(tmp_path / "clip.png", size=(80, 120))
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], QImage.Format.Format_RGB888).copy()
    QGuiApplication.clipboard().setImage(image)
    ready.activateWindow()
    with qtbot.waitSignal(ready.imageOpened, timeout=30_000) as opened:
        qtbot.keyClick(ready.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    settle(ready, qtbot)
    assert opened.args[0] == "pasted image"
    expected = tf.image.resize(pixels.astype(np.float32), (64, 64)).numpy() / 255.0
    np.testing.assert_allclose(ready.draw.model_input, expected, atol=1e-5)


def test_switching_to_digit_preprocessing_says_so_and_feeds_the_ink(ready, qtbot, tmp_path):
    page = np.full((120, 90, 3), 255, np.uint8)
    page[20:100, 40:50] = 0
    Image.fromarray(page).save(tmp_path / "one.png")
    open_image(ready, qtbot, tmp_path / "one.png")
    combo = ready.draw.preprocessing
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    settle(ready, qtbot)
    assert combo.currentData() == "digit" and ready.draw.inspector.spec.preprocessing == "digit"
    assert "digit preprocessing" in ready.draw.input_panel.title.text()
    assert ready.canvas.pixels().ndim == 2 and ready.canvas.pixels().max() == 255  # the ink, bright on black
    model_input = ready.draw.model_input
    assert model_input.shape == (64, 64, 3) and model_input[0, 0].max() == 0 and model_input.max() > 0.9
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    settle(ready, qtbot)
    assert ready.draw.inspector.spec.preprocessing == "photo" and ready.draw.model_input[0, 0].min() == pytest.approx(1.0)


def test_first_layer_kernels_of_a_colour_model_are_drawn_in_colour(ready, qtbot, tmp_path):
    from gui.common.map_detail import MapDetail

    colour_photo(tmp_path / "photo.png")
    open_image(ready, qtbot, tmp_path / "photo.png")
    conv = ready.pipeline.panels[1]
    ready.pipeline.scroll.ensureWidgetVisible(conv)
    inside = QPointF(3.5, 3.5)  # map 0
    qtbot.mouseClick(conv.view.viewport(), Qt.MouseButton.LeftButton, pos=conv.view.mapFromScene(conv.image.mapToScene(inside)))
    qtbot.waitUntil(lambda: ready.findChild(MapDetail) is not None, timeout=5000)
    dialog = ready.findChild(MapDetail)
    kernel_item = [item for item in dialog.view.ci.items if hasattr(item, "addedItems")][1].addedItems[0]
    assert kernel_item.image.shape == (3, 3, 3) and 0 <= kernel_item.image.min() and kernel_item.image.max() <= 1
    dialog._hover(dialog.map_image.mapToScene(QPointF(4.5, 6.5)))
    np.testing.assert_array_equal(dialog.patch_box.addedItems[0].image, ready.draw.model_input[6:9, 4:7])
    dialog.close()


def test_a_one_sigmoid_cats_and_dogs_model_shows_two_classes_and_its_threshold(ready, qtbot, tmp_path):
    model = build("cats_dogs")
    path = save_model_atomic(model, tmp_path / "cats_dogs.keras", info={"class_names": ["cats", "dogs"]})
    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(path)
    inspector = ready.draw.inspector
    assert inspector.input_shape == (50, 50, 1) and inspector.num_classes == 2
    assert len(ready.pipeline.panels) == len(inspector.stages) - 1
    output = ready.pipeline.output
    assert "Threshold 0.5" in output.description.text()
    colour_photo(tmp_path / "pet.png")
    open_image(ready, qtbot, tmp_path / "pet.png")
    assert top_name(ready) == ("cats", "dogs")[int(np.argmax(ready.draw.inspection.probabilities))]
    confidence = output.confidence.text()
    assert ("cats at" in confidence and "dogs at" in confidence) if "unsure" in confidence else "confident" in confidence
    heights = output.bars.opts["height"]
    assert len(heights) == 2 and sum(heights) == pytest.approx(1.0)
    decoded = tf.io.decode_png(tf.io.read_file(str(tmp_path / "pet.png")), channels=3)
    expected = tf.image.resize(tf.image.rgb_to_grayscale(tf.cast(decoded, tf.float32)), (50, 50)).numpy() / 255.0
    np.testing.assert_allclose(ready.draw.model_input, expected, atol=1e-4)
    # Where it looks names the class it explains.
    qtbot.waitUntil(lambda: ready.explain.attributor is not None, timeout=LOAD_TIMEOUT_MS)
    assert f"for <b>{top_name(ready)}</b> (the prediction)" == ready.explain.controls.target.text()




def drop_file(window, qtbot, path) -> None:
    """Drag `path` onto the canvas and drop it, as a file manager would."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.canvas, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.imageOpened, timeout=30_000):
        QApplication.sendEvent(window.canvas, drop)
    settle(window, qtbot)


def test_the_train_tab_trains_on_an_image_folder_and_its_model_names_a_dropped_photo(ready, qtbot, tmp_path):
    from PySide6.QtWidgets import QPushButton

    from model.data.sample_folder import make_sample_folder as make_folder, shape_photo

    qtbot.waitUntil(lambda: ready.train is not None, timeout=LOAD_TIMEOUT_MS)
    tab = ready.train
    settings = tab.settings
    ready.tabs.setCurrentWidget(tab)
    settings.source.setCurrentIndex(2)
    assert settings.image_options.isVisible() and not settings.train_limit.isEnabled()
    (tmp_path / "lonely" / "cats").mkdir(parents=True)
    settings.data_path.clear()
    qtbot.keyClicks(settings.data_path, str(tmp_path / "lonely"))
    assert "has one class folder (cats)" in settings.source_note.text() and not tab.start_button.isEnabled()
    folder = make_folder(tmp_path / "shapes")
    settings.data_path.clear()
    qtbot.keyClicks(settings.data_path, str(folder))
    settings.architecture.setCurrentIndex(settings.architecture.findData("colour_cnn"))
    assert settings.image_size.value() == 64 and settings.image_colour.isChecked()
    settings.image_size.setValue(32)
    settings.epochs.setValue(4)
    settings.batch_size.setValue(12)
    settings.validation.setValue(25)
    qtbot.mouseClick(tab.findChild(QPushButton, "trainStart"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.training, timeout=LOAD_TIMEOUT_MS)

    assert "1 file skipped (not readable as images): squares/broken.jpg" in tab.status.text()
    assert "Held-out accuracy" in tab.test_accuracy.text() and "12 held-out images of shapes" in tab.test_accuracy.text()
    table = tab.confusion.table
    assert [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())] == ["circles", "squares"]
    assert tab.filters.filters.image.image.ndim == 3  # a colour model's first-layer filters, in colour
    tab.confusion.show_cell(0, 0)
    assert tab.confusion.gallery.count() > 0 and "True circles, predicted circles" in tab.confusion.caption.text()

    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(tab.use_button, Qt.MouseButton.LeftButton)
    assert ready.draw.inspector.spec.class_names == ("circles", "squares")
    assert "held-out images of shapes" in ready.model_info.text()
    shape_photo("circles", seed=7001, size=(160, 120)).save(tmp_path / "new.png")
    drop_file(ready, qtbot, tmp_path / "new.png")
    assert top_name(ready) == "circles"
    ticks = [name for _, name in ready.pipeline.output.chart.getAxis("bottom")._tickLevels[0]]
    assert ticks == ["circles", "squares"]
