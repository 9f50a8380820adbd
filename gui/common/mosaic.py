"""Laying a layer's feature maps out as one image: a grid of tiles with NaN gaps."""

from __future__ import annotations

import math

import numpy as np

GAP = 1


class Mosaic:
    """A fixed grid for `channels` maps of `height` x `width`, filled without reallocating."""

    def __init__(self, height: int, width: int, channels: int, aspect: float = 2.5) -> None:
        self.height, self.width, self.channels = height, width, channels
        self.columns = _columns(channels, aspect * height / width)
        self.rows = math.ceil(channels / self.columns)
        self._cells = np.full((self.rows, height + GAP, self.columns, width + GAP), np.nan, np.float32)
        self._maps = np.zeros((self.rows * self.columns, height, width), np.float32)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows * (self.height + GAP) - GAP, self.columns * (self.width + GAP) - GAP

    def fill(self, values: np.ndarray, per_map: bool = False) -> np.ndarray:
        """The mosaic of (H, W, C) `values` (scaled to 0..1 per map when `per_map`); a view into a reused buffer."""
        maps = self._maps[:self.channels]
        np.copyto(maps, np.moveaxis(values, -1, 0))
        if per_map:
            low = maps.min(axis=(1, 2), keepdims=True)
            span = maps.max(axis=(1, 2), keepdims=True) - low
            maps -= low
            maps /= np.where(span > 0, span, 1.0)
        grid = self._maps.reshape(self.rows, self.columns, self.height, self.width)
        self._cells[:, :self.height, :, :self.width] = grid.transpose(0, 2, 1, 3)
        if self.channels < self.rows * self.columns:  # keep the unused tail cells empty
            self._cells.reshape(self.rows, self.height + GAP, -1)[-1, :, (self.channels % self.columns) * (self.width + GAP):] = np.nan
        rows, columns = self.shape
        return self._cells.reshape(self.rows * (self.height + GAP), -1)[:rows, :columns]

    def locate_xy(self, x: float, y: float) -> tuple[int, int, int] | None:
        """Like `locate`, for a point in image coordinates (x right, y down; left of or above the image: None)."""
        return None if x < 0 or y < 0 else self.locate(int(y), int(x))

    def locate(self, row: int, column: int) -> tuple[int, int, int] | None:
        """(channel, row, column) of the map pixel at mosaic pixel (row, column), or None in a gap."""
        cell_row, r = divmod(row, self.height + GAP)
        cell_col, c = divmod(column, self.width + GAP)
        channel = cell_row * self.columns + cell_col
        if r >= self.height or c >= self.width or not 0 <= cell_col < self.columns or not 0 <= channel < self.channels:
            return None
        return channel, r, c


def _columns(count: int, aspect: float) -> int:
    """Columns for `count` tiles so the grid's columns/rows ratio is near `aspect`; divisors preferred."""
    def badness(columns: int) -> float:
        rows = math.ceil(count / columns)
        waste = rows * columns - count
        return abs(math.log(columns / rows / aspect)) + 4 * waste / count
    return min(range(1, count + 1), key=badness)
