"""Screenshot of "see why": a drawn 7 with the Grad-CAM overlay on the model input and three maps of the
first convolution switched off by right-clicks: `python -m gui.explain_screenshot [OUT.png] [MODEL]`.

Run offscreen (QT_QPA_PLATFORM=offscreen); writes docs/screenshots/explain.png by default.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.scripting import line, scaled, stroke, wait_until

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "explain.png"
SIZE = (1366, 740)
SWITCHED_OFF = (0, 5, 9)  # channels of the first convolution


def map_centre(panel, channel: int) -> QPoint:
    """Where map `channel`'s tile of a mosaic panel is, in its view's widget coordinates."""
    mosaic = panel.mosaic
    row, column = divmod(channel, mosaic.columns)
    point = QPointF((column + 0.5) * (mosaic.width + 1), (row + 0.5) * (mosaic.height + 1))
    return panel.view.mapFromScene(panel.image.mapToScene(point))


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    out = Path(argv[0]) if argv else DEFAULT_OUT
    window = MainWindow(model_path=argv[1] if len(argv) > 1 else None)
    window.resize(*SIZE)
    window.show()
    wait_until(lambda: window.is_ready and window.explain.attributor is not None)
    canvas = window.canvas
    stroke(canvas, scaled(line((80, 70), (200, 70)), canvas))
    stroke(canvas, scaled(line((200, 70), (120, 225), 30), canvas))
    wait_until(lambda: window.draw.inspection is not None)
    panel = window.pipeline.panels[1]
    for channel in SWITCHED_OFF:
        QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                         map_centre(panel, channel))
    wait_until(lambda: window.explain.switch.off_count == len(SWITCHED_OFF))
    for _ in range(20):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"digit {window.draw.inspection.digit}; saved {out}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
