"""The training data's canvas drawing (model/data/pen_canvas.py, no Qt) paints what the window's canvas paints for the
same mouse strokes, so the model learns what the canvas really produces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gui.common.scripting import stroke
from gui.inspect.canvas import Canvas
from model.data.pen_canvas import BRUSH_SIZES, CANVAS_SIDE, DEFAULT_BRUSH, draw_on_canvas
from model.inspect.preprocess import preprocess

UNIPEN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "unipen_digits.npz"


def _trajectories() -> list[list[np.ndarray]]:
    """A few real writers' digits where the file is at hand, else two drawn here (a 4 in two strokes, a looped 2)."""
    if UNIPEN.exists():
        from model.data.unipen import load_unipen

        digits = load_unipen(UNIPEN)
        return [digits.strokes(i) for i in (3, 2000, 5000, 9000, 13000)]
    # Slanted, as handwriting is: Pillow's 4x supersampling covers an edge in quarter pixels, which along a line
    # exactly level or upright is a visible grey step on every edge pixel of a thin brush.
    t = np.linspace(0, 1, 40)
    slant = np.array([[1.0, -0.2], [0.05, 1.0]])
    return [[np.array([[60, 10], [20, 60], [80, 62]], float) @ slant.T, np.array([[65, 30], [61, 100]], float) @ slant.T],
            [np.stack([30 + 40 * np.sin(3 * t), 10 + 90 * t], axis=1)]]


def _placed(strokes: list[np.ndarray], brush: float) -> list[np.ndarray]:
    points = np.vstack(strokes)
    low, extent = points.min(axis=0), np.ptp(points, axis=0).max()
    return [(s - low) / extent * 180 + 40 + brush / 2 for s in strokes]


@pytest.mark.parametrize("brush", [BRUSH_SIZES[0], DEFAULT_BRUSH, BRUSH_SIZES[1]])
def test_real_writers_strokes_paint_as_on_the_windows_canvas(qtbot, brush):
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(CANVAS_SIDE, CANVAS_SIDE)  # widget pixels are image pixels
    canvas.brush_size = float(brush)
    for strokes in _trajectories():
        placed = _placed(strokes, brush)
        canvas.clear()
        for line in placed:
            stroke(canvas, [tuple(p) for p in line])
        painted = canvas.pixels().astype(float)
        ours = draw_on_canvas(placed, brush).astype(float)
        assert painted.max() == 255 and ours.max() == 255
        inked = (painted > 0) | (ours > 0)
        assert np.abs(painted - ours)[inked].mean() < 10  # grey levels where either has ink (a thin brush: all edge)
        assert abs(ours.sum() / painted.sum() - 1) < 0.03  # as much ink
        assert not (((painted > 230) & (ours < 25)) | ((ours > 230) & (painted < 25))).any()  # edges within a pixel
        fed_canvas, fed_ours = preprocess(painted.astype(np.uint8)).model_input, preprocess(ours.astype(np.uint8)).model_input
        # The model gets the same digit (centring by mass may round to a neighbouring pixel)
        difference = min((np.abs(fed_canvas - np.roll(fed_ours, (dy, dx), axis=(0, 1))) for dy in (-1, 0, 1)
                          for dx in (-1, 0, 1)), key=np.mean)
        assert difference.mean() < 0.01 and difference.max() < 0.2
