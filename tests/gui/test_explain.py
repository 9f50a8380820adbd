"""See why, in the window: the overlay on the model input and maps switched off, driven by real mouse and
key events (pytest-qt, offscreen)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QApplication
from scipy import ndimage
from window_helpers import LOAD_TIMEOUT_MS, MODEL, draw, open_window, settle

from gui.screenshots.explain import map_centre
from gui.common.scripting import line

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason=f"no trained model at {MODEL}")
ONE = line((140, 50), (140, 230))
SEVEN = line((90, 50), (190, 50)) + line((190, 50), (120, 230))[1:]


@pytest.fixture(scope="module")
def window(qapp):
    """One window for these tests, deleted at their end rather than whenever the garbage collector comes by."""
    shown = open_window(qapp)
    yield shown
    shown.close()
    shown.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def ready(window, qtbot):
    qtbot.waitUntil(lambda: window.is_ready and window.explain.attributor is not None, timeout=LOAD_TIMEOUT_MS)
    qtbot.mouseClick(window.draw.clear_button, Qt.MouseButton.LeftButton)
    settle(window, qtbot)
    return window


def overlay(window) -> np.ndarray | None:
    """What the overlay item shows now (None: nothing)."""
    image = window.explain.overlay.item.image
    return None if image is None else np.array(image, copy=True)


def shown_probabilities(window) -> np.ndarray:
    return np.array(window.pipeline.output.bars.opts["height"], np.float64)


def click_bar(window, qtbot, class_index: int) -> None:
    chart = window.pipeline.output.chart
    point = chart.mapFromScene(chart.getPlotItem().vb.mapViewToScene(QPointF(class_index, 0.5)))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=point)


def right_click_map(window, qtbot, index: int, channel: int) -> None:
    panel = window.pipeline.panels[index]
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.RightButton, pos=map_centre(panel, channel))


def brightness_near_ink(values: np.ndarray, model_input: np.ndarray, pixels: int = 3) -> float:
    """How many times brighter the overlay's positive part is, on average, within `pixels` of the ink than elsewhere."""
    near = ndimage.binary_dilation(model_input[..., 0] > 0.2, iterations=pixels)
    positive = np.clip(values, 0, None)
    return float(positive[near].mean() / max(positive[~near].mean(), 1e-12))


def test_a_drawn_7_lights_up_its_strokes_with_grad_cam_and_with_saliency(ready, qtbot):
    # A 7, not a 1: the shipped model reads a perfectly upright stick as a 1 from the empty columns beside it as
    # much as from the stick, and Grad-CAM shows just that (an evenly lit square); a 7's evidence is its strokes.
    draw(ready, qtbot, SEVEN)
    assert ready.draw.inspection.digit == 7
    controls = ready.explain.controls
    assert controls.method.currentText().startswith("Grad-CAM")
    cam = overlay(ready)
    assert cam is not None and cam.shape == (28, 28)
    assert brightness_near_ink(cam, ready.draw.model_input) > 2
    assert controls.target.text().replace("<b>", "").replace("</b>", "") == "for 7 (the prediction)"
    qtbot.keyClick(controls.method, Qt.Key.Key_Down)  # the next method: saliency
    assert controls.method.currentText().startswith("Saliency")
    saliency = overlay(ready)
    assert saliency is not None and not np.allclose(saliency, cam)
    assert brightness_near_ink(saliency, ready.draw.model_input) > 2
    qtbot.keyClick(controls.method, Qt.Key.Key_Up)
    qtbot.keyClick(controls.method, Qt.Key.Key_Up)  # Off
    assert overlay(ready) is None
    qtbot.keyClick(controls.method, Qt.Key.Key_Down)
    np.testing.assert_allclose(overlay(ready), cam, atol=1e-6)


def test_the_overlay_follows_every_stroke_and_a_blank_canvas_shows_none(ready, qtbot):
    assert overlay(ready) is None and ready.explain.controls.target.text().strip() == ""
    draw(ready, qtbot, ONE)
    first = overlay(ready)
    draw(ready, qtbot, line((60, 60), (220, 60)))  # a bar across the top: now a 7
    assert ready.draw.inspection.digit == 7
    assert not np.allclose(overlay(ready), first)
    qtbot.mouseClick(ready.draw.clear_button, Qt.MouseButton.LeftButton)
    settle(ready, qtbot)
    assert overlay(ready) is None and ready.explain.controls.target.text().strip() == ""


def test_clicking_a_bar_explains_that_class_and_clicking_it_again_the_prediction(ready, qtbot):
    draw(ready, qtbot, ONE)
    predicted = overlay(ready)
    click_bar(ready, qtbot, 7)
    assert ready.explain.controls.target.text().replace("<b>", "").replace("</b>", "") == "for 7 (predicted: 1)"
    assert ready.explain.chosen_marker.isVisible() and list(ready.explain.chosen_marker.opts["x"]) == [7]
    assert not np.allclose(overlay(ready), predicted)
    click_bar(ready, qtbot, 7)
    assert not ready.explain.chosen_marker.isVisible()
    np.testing.assert_allclose(overlay(ready), predicted, atol=1e-6)


def test_switching_off_every_first_layer_map_gives_a_zero_first_layer_and_restore_all_undoes_it(ready, qtbot):
    draw(ready, qtbot, SEVEN)  # a 7: with no first-layer maps the model sees no digit, and its answer must move
    original = shown_probabilities(ready)
    conv = ready.draw.inspector.stages[1]
    assert conv.kind == "Conv2D"
    channels = conv.output_shape[-1]
    for channel in range(channels):
        right_click_map(ready, qtbot, 1, channel)
    model = ready.draw.inspector.model
    reference = keras.models.clone_model(model)
    reference.set_weights(model.get_weights())
    layer = reference.get_layer(conv.name)
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    expected = reference(ready.draw.model_input[None], training=False).numpy()[0]
    np.testing.assert_allclose(shown_probabilities(ready), expected, atol=1e-6)
    assert np.abs(shown_probabilities(ready) - original).max() > 0.1
    assert np.nanmax(np.abs(ready.pipeline.panels[1].image.image)) == 0  # the maps themselves show zero
    marks = ready.explain._marks[1]
    assert marks.channels == set(range(channels)) and len(marks.item.xData) == 12 * channels
    assert ready.explain.off_label.text() == f"{channels} maps switched off"
    assert ready.explain.restore_button.isVisible()

    qtbot.mouseClick(ready.explain.restore_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(shown_probabilities(ready), original, atol=1e-6)
    assert marks.channels == set() and len(marks.item.xData) == 0
    assert ready.explain.off_label.text() == "" and not ready.explain.restore_button.isVisible()


def test_one_map_off_changes_the_maps_after_it_and_is_marked_until_switched_on(ready, qtbot):
    draw(ready, qtbot, ONE)
    before = [np.array(layer.values) for layer in ready.draw.inspection.layers]
    active = before[3].reshape(-1, before[3].shape[-1]).max(axis=0)  # relu1: which norm1 maps get through
    channel, other = (int(c) for c in np.argsort(active)[::-1][:2])
    right_click_map(ready, qtbot, 2, channel)  # a norm1 map that this drawing lights up
    after = ready.draw.inspection.layers
    # The layer before it is untouched (to float rounding: the switch runs in TensorFlow, the plain model in numpy).
    np.testing.assert_allclose(after[1].values, before[1], rtol=1e-5, atol=1e-6)
    assert not after[2].values[..., channel].any()
    np.testing.assert_allclose(after[2].values[..., other], before[2][..., other], rtol=1e-5, atol=1e-6)
    assert not np.allclose(after[4].values, before[4])  # pool1 after it
    assert ready.explain._marks[2].channels == {channel}
    right_click_map(ready, qtbot, 2, channel)
    assert ready.explain._marks[2].channels == set()
    np.testing.assert_allclose(ready.draw.inspection.layers[-1].values, before[-1], atol=1e-6)


def test_a_one_block_cnn_gets_both_and_a_model_without_convolution_saliency_only_saying_why(ready, qtbot, tmp_path):
    from model.nets.architectures import build
    from model.nets.store import save_model_atomic

    with qtbot.waitSignal(ready.explain.ready, timeout=LOAD_TIMEOUT_MS):
        ready.use_model(build("cnn_small"))
    controls = ready.explain.controls
    assert ready.explain.attributor.convolution == "conv1" and controls.method.currentText() == "Grad-CAM"
    assert not controls.note.isVisibleTo(ready)
    draw(ready, qtbot, ONE)
    assert overlay(ready) is not None and overlay(ready).min() >= 0

    path = tmp_path / "mlp.keras"
    save_model_atomic(build("mlp"), path)
    with qtbot.waitSignal(ready.explain.ready, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(path)
    assert controls.method.currentText() == "Saliency"
    assert not controls.method.model().item(controls.method.findText("Grad-CAM")).isEnabled()
    assert controls.note.isVisibleTo(ready) and "Grad-CAM is unavailable" in controls.note.text()
    assert controls.note.text().count(".") == 1  # one sentence
    draw(ready, qtbot, ONE)
    assert overlay(ready) is not None
