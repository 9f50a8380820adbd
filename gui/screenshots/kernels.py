"""Screenshot of the Kernels tab: the Laplacian on a photo, one output pixel clicked open.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m gui.screenshots.kernels [OUT.png]

The photo is the app's made-up scene (model/data/scene.py) saved as a JPEG and opened like any
file; the click is a real mouse click on the convolution output. Writes
docs/screenshots/kernels.png by default.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.common.scripting import wait_until

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "kernels.png"
SIZE = (1366, 740)  # a 1366x768 screen less its panel


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.window import MainWindow
    from model.data.scene import demo_photo

    folder = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))
    out = Path(argv[0]) if argv else DEFAULT_OUT
    photo = folder / "house_at_dusk.jpg"
    demo_photo().save(photo, quality=90)
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    wait_until(lambda: window.is_ready and window.kernels is not None and "measuring" not in window.model_info.text(), 180)
    tab = window.kernels
    window.tabs.setCurrentWidget(tab)
    tab.open_image(photo)
    wait_until(lambda: not tab._timer.isActive())
    for _ in range(10):
        app.processEvents()
    conv = tab.stages.conv[:, :, 0]
    row, column = np.unravel_index(int(np.argmax(conv)), conv.shape)  # the strongest edge: a lit window's frame
    graphics = tab.conv_view.graphics
    scene = tab.conv_view.image.mapToScene(QPointF(column + 0.5, row + 0.5))
    QTest.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, pos=graphics.mapFromScene(scene))
    for _ in range(20):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    channel, row, column = tab._pixel
    print(f"conv pixel ({row}, {column}) = {tab.stages.conv[row, column, channel]:.4f}, "
          f"|max| {np.abs(tab.stages.conv).max():.3f}; saved {out}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
