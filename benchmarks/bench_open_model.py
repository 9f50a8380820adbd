"""Opening a large model in the real window, offscreen: File > Open model to the pipeline built and the first
photo classified, and scrolling through its stages; prints JSON.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python benchmarks/bench_open_model.py [--runs N]

The model is Keras' MobileNetV2 at 96x96x3 with random weights (`weights=None`: nothing is downloaded), saved
to a temporary .keras file; the photo is the app's made-up scene (model/data/scene.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    import keras

    from gui.common.scripting import wait_until
    from gui.window import MainWindow
    from model.data.scene import demo_photo
    from model.nets.store import save_model_atomic

    folder = Path(tempfile.mkdtemp())
    path = save_model_atomic(keras.applications.MobileNetV2(input_shape=(96, 96, 3), weights=None),
                             folder / "mobilenet_v2.keras")
    demo_photo().save(folder / "scene.png")
    window = MainWindow()
    window.resize(1366, 740)
    window.show()
    wait_until(lambda: window.is_ready, 120)
    window.open_image(folder / "scene.png")
    wait_until(lambda: window.draw.inspection is not None, 60)
    opened, scrolled, stages = [], [], 0
    for _ in range(args.runs):
        window.open_model(path)
        started = time.perf_counter()
        wait_until(lambda: window.draw.inspector.name.startswith("mobilenet") and window.draw.inspection is not None
                   and not window.draw._timer.isActive(), 300)
        app.processEvents()
        opened.append(time.perf_counter() - started)
        stages = len(window.draw.inspector.stages)
        bar = window.pipeline.scroll.verticalScrollBar()
        for value in range(0, bar.maximum() + 1, max(1, bar.pageStep() // 2)):
            started = time.perf_counter()
            bar.setValue(value)
            app.processEvents()
            scrolled.append(time.perf_counter() - started)
        bar.setValue(0)
        window.draw.inspection = None
    window.close()
    print(json.dumps({"model": "MobileNetV2 96x96x3", "stages": stages, "runs": args.runs,
                      "open_to_first_prediction_s": {"median": round(statistics.median(opened), 2),
                                                     "max": round(max(opened), 2)},
                      "scroll_half_page_ms": {"median": round(1000 * statistics.median(scrolled), 1),
                                              "p95": round(1000 * sorted(scrolled)[int(0.95 * (len(scrolled) - 1))], 1),
                                              "steps": len(scrolled)}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
