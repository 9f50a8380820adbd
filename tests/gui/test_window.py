"""The main window, driven with real mouse events on the canvas (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from window_helpers import LOAD_TIMEOUT_MS, MODEL, ONE, ZERO, draw, hover_until, prediction, settle, show_panel

from gui.common.scripting import line, scaled, stroke
from model.inspect.verdict import MIN_CONFIDENCE, MIN_MARGIN

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason=f"no trained model at {MODEL}")


def test_blank_canvas_invites_drawing_and_predicts_nothing(ready):
    from model.inspect.preprocess import NOTHING_DRAWN

    assert prediction(ready) == ""
    assert ready.pipeline.output.confidence.text() == NOTHING_DRAWN
    assert not ready.pipeline.output.bars.opts["height"].any()
    assert ready.draw.inspection is None


def test_vertical_stroke_reads_1(ready, qtbot):
    draw(ready, qtbot, ONE)
    assert prediction(ready) == "1"
    assert "confident" in ready.pipeline.output.confidence.text()


def test_closed_loop_reads_0(ready, qtbot):
    draw(ready, qtbot, ZERO)
    assert prediction(ready) == "0"


def test_prediction_updates_while_the_stroke_is_drawn(ready, qtbot):
    canvas = ready.canvas
    seen = []
    stroke(canvas, scaled(ONE, canvas), on_move=lambda: (qtbot.wait(1), seen.append(prediction(ready))))
    assert any(seen[:-1]), "a prediction was shown before the pen was lifted"


def test_undo_and_clear_restore_the_previous_state(ready, qtbot):
    draw(ready, qtbot, ONE)
    before = ready.canvas.pixels()
    shown = prediction(ready)
    draw(ready, qtbot, line((60, 140), (220, 140)))
    assert not np.array_equal(ready.canvas.pixels(), before)
    after = ready.canvas.pixels()
    qtbot.keyClick(ready, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(ready, qtbot)
    assert np.array_equal(ready.canvas.pixels(), before)
    assert prediction(ready) == shown
    qtbot.keyClick(ready, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(ready, qtbot)
    redone = ready.canvas.pixels().astype(int)  # Redo brings the stroke back (anti-aliased afresh)
    assert redone[135:145, 70:210].min() > 200 and np.abs(redone - after).mean() < 0.5
    qtbot.keyClick(ready, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(ready, Qt.Key.Key_Escape)
    settle(ready, qtbot)
    assert not ready.canvas.pixels().any()
    assert prediction(ready) == ""


def test_pipeline_shows_one_panel_per_stage_with_its_shapes(ready, qtbot):
    stages = ready.draw.inspector.stages
    panels = ready.pipeline.panels
    assert len(panels) + 1 == len(stages)  # the output stage is the pinned output panel
    for panel, stage in zip(panels, stages):
        assert panel.stage == stage
    assert [s.output_shape for s in stages[:3]] == [(28, 28, 1), (26, 26, 32), (26, 26, 32)]
    draw(ready, qtbot, ONE)
    conv = panels[1]
    assert conv.image.image.shape == conv.mosaic.shape
    assert not np.isnan(conv.image.image).all()


def test_colour_scale_labels_at_both_ends_are_shown_whole(ready, qtbot):
    from PySide6.QtGui import QImage, QPainter

    draw(ready, qtbot, ONE)
    panel = ready.pipeline.panels[0]  # the input, on a 0..1 scale
    ready.pipeline.scroll.ensureWidgetVisible(panel)
    qtbot.wait(20)
    axis = panel.bar.axis
    canvas = QImage(10, 10, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(canvas)
    _, _, texts = axis.generateDrawSpecs(painter)
    painter.end()
    shown = {text: panel.view.mapFromScene(axis.mapToScene(rect)).boundingRect() for rect, _, text in texts}
    assert {"0", "1.0"} <= set(shown), sorted(shown)
    view = panel.view.viewport().rect()
    for text, rect in shown.items():
        assert view.top() <= rect.top() and rect.bottom() <= view.bottom(), (text, rect, view)  # not cut off


def test_clicking_a_first_layer_map_shows_its_kernel_and_input_patch(ready, qtbot):
    from PySide6.QtCore import QPointF

    from gui.common.map_detail import MapDetail

    draw(ready, qtbot, ONE)
    conv = ready.pipeline.panels[1]
    ready.pipeline.scroll.ensureWidgetVisible(conv)
    cell_row, cell_col = divmod(5, conv.mosaic.columns)  # a click inside map 5
    inside = QPointF(cell_col * (conv.mosaic.width + 1) + 3.5, cell_row * (conv.mosaic.height + 1) + 3.5)
    at = conv.view.mapFromScene(conv.image.mapToScene(inside))
    qtbot.mouseClick(conv.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: ready.findChild(MapDetail) is not None, timeout=5000)
    dialog = ready.findChild(MapDetail)
    assert dialog.windowTitle() == "conv1, map 5" and dialog.kernel_size == (3, 3)
    qtbot.waitExposed(dialog)
    qtbot.wait(50)  # laid out
    hover_until(qtbot, dialog.view, dialog.map_image, QPointF(4.5, 6.5),
                lambda at: dialog.readout.text().startswith("row 6, col 4: value "))
    patch = dialog.patch_box.addedItems[0].image
    assert np.array_equal(patch, ready.draw.model_input[6:9, 4:7, 0])
    dialog.close()


def shown_maps(panel) -> np.ndarray | None:
    """A copy of the mosaic a panel shows (None before it first shows one)."""
    image = panel.image.image
    return None if image is None else image.copy()


def same_maps(shown: np.ndarray | None, expected: np.ndarray | None) -> bool:
    if shown is None or expected is None:
        return shown is expected
    return np.array_equal(shown, expected, equal_nan=True)


def expected_maps(window, index: int) -> np.ndarray:
    """The mosaic panel `index` should show for the current inspection (levels per layer)."""
    from gui.common.mosaic import Mosaic

    panel = window.pipeline.panels[index]
    values = window.draw.inspection.layers[index].values
    return Mosaic(panel.mosaic.height, panel.mosaic.width, panel.mosaic.channels).fill(
        values.reshape(panel.mosaic.height, panel.mosaic.width, panel.mosaic.channels))


def test_panels_out_of_view_wait_and_are_current_once_scrolled_into_view(ready, qtbot):
    from gui.common.panels import MapsPanel, levels_of

    pipeline = ready.pipeline
    bar = pipeline.scroll.verticalScrollBar()
    qtbot.keyClick(bar, Qt.Key.Key_Home)
    draw(ready, qtbot, ONE)
    hidden = max(i for i, panel in enumerate(pipeline.panels) if isinstance(panel, MapsPanel))
    assert hidden not in pipeline.visible_panels() and 1 in pipeline.visible_panels()
    before = shown_maps(pipeline.panels[hidden])
    draw(ready, qtbot, ZERO)
    assert prediction(ready) == "0"
    assert same_maps(shown_maps(pipeline.panels[1]), expected_maps(ready, 1))
    assert same_maps(shown_maps(pipeline.panels[hidden]), before)  # not drawn while out of view
    while hidden not in pipeline.visible_panels():  # page down: it is brought up to date as it comes into view
        assert bar.value() < bar.maximum()
        qtbot.keyClick(bar, Qt.Key.Key_PageDown)
    panel = pipeline.panels[hidden]
    assert same_maps(shown_maps(panel), expected_maps(ready, hidden))
    assert panel.bar.levels() == levels_of(ready.draw.inspection.layers[hidden].values)
    qtbot.keyClick(bar, Qt.Key.Key_Home)


def test_saved_view_shows_every_panel_for_the_current_drawing(ready, qtbot, tmp_path):
    from gui.common.panels import MapsPanel

    qtbot.keyClick(ready.pipeline.scroll.verticalScrollBar(), Qt.Key.Key_Home)
    draw(ready, qtbot, ZERO)
    maps = [i for i, panel in enumerate(ready.pipeline.panels) if isinstance(panel, MapsPanel)]
    assert ready.save_view(tmp_path / "view.png")
    for index in maps:
        assert same_maps(shown_maps(ready.pipeline.panels[index]), expected_maps(ready, index))


def test_drawing_creates_and_destroys_no_widgets_or_plot_items(ready, qtbot):
    import pyqtgraph as pg
    from PySide6.QtCore import QObject

    def census() -> tuple[int, int]:
        qtbot.wait(100)  # the window's layout animations (made per relayout, deleted once run) come and go
        views = ready.findChildren(pg.GraphicsView)
        return len(ready.findChildren(QObject)), sum(len(view.scene().items()) for view in views)

    draw(ready, qtbot, ONE)
    before = census()
    draw(ready, qtbot, ZERO, line((60, 140), (220, 140)))
    qtbot.keyClick(ready, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(ready, qtbot)
    assert census() == before


def test_sample_button_loads_an_mnist_digit_with_its_label(ready, qtbot, mnist):
    button = ready.draw.sample_button
    qtbot.waitUntil(button.isEnabled, timeout=LOAD_TIMEOUT_MS)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(ready, qtbot)
    caption = ready.draw.sample_note.text()  # "MNIST test digit #1234: true label 7"
    index = int(caption.split("#")[1].split(":")[0])
    assert caption.endswith(f"true label {mnist.y_test[index]}") and prediction(ready) != ""
    # The model reads the test digit itself, not the canvas's 280 px copy of it.
    given = np.round(ready.draw.model_input[..., 0] * 255).astype(np.uint8)
    assert np.array_equal(given, mnist.x_test[index])
    assert ready.draw.input_panel.strip.captions()[0] == "as given (no preprocessing)"
    draw(ready, qtbot, line((20, 20), (60, 60)))  # drawn on: preprocessed from the canvas again
    assert not (np.round(ready.draw.model_input[..., 0] * 255) == given).all()
    assert ready.draw.input_panel.strip.captions()[0] != "as given (no preprocessing)"


def test_save_view_writes_the_whole_pipeline(ready, qtbot, tmp_path):
    draw(ready, qtbot, ZERO)
    path = tmp_path / "view.png"
    assert ready.save_view(path)
    saved = Image.open(path)
    assert saved.width > 800 and saved.height > ready.pipeline.scroll.viewport().height()


def test_hovering_maps_and_vectors_reads_out_values(ready, qtbot):
    from PySide6.QtCore import QPointF

    from gui.common.panels import MapsPanel, StripPanel

    draw(ready, qtbot, ZERO)
    maps = next(p for p in ready.pipeline.panels if isinstance(p, MapsPanel) and p.mosaic.channels > 1)
    cell_row, cell_col = divmod(3, maps.mosaic.columns)  # channel 3, pixel (1, 2) of its map
    top, left = cell_row * (maps.mosaic.height + 1), cell_col * (maps.mosaic.width + 1)
    show_panel(ready, qtbot, maps)
    hover_until(qtbot, maps.view, maps.image, QPointF(left + 2.5, top + 1.5),
                lambda at: maps.readout.text().startswith("map 3  row 1, col 2  value "))
    strip = next(p for p in ready.pipeline.panels if isinstance(p, StripPanel))
    show_panel(ready, qtbot, strip)
    values = ready.draw.inspection.layers[ready.pipeline.panels.index(strip)].values.reshape(-1)
    at = hover_until(qtbot, strip.view, strip.image, QPointF(10.5, 0.5),  # a screen pixel spans several of 5,408 values
                     lambda at: strip.readout.text().startswith(f"index {int(at.x())}  value "))
    assert strip.readout.text() == f"index {int(at.x())}  value {values[int(at.x())]:.3f}"


def test_levels_per_map_toggle_rescales_every_map(ready, qtbot):
    draw(ready, qtbot, ZERO)
    conv = ready.pipeline.panels[1]
    show_panel(ready, qtbot, conv)
    inspection = ready.draw.inspection
    layer_wide = conv.image.image.copy()
    qtbot.mouseClick(ready.pipeline.per_map, Qt.MouseButton.LeftButton)
    try:
        assert ready.pipeline.per_map.isChecked()
        assert ready.draw.inspection is inspection  # the arrays it has, re-levelled: the model did not run again
        assert conv.image.levels.tolist() == [0.0, 1.0]
        assert np.nanmax(conv.image.image) == pytest.approx(1.0)
        assert not np.allclose(conv.image.image, layer_wide, equal_nan=True)
    finally:
        qtbot.mouseClick(ready.pipeline.per_map, Qt.MouseButton.LeftButton)
    assert np.allclose(conv.image.image, layer_wide, equal_nan=True)


def test_train_tab_images_and_models_reach_draw_and_inspect(ready, qtbot, mnist):
    from model.nets.architectures import build

    qtbot.waitUntil(lambda: ready.train is not None)
    ready.tabs.setCurrentWidget(ready.train)
    ready.train.showImage.emit(mnist.x_test[0], int(mnist.y_test[0]))
    settle(ready, qtbot)
    assert ready.tabs.currentWidget() is ready.draw
    assert ready.draw.sample_note.text().endswith(f"true label {mnist.y_test[0]}")
    assert prediction(ready) == str(mnist.y_test[0])
    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        ready.train.useModel.emit(build("mlp"), {})
    assert [panel.stage.kind for panel in ready.pipeline.panels] == ["InputLayer", "Flatten", "Dense", "ReLU"]
    with qtbot.waitSignal(ready.modelReady, timeout=LOAD_TIMEOUT_MS):
        ready.open_model(MODEL)


def test_kernels_tab_takes_the_canvas_drawing_and_a_sample_digit(ready, qtbot, mnist):
    qtbot.waitUntil(lambda: ready.kernels is not None)
    draw(ready, qtbot, ONE)
    kernels = ready.kernels
    ready.tabs.setCurrentWidget(kernels)
    assert ready.tabs.tabText(ready.tabs.currentIndex()) == "Kernels"
    qtbot.mouseClick(kernels.canvas_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not kernels._timer.isActive())
    assert "canvas" in kernels.caption.text()
    assert kernels.input.shape == (300, 300, 1)
    assert kernels.input[:, 150].max() > 0.9 and kernels.input[:, :60].max() == 0  # the drawn 1, centre column only
    qtbot.waitUntil(lambda: kernels.sample_button.toolTip().startswith("A random MNIST test digit from"),
                    timeout=LOAD_TIMEOUT_MS)  # the local test digits are found
    qtbot.mouseClick(kernels.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kernels.caption.text().startswith("MNIST test digit #"))
    index = int(kernels.caption.text().split("#")[1].split(":")[0])
    assert kernels.caption.text().endswith(f"true label {mnist.y_test[index]}")
    assert kernels.shapes.text().count("(1, 300, 300, 1)") == 2
    ready.tabs.setCurrentWidget(ready.draw)


def through(*points) -> list:
    """One pen stroke through `points` in straight lines, as a tablet that keeps a few points a digit replays it."""
    return [point for start, end in zip(points, points[1:]) for point in line(start, end)[:-1]] + [points[-1]]


@pytest.mark.parametrize("digit, points", [
    # A crossed 7: bar, stem, and the pen's way back up to the cross bar drawn as a line (the 7 read as 2).
    (7, [(70, 60), (140, 60), (210, 60), (175, 130), (140, 200), (120, 240), (100, 150), (190, 150)]),
    # A 5 whose top bar came last: the pen's way from the belly's end up to the bar drawn too.
    (5, [(95, 60), (90, 135), (170, 135), (200, 190), (150, 240), (80, 225), (95, 60), (200, 60)]),
    # A closed 4 in two strokes, joined: the pen's way from the cross bar's end to the top of the stem.
    (4, [(150, 40), (70, 170), (210, 170), (170, 40), (170, 110), (170, 180), (170, 245), (168, 250)]),
])
def test_a_digit_written_without_lifting_the_pen_reads_right(ready, qtbot, digit, points):
    draw(ready, qtbot, through(*points))
    assert prediction(ready) == str(digit)


def shows_tooltip(qtbot, widget) -> None:
    """The tooltip event Qt sends when the mouse rests on `widget`; waits until the tooltip is shown."""
    centre = widget.rect().center()
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, centre, widget.mapToGlobal(centre)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)


def test_a_drawing_between_two_digits_reads_or_maybe(ready, qtbot):
    # A 1 whose flag grows into a 7's bar: somewhere on the way the window must say it is unsure.
    def flagged_one(length: float) -> str:
        ready.canvas.clear()
        draw(ready, qtbot, line((150 - length, 45), (150, 45)) + line((150, 45), (150, 240))[1:])
        return prediction(ready)

    low, high = 0.0, 110.0
    assert flagged_one(low) == "1" and flagged_one(high) == "7"
    shown = ""
    for _ in range(12):
        middle = (low + high) / 2
        shown = flagged_one(middle)
        if "or maybe" in shown:
            break
        low, high = (middle, high) if shown == "1" else (low, middle)
    assert shown in ("1, or maybe 7", "7, or maybe 1")
    output = ready.pipeline.output
    assert output.confidence.text().startswith("unsure: ")
    assert output.prediction.width() >= output.prediction.sizeHint().width()  # the words fit the panel
    shows_tooltip(qtbot, output.confidence)  # the rule and its thresholds, as the mouse rests on the answer
    assert QToolTip.text().startswith(f"An answer is marked unsure when its top class has under {MIN_CONFIDENCE:.0%} "
                                      f"or the runner-up is within {MIN_MARGIN * 100:.0f} points of it")
    QToolTip.hideText()
    ready.canvas.clear()
    draw(ready, qtbot, ONE)
    assert prediction(ready) == "1" and "confident" in output.confidence.text()


def test_about_box_credits_the_data_the_shipped_model_learned_from(ready, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    about = next(a for a in ready.menuBar().actions() if a.text() == "&Help").menu().actions()[0]
    shown = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        shown.append(box.text() if isinstance(box, QMessageBox) else None)
        box.close()

    QTimer.singleShot(200, read_and_close)
    about.trigger()  # modal: returns once the box is closed
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    text = shown[0]
    assert "MNIST" in text and "UNIPEN" in text and "International Unipen Foundation" in text
    assert "CC BY 4.0" in text and "10.5281/zenodo.1195803" in text and "USPS" in text
