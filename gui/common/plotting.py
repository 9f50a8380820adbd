"""pyqtgraph and Qt's painting, configured once for the whole window, the colour maps every view shares, and hover.

Every gui module imports pyqtgraph from here (`from gui.common.plotting import pg`), so the
options are set before the first item is made and the first view is painted.
"""

from __future__ import annotations

import os
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPalette

pg.setConfigOptions(imageAxisOrder="row-major")  # images are numpy arrays indexed [row, column]
# Qt's raster engine hands large fills and image draws to a pool of threads and waits for them: on two cores,
# with TensorFlow's workers beside it, the hand-off costs more than the drawing (read when Qt first paints).
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")

ACTIVATIONS = pg.colormap.get("viridis")  # feature maps, strips, the confusion matrix
ACTIVATIONS_LUT = ACTIVATIONS.getLookupTable(nPts=256)
DIVERGING = pg.colormap.get("CET-D1")  # weights and signed values: blue negative, white zero, red positive
GREY = pg.colormap.get("CET-L1")  # black to white: an input as the network sees it
HOVER_RATE = 60  # hover read-outs per second at most


def paints_own_background(view: pg.GraphicsView) -> pg.GraphicsView:
    """`view` (with no background of its own) fills its area in the window's colour itself: Qt then repaints
    only the view, not the panels and tab behind it, when its items change on every stroke."""
    view.viewport().setBackgroundRole(QPalette.ColorRole.Window)
    view.viewport().setAutoFillBackground(True)
    return view


def on_hover(scene, slot: Callable[[QPointF], None]) -> pg.SignalProxy:
    """Call `slot(scene_position)` as the mouse moves over `scene`, at most HOVER_RATE times a
    second; keep the returned proxy as long as the hover should work."""
    return pg.SignalProxy(scene.sigMouseMoved, rateLimit=HOVER_RATE, slot=lambda args: slot(args[0]))


__all__ = ["pg", "ACTIVATIONS", "ACTIVATIONS_LUT", "DIVERGING", "GREY", "HOVER_RATE", "on_hover", "paints_own_background"]
