"""The window's pure parts: mosaic layout, colour levels, and which convolution made a map."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from gui.common.mosaic import Mosaic
from gui.common.panels import levels_of
from model.inspect.lineage import MapSource, map_source


def test_mosaic_lays_out_every_map_and_finds_each_pixel():
    rng = np.random.default_rng(0)
    values = rng.random((13, 13, 32)).astype(np.float32)
    mosaic = Mosaic(13, 13, 32)
    image = mosaic.fill(values)
    assert image.shape == mosaic.shape
    assert (mosaic.rows, mosaic.columns) == (4, 8)
    for channel in (0, 9, 31):
        row, column = divmod(channel, mosaic.columns)
        top, left = row * 14 + 5, column * 14 + 7
        assert mosaic.locate(top, left) == (channel, 5, 7)
        assert image[top, left] == values[5, 7, channel]
    assert mosaic.locate(13, 0) is None  # a gap between rows
    assert np.isnan(image[13, 0])


def test_mosaic_scales_each_map_on_its_own_and_leaves_spare_cells_empty():
    values = np.stack([np.full((4, 4), 2.0), np.arange(16.0).reshape(4, 4), np.zeros((4, 4))], axis=-1)
    mosaic = Mosaic(4, 4, 3, aspect=1.0)  # a 2x2 grid: one spare cell
    image = mosaic.fill(values, per_map=True)
    assert np.nanmax(image) == 1.0 and np.nanmin(image) == 0.0
    assert np.isnan(image[5:, 5:]).all()
    assert mosaic.locate(6, 6) is None


@pytest.mark.parametrize("values, levels", [
    ([0.0, 0.73], (0.0, 1.0)), ([0.0, 3.2], (0.0, 5.0)), ([-0.31, 0.12], (-0.5, 0.2)),
    ([0.0, 0.0], (0.0, 1.0)), ([-2.0, -1.0], (-2.0, 0.0)),
])
def test_colour_levels_are_round_and_cover_the_values(values, levels):
    assert levels_of(np.array(values)) == pytest.approx(levels)


def _stages(*rows):
    return [SimpleNamespace(name=name, kind=kind, input_shape=inp, output_shape=out) for name, kind, inp, out in rows]


def test_map_source_follows_channels_back_to_their_convolution():
    stages = _stages(("input", "InputLayer", (28, 28, 1), (28, 28, 1)),
                     ("conv1", "Conv2D", (28, 28, 1), (26, 26, 32)),
                     ("relu1", "ReLU", (26, 26, 32), (26, 26, 32)),
                     ("pool1", "MaxPooling2D", (26, 26, 32), (13, 13, 32)),
                     ("conv2", "Conv2D", (13, 13, 32), (11, 11, 64)),
                     ("flatten", "Flatten", (11, 11, 64), (7744,)))

    def size(name: str) -> tuple[int, int]:
        return 3, 3

    assert map_source(stages, 1, size) == MapSource("conv1", sees_input=True)
    assert (map_source(stages, 2, size).convolution, map_source(stages, 2, size).sees_input) == ("conv1", True)
    assert (map_source(stages, 3, size).convolution, map_source(stages, 3, size).sees_input) == ("conv1", False)
    assert (map_source(stages, 4, size).convolution, map_source(stages, 4, size).sees_input) == ("conv2", False)
    assert map_source(stages, 0, size) is None
    assert map_source(stages, 5, size) is None
    assert not map_source(stages, 1, lambda name: (5, 5)).sees_input  # not a 3x3 'valid' window then


def test_the_window_is_importable_from_the_package_as_scripts_expect():
    import gui
    from gui.window import MainWindow

    assert gui.MainWindow is MainWindow
