"""The drawing loop through the real window, offscreen, and the start-up times; prints JSON.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python benchmarks/bench_drawing_loop.py [--model PATH ...]

Per model: from a synthetic mouse-move event on the canvas to every panel updated and the
event loop idle (median, p95 over a few hundred moves), next to the model alone
(Inspector.inspect) and the preprocessing alone. Start-up: `python main.py` launched as a
subprocess with DIGIT_LENS_STARTUP_TIMINGS=1, timed to the window shown and to the first
prediction of a digit put on the canvas at once (before the model is ready); and the same
for `gui.app.run_app` called directly, which leaves out main.py's own imports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STROKES, MOVES_PER_STROKE = 5, 60


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "n": len(ms)}


def drawing_loop(app, model_path: str) -> dict:
    from PySide6.QtCore import QEvent

    from gui import MainWindow
    from gui.scripting import ellipse, mouse, scaled, wait_until
    from model.preprocess import preprocess

    window = MainWindow(model_path=model_path)
    window.resize(1366, 740)
    window.show()
    wait_until(lambda: window.is_ready, 180)
    wait_until(lambda: "measuring" not in window.model_info.text(), 180)  # the test-set accuracy, off the GUI thread
    updates = []
    window.draw.viewUpdated.connect(lambda: updates.append(1))
    canvas = window.canvas
    loop, inputs = [], []
    for i in range(STROKES):
        points = scaled(ellipse((140 + 10 * i, 140), (55, 90), MOVES_PER_STROKE), canvas)
        mouse(canvas, QEvent.Type.MouseButtonPress, points[0])
        wait_until(lambda: not window.draw._timer.isActive(), 180)
        for point in points[1:]:
            before = len(updates)
            start = time.perf_counter()
            mouse(canvas, QEvent.Type.MouseMove, point)
            while len(updates) == before:
                app.processEvents()
            app.processEvents()  # the repaints the update asked for
            loop.append(time.perf_counter() - start)
            inputs.append(window.draw.model_input)
        mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1])
        pixels = canvas.pixels()
        canvas.clear()
        app.processEvents()
    inspector = window.draw.inspector
    model_only, prep_only = [], []
    for model_input in inputs:
        start = time.perf_counter()
        inspector.inspect(model_input)
        model_only.append(time.perf_counter() - start)
    for _ in range(100):
        start = time.perf_counter()
        preprocess(pixels, inspector.input_shape)
        prep_only.append(time.perf_counter() - start)
    result = {"model": inspector.name, "path": model_path, "move_to_all_panels_updated": _summary(loop),
              "model_only_inspect": _summary(model_only), "preprocess_only": _summary(prep_only)}
    window.close()
    window.deleteLater()
    app.processEvents()
    return result


def startup(command: list[str], runs: int, config_home: str) -> dict:
    env = dict(os.environ, DIGIT_LENS_STARTUP_TIMINGS="1", PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=config_home)
    shown, predicted = [], []
    for _ in range(runs):
        start = time.time()
        done = subprocess.run([sys.executable, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        report = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
        shown.append(report["shown"] - start)
        predicted.append(report["first_prediction"] - start)
    return {"command": " ".join(["python", *command]), "runs": runs,
            "to_window_shown_s": round(statistics.median(shown), 2),
            "to_first_prediction_s": round(statistics.median(predicted), 2)}


def _default_models(folder: Path) -> list[str]:
    from model.architectures import build
    from model.store import SHIPPED_MODEL, save_model_atomic

    small = save_model_atomic(build("cnn_small"), folder / "cnn_small.keras")  # untrained: timing only
    return [str(small), str(SHIPPED_MODEL)] if SHIPPED_MODEL.exists() else [str(small)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a model to time (default: cnn_small and the shipped model)")
    parser.add_argument("--startup-runs", type=int, default=3)
    args = parser.parse_args()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    with tempfile.TemporaryDirectory() as folder:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, folder)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        models = args.model or _default_models(Path(folder))
        results = {"cpu_count": os.cpu_count(), "loops": [drawing_loop(app, m) for m in models], "startup": []}
        if args.startup_runs:
            results["startup"] = [
                startup(["main.py", "--model", models[-1]], args.startup_runs, folder),
                # The window alone, without main.py's command-line set-up:
                startup(["-c", f"from gui.app import run_app; run_app(model_path={models[-1]!r})"], args.startup_runs,
                        folder),
            ]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
