"""Screenshot of the window with a digit drawn by real mouse events: `python -m gui.screenshots.draw_inspect [OUT.png]`.

Run offscreen (QT_QPA_PLATFORM=offscreen); writes docs/screenshots/draw_inspect.png by default.
The window starts from its default layout (remembered settings are not read), and the
status bar's accuracy is measured when MNIST is at hand ($DIGIT_LENS_MNIST).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from gui.common.scripting import line, scaled, stroke, wait_until

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "draw_inspect.png"
SIZE = (1366, 740)  # a 1366x768 screen less its panel


def main(argv: list[str], prepare: Callable | None = None) -> int:
    """Draw a 7 in a fresh window, run `prepare(window)` if given, and save the window as argv[0]."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())

    out = Path(argv[0]) if argv else DEFAULT_OUT
    window = MainWindow(model_path=argv[1] if len(argv) > 1 else None)
    window.resize(*SIZE)
    window.show()
    wait_until(lambda: window.is_ready)
    canvas = window.canvas
    # A 7: the top bar, then the long diagonal.
    stroke(canvas, scaled(line((80, 70), (200, 70)), canvas))
    stroke(canvas, scaled(line((200, 70), (120, 225), 30), canvas))
    wait_until(lambda: window.draw.inspection is not None and "measuring" not in window.model_info.text())
    # The overlay and the nearest training digits: built (or read from the cache) in the background.
    wait_until(lambda: window.explain.attributor is not None, 120)
    wait_until(lambda: "Indexing" not in window.pipeline.novelty.verdict.text(), 600)
    if prepare is not None:
        prepare(window)
    for _ in range(20):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"digit {window.draw.inspection.digit}; saved {out}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
