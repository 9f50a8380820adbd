"""The model input panel as drawn on every stroke: the input in plain grey (or its colours) and the step captions."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from gui.common.plotting import pg
from tests.gui.test_colour_image import rendered_rgba


def test_the_model_input_is_shown_in_plain_grey_and_a_colour_input_in_its_colours(qtbot):
    from gui.inspect.input_panel import InputPanel

    panel = InputPanel()
    qtbot.addWidget(panel)
    grey = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28, 1)
    panel.show_input(grey, [])
    shown = rendered_rgba(panel.image)
    assert panel.image.qimage.format() == QImage.Format.Format_ARGB32_Premultiplied
    expected = pg.ImageItem(grey[..., 0], levels=(0, 1))  # pyqtgraph's own grey
    np.testing.assert_array_equal(shown, rendered_rgba(expected))
    assert shown[0, 0, 0] == 0 and shown[-1, -1, 0] == 255
    colour = np.zeros((8, 8, 3), np.float32)
    colour[..., 0] = 1.0  # red
    panel.show_input(colour, [])
    shown = rendered_rgba(panel.image)
    assert (shown[..., 0] == 255).all() and (shown[..., 1:3] == 0).all()
    panel.show_input(grey, [])  # and back to grey, by the fast path again
    np.testing.assert_array_equal(rendered_rgba(panel.image), rendered_rgba(expected))
    assert panel.image.qimage.format() == QImage.Format.Format_ARGB32_Premultiplied


def test_the_step_captions_are_centred_under_their_pictures_even_right_after_a_font_change(qtbot):
    from PySide6.QtGui import QFont

    from gui.inspect.input_panel import THUMBNAIL_SIDE, StepStrip

    strip = StepStrip(2)
    qtbot.addWidget(strip)
    strip.resize(300, strip.height())
    strip.set_steps([(np.ones((20, 20), np.float32), "cropped"), (np.ones((28, 28), np.float32), "centred by mass")])

    def caption_centres() -> list[float]:
        image = strip.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        text = rows[THUMBNAIL_SIDE + 4:, :image.width()].astype(int)
        ink = (np.abs(text - np.median(text)) > 40).any(axis=0)
        half = image.width() // 2
        return [float(np.flatnonzero(ink[:half]).mean()), half + float(np.flatnonzero(ink[half:]).mean())]

    for _ in range(2):
        assert np.allclose(caption_centres(), [75, 225], atol=3)  # each caption under its own picture
        font = QFont(strip.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        strip.setFont(font)  # and at once in the new font
