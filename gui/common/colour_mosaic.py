"""Colour tiles (first-layer kernels of RGB models) laid out as one RGB image, on the Mosaic's grid."""

from __future__ import annotations

import numpy as np

from gui.common.mosaic import Mosaic

GAP_VALUE = 1.0  # white between tiles


def colour_mosaic(tiles: np.ndarray, aspect: float = 2.5) -> np.ndarray:
    """(n, h, w, 3) tiles in 0..1 as one (rows, columns, 3) image."""
    count, height, width, _ = tiles.shape
    grids = []
    for channel in range(3):
        mosaic = Mosaic(height, width, count, aspect)
        grids.append(np.array(mosaic.fill(np.moveaxis(tiles[..., channel], 0, -1))))
    return np.nan_to_num(np.stack(grids, axis=-1), nan=GAP_VALUE)
