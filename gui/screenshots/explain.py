"""Screenshot of "see why": a drawn 7 with the Grad-CAM overlay on the model input and three maps of the
first convolution switched off by right-clicks: `python -m gui.screenshots.explain [OUT.png] [MODEL]`.

Run offscreen (QT_QPA_PLATFORM=offscreen); writes docs/screenshots/explain.png by default.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from gui.screenshots import draw_inspect as screenshot
from gui.common.scripting import wait_until

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "explain.png"
SWITCHED_OFF = (0, 5, 9)  # channels of the first convolution


def map_centre(panel, channel: int) -> QPoint:
    """Where map `channel`'s tile of a mosaic panel is, in its view's widget coordinates."""
    mosaic = panel.mosaic
    row, column = divmod(channel, mosaic.columns)
    point = QPointF((column + 0.5) * (mosaic.width + 1), (row + 0.5) * (mosaic.height + 1))
    return panel.view.mapFromScene(panel.image.mapToScene(point))


def switch_maps_off(window) -> None:
    """Wait for the overlay, then right-click SWITCHED_OFF's maps of the first convolution."""
    wait_until(lambda: window.explain.attributor is not None and window.explain.overlay.values is not None)
    panel = window.pipeline.panels[1]
    for channel in SWITCHED_OFF:
        QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                         map_centre(panel, channel))
    wait_until(lambda: window.explain.switch.off_count == len(SWITCHED_OFF))


if __name__ == "__main__":
    sys.exit(screenshot.main(sys.argv[1:] or [str(DEFAULT_OUT)], prepare=switch_maps_off))
