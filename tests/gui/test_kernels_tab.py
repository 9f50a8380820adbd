"""The Kernels tab driven with real key and mouse events (pytest-qt, offscreen)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF, Qt
from scipy import ndimage

LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float64)


@pytest.fixture
def tab(qtbot):
    from gui.kernels.tab import KernelsTab

    tab = KernelsTab()
    tab.resize(1366, 700)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: tab.stages is not None)
    return tab


@pytest.fixture
def picture(tmp_path):
    image = Image.new("RGB", (400, 320), (40, 90, 160))
    pen = ImageDraw.Draw(image)
    pen.ellipse((60, 40, 220, 200), fill=(250, 220, 80))
    pen.rectangle((240, 120, 380, 300), fill=(200, 40, 40))
    path = tmp_path / "shapes.png"
    image.save(path)
    return path


def shown_conv(tab) -> np.ndarray:
    """What the convolution view's image item holds now."""
    return np.array(tab.conv_view.image.image, copy=True)


def grey(path, size: int = 300) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L").resize((size, size), Image.Resampling.BILINEAR), np.float64) / 255


def type_into(qtbot, cell, text: str) -> None:
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton)
    qtbot.keyClick(cell, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(cell, text)


def test_typing_a_weight_redraws_the_convolution_on_every_keystroke(tab, qtbot, picture):
    assert tab.open_image(picture)
    qtbot.waitUntil(lambda: not tab._timer.isActive())
    np.testing.assert_allclose(shown_conv(tab), ndimage.correlate(grey(picture), LAPLACIAN, mode="constant"), atol=1e-5)
    centre = tab.editors[0].cells[4]
    qtbot.mouseClick(centre, Qt.MouseButton.LeftButton)
    qtbot.keyClick(centre, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for typed, weight in [("-", None), ("1", -1.0), ("2", -12.0)]:
        before = shown_conv(tab)
        qtbot.keyClick(centre, typed)
        qtbot.waitUntil(lambda: not tab._timer.isActive())
        if weight is None:  # "-" alone is not a number yet: nothing changes
            np.testing.assert_array_equal(shown_conv(tab), before)
            continue
        kernel = LAPLACIAN.copy()
        kernel[1, 1] = weight
        assert not np.array_equal(shown_conv(tab), before)
        np.testing.assert_allclose(shown_conv(tab), ndimage.correlate(grey(picture), kernel, mode="constant"), atol=1e-5)
    assert tab.editors[0].presets.currentText() == "Custom"


def test_clicking_a_convolution_pixel_shows_products_that_sum_to_it(tab, qtbot, picture):
    tab.open_image(picture)
    tab.size.setValue(60)  # pixels large enough on screen to click one exactly
    qtbot.waitUntil(lambda: tab.stages.input.shape[0] == 60 and not tab._timer.isActive())
    qtbot.wait(50)  # the view's new range laid out
    expected = ndimage.correlate(grey(picture, 60), LAPLACIAN, mode="constant")
    for row, column in [(8, 12), (30, 14), (0, 59)]:  # the last in the zero padding's corner
        scene = tab.conv_view.image.mapToScene(QPointF(column + 0.5, row + 0.5))
        qtbot.mouseClick(tab.conv_view.graphics.viewport(), Qt.MouseButton.LeftButton,
                         pos=tab.conv_view.graphics.mapFromScene(scene))
        text = tab.products.total.text()
        total = float(re.search(r"Σ products = <b>(-?[\d.]+)</b>", text).group(1))
        assert total == pytest.approx(expected[row, column], abs=1e-4)
        assert f"convolution pixel {expected[row, column]:.4f}" in text
        assert f"row {row}, col {column}" in tab.products.hint.text() and "pinned" in tab.products.hint.text()
        patch = [[float(tab.products.patch.item(r, c).text()) for c in range(3)] for r in range(3)]
        inside = np.pad(grey(picture, 60), 1)[row:row + 3, column:column + 3]
        np.testing.assert_allclose(patch, inside, atol=5e-4)
        outline = tab.input_view.marker.rect()
        assert (outline.x(), outline.y(), outline.width(), outline.height()) == (column - 1, row - 1, 3, 3)


def test_shapes_follow_the_tutorial_then_stride_padding_and_a_second_kernel(tab, qtbot):
    assert "(1, 300, 300, 1) -> (1, 300, 300, 1) -> (1, 150, 150, 1) -> (1, 22500) -> (1, 64)" in tab.shapes.text()
    assert "(1, 22500)" in tab.flat_view.heading.text()
    assert "(1, 64)" in tab.dense_view.heading.text() and "untrained, random weights" in tab.dense_view.heading.text()
    assert len(tab.flat_view.first.text().split("[")[1].split("]")[0].split()) == 20
    tab.stride.setFocus()
    qtbot.keyClick(tab.stride, Qt.Key.Key_Down)  # stride 2
    qtbot.waitUntil(lambda: "(1, 150, 150, 1) -> (1, 75, 75, 1) -> (1, 5625)" in tab.shapes.text())
    tab.padding.setFocus()
    qtbot.keyClick(tab.padding, Qt.Key.Key_Down)  # valid
    qtbot.waitUntil(lambda: "(1, 149, 149, 1) -> (1, 74, 74, 1) -> (1, 5476)" in tab.shapes.text())
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "(1, 149, 149, 2) -> (1, 74, 74, 2) -> (1, 10952)" in tab.shapes.text())
    assert tab.editors[1].presets.currentText() == "Sobel x"
    assert shown_conv(tab).shape[1] > 2 * 149  # two maps side by side in one image


def test_a_5x5_preset_and_colour_channels(tab, qtbot):
    tab.side.setFocus()
    qtbot.keyClick(tab.side, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: len(tab.editors[0].cells) == 25 and not tab._timer.isActive())
    np.testing.assert_array_equal(tab.editors[0].kernel(), np.pad(LAPLACIAN, 1))
    tab.editors[0].presets.setFocus()
    qtbot.keyClicks(tab.editors[0].presets, "Gauss")
    qtbot.waitUntil(lambda: tab.editors[0].kernel()[2, 2] == pytest.approx(36 / 256, abs=1e-4))
    qtbot.mouseClick(tab.colour, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "(1, 300, 300, 3) -> (1, 300, 300, 3) -> (1, 150, 150, 3) -> (1, 67500)" in tab.shapes.text())


def test_an_unreadable_file_says_why_and_keeps_the_image(tab, qtbot, tmp_path):
    before = tab.input.copy()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"no picture here")
    assert not tab.open_image(broken)
    assert "broken.jpg: not an image file" in tab.caption.text()
    np.testing.assert_array_equal(tab.input, before)


def test_pasting_an_image(tab, qtbot):
    from PySide6.QtGui import QGuiApplication, QImage

    picture = QImage(64, 48, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.white)
    QGuiApplication.clipboard().setImage(picture)
    tab.conv_view.setFocus()
    qtbot.keyClick(tab.conv_view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.caption.text() == "Pasted image")
    assert tab.input.min() == pytest.approx(1.0)


def test_dropping_an_image_file_on_the_tab(tab, qtbot, picture):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tab, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tab, drop)
    qtbot.waitUntil(lambda: tab.caption.text() == "shapes.png" and not tab._timer.isActive())
    np.testing.assert_allclose(tab.input[:, :, 0], grey(picture), atol=1e-6)


def test_hovering_the_convolution_follows_the_mouse_until_a_click_pins(tab, qtbot):
    tab.size.setValue(40)
    qtbot.waitUntil(lambda: tab.stages.input.shape[0] == 40 and not tab._timer.isActive())
    qtbot.wait(50)
    graphics = tab.conv_view.graphics

    def at(row, column):
        return graphics.mapFromScene(tab.conv_view.image.mapToScene(QPointF(column + 0.5, row + 0.5)))

    qtbot.mouseMove(graphics.viewport(), at(10, 20))
    qtbot.waitUntil(lambda: "row 10, col 20" in tab.products.hint.text() and "under the mouse" in tab.products.hint.text())
    qtbot.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, pos=at(12, 5))
    qtbot.mouseMove(graphics.viewport(), at(30, 30))
    qtbot.wait(100)  # past the hover rate limit
    assert "row 12, col 5 (pinned" in tab.products.hint.text()
    assert "(1, 40, 40, 1) -> (1, 40, 40, 1) -> (1, 20, 20, 1) -> (1, 400) -> (1, 64)" in tab.shapes.text()
