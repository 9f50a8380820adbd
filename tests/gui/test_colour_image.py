"""Feature maps drawn through the colour table by `ColourMappedImage` look as pyqtgraph's own ImageItem draws them."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from gui.common.colour_image import ColourMappedImage
from gui.common.plotting import ACTIVATIONS_LUT, pg


def rendered_rgba(item: pg.ImageItem) -> np.ndarray:
    item.render()
    image = item.qimage.convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4).copy()


def test_maps_look_as_pyqtgraph_draws_them_with_gaps_clear(qapp):
    values = np.random.default_rng(0).normal(0, 1, (40, 70)).astype(np.float32)
    values[:, 10] = np.nan  # a gap between tiles
    values[5, 5] = 9.0  # beyond the levels: the top colour
    for levels in ((-1.0, 2.0), (0.0, 0.0)):
        ours = ColourMappedImage(values, lut=ACTIVATIONS_LUT, levels=levels)
        theirs = pg.ImageItem(values, lut=ACTIVATIONS_LUT, levels=levels)
        mine, expected = rendered_rgba(ours), rendered_rgba(theirs)
        assert ours.qimage.format() == QImage.Format.Format_ARGB32_Premultiplied  # drawn without a conversion
        assert (mine[:, 10, 3] == 0).all() and (expected[:, 10, 3] == 0).all()
        shown = ~np.isnan(values)
        # The same table entry, or its neighbour where a value sits on a boundary in float32 instead of float64.
        assert np.abs(mine[shown].astype(int) - expected[shown].astype(int)).max() <= 3
        assert (mine[shown][:, 3] == 255).all()
        np.testing.assert_array_equal(mine[5, 5], expected[5, 5])


def test_colour_images_and_downsampled_ones_take_pyqtgraphs_path(qapp):
    colour = np.random.default_rng(1).uniform(0, 1, (8, 9, 3)).astype(np.float32)
    item = ColourMappedImage(colour, levels=(0, 1))
    item.render()
    assert item.qimage is not None and item.qimage.format() != QImage.Format.Format_ARGB32_Premultiplied
