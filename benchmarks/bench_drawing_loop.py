"""The drawing loop through the real window, offscreen, and the start-up times; prints JSON.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python benchmarks/bench_drawing_loop.py [--model PATH ...]

Per model: from a synthetic mouse-move event on the canvas to every visible panel updated and
the event loop idle (median, p95 over a few hundred moves), split into its parts per move
(the mouse event, preprocessing, the model, each panel kind, the rest of the update, the
repaint), next to the model alone (Inspector.inspect) and the preprocessing alone, and beside
a fixed piece of work timed between the strokes (`speed_work`): the loop's median over that
work's says whether a slow figure is the code or the shared machine's hour.
Start-up: `python main.py` launched as a subprocess with DIGIT_LENS_STARTUP_TIMINGS=1, timed
to the window shown and to the first prediction of a digit put on the canvas at once (before
the model is ready); the same for `gui.app.run_app` called directly, which
leaves out main.py's own imports; and the phases one after another in one process (imports,
the model file read and run in numpy before TensorFlow, model load, compiling, first inference), which says
where the seconds go.
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
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
if "DIGIT_LENS_MNIST" not in os.environ and SHARED_MNIST.exists():
    os.environ["DIGIT_LENS_MNIST"] = str(SHARED_MNIST)  # the window's test set, never a download

STROKES, MOVES_PER_STROKE = 5, 60
OUTSIDE_UPDATE = ("canvas_stroke", "canvas_paint")  # parts timed outside the update (within the mouse event)


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "n": len(ms)}


class PartTimes:
    """Seconds spent per mouse move in named methods, patched onto their classes while timing."""

    def __init__(self) -> None:
        self.move: dict[str, float] = defaultdict(float)
        self.moves: list[dict[str, float]] = []
        self._patched: list[tuple[object, str, object]] = []

    def patch(self, owner, name: str, part: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.move[part] += time.perf_counter() - start
                self.move[f"{part}_ended"] = time.perf_counter()
        self._patched.append((owner, name, original))
        setattr(owner, name, timed)

    def end_move(self, started: float, ended: float) -> None:
        """Close one move: the mouse event before the update, the update's own rest, the repaint after it."""
        move = {part: seconds for part, seconds in self.move.items() if not part.endswith("_ended")}
        update = move.pop("update")
        move["rest_of_update"] = update - sum(seconds for part, seconds in move.items() if part not in OUTSIDE_UPDATE)
        move["mouse_event"] = self.move["update_ended"] - update - started
        move["repaint"] = ended - self.move["update_ended"]
        move["total"] = ended - started
        self.moves.append(move)
        self.move.clear()

    def summary(self) -> dict[str, dict[str, float]]:
        parts = sorted({part for move in self.moves for part in move})
        return {part: _summary([move.get(part, 0.0) for move in self.moves]) for part in parts}

    def restore(self) -> None:
        for owner, name, original in reversed(self._patched):
            setattr(owner, name, original)


@contextmanager
def timed_parts():
    """Time the loop's parts: preprocessing, the model, each panel kind and the whole update."""
    import model.inspect.inspection
    import model.inspect.preprocess
    from gui.inspect.canvas import Canvas
    from gui.inspect.tab import DrawInspectTab
    from gui.inspect.input_panel import InputPanel
    from gui.inspect.novelty_panel import NoveltyFinder
    from gui.inspect.output_panel import OutputPanel
    from gui.common.panels import BarsPanel, MapsPanel, StripPanel
    from gui.inspect.explain import Explainer

    times = PartTimes()
    times.patch(Canvas, "mouseMoveEvent", "canvas_stroke")
    times.patch(Canvas, "paintEvent", "canvas_paint")
    times.patch(model.inspect.preprocess, "preprocess", "preprocess")  # the tab imports it on each call
    times.patch(model.inspect.inspection.Inspector, "inspect", "model")
    times.patch(DrawInspectTab, "refresh", "update")  # before the window connects its timer to it
    times.patch(InputPanel, "show_input", "input_panel")
    times.patch(Explainer, "update", "overlay")  # where it looks: attribution and its image
    times.patch(OutputPanel, "show_probabilities", "output_panel")
    times.patch(NoveltyFinder, "show", "neighbours")  # the nearest training digits and the score
    for kind in (MapsPanel, StripPanel, BarsPanel):
        times.patch(kind, "show_values", f"{kind.__name__}s")
    try:
        yield times
    finally:
        times.restore()


def speed_work(runs: int) -> list[float]:
    """Seconds of a fixed piece of work like a stroke's (Python calls, small numpy products, a scaled image
    drawn with Qt), `runs` times. The machine is shared and its speed drifts by half within an hour: each
    loop's figures are printed beside this work's, timed between its strokes, and as their ratio to it."""
    import numpy as np
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    rng = np.random.default_rng(0)
    image, filters = rng.random((30, 30), np.float32), rng.random((9, 32), np.float32)
    source, target = (QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied) for side in (200, 400))
    source.fill(0xFF336699)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        sum(len(str(i)) for i in range(3000))
        windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3)).reshape(-1, 9)
        for _ in range(20):
            np.maximum(windows @ filters, 0.0).max()
        painter = QPainter(target)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for _ in range(5):
            painter.drawImage(QRectF(0, 0, 400, 400), source)
        painter.end()
        seconds.append(time.perf_counter() - start)
    return seconds


def drawing_loop(app, model_path: str, attribution: str) -> dict:
    from PySide6.QtCore import QEvent

    from gui.window import MainWindow
    from gui.common.scripting import ellipse, mouse, scaled, wait_until
    from model.inspect.preprocess import preprocess

    speed: list[float] = []
    with timed_parts() as times:
        window = MainWindow(model_path=model_path)
        window.resize(1366, 740)
        window.show()
        wait_until(lambda: window.is_ready, 180)
        wait_until(lambda: "measuring" not in window.model_info.text(), 180)  # the test-set accuracy, off the GUI thread
        wait_until(lambda: window.explain.attributor is not None, 180)
        method = window.explain.controls.method
        method.setCurrentIndex(method.findData(None if attribution == "off" else attribution))
        wait_until(lambda: window.draw.novelty.index is not None, 600)  # neighbours on (built once, then cached)
        updates = []
        window.draw.viewUpdated.connect(lambda: updates.append(1))
        canvas = window.canvas
        inputs = []
        for i in range(STROKES):
            speed += speed_work(12)
            points = scaled(ellipse((140 + 10 * i, 140), (55, 90), MOVES_PER_STROKE), canvas)
            mouse(canvas, QEvent.Type.MouseButtonPress, points[0])
            wait_until(lambda: not window.draw._timer.isActive(), 180)
            times.move.clear()
            for point in points[1:]:
                before = len(updates)
                start = time.perf_counter()
                mouse(canvas, QEvent.Type.MouseMove, point)
                while len(updates) == before:
                    app.processEvents()
                app.processEvents()  # the repaints the update asked for
                times.end_move(start, time.perf_counter())
                inputs.append(window.draw.model_input)
            mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1])
            pixels = canvas.pixels()
            canvas.clear()
            app.processEvents()
        speed += speed_work(12)
        visible = len(window.pipeline.visible_panels())
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
    parts = times.summary()
    total, work = parts.pop("total"), _summary(speed)
    result = {"model": inspector.name, "path": model_path, "attribution": attribution, "move_to_all_panels_updated": total,
              "machine_speed_work": work, "median_over_speed_work": round(total["median_ms"] / work["median_ms"], 2),
              "panels_in_view": f"{visible} of {len(window.pipeline.panels)} (and the output and input panels)",
              "parts_per_move": parts, "model_only_inspect": _summary(model_only), "preprocess_only": _summary(prep_only)}
    window.close()
    window.deleteLater()
    app.processEvents()
    return result


def startup(command: list[str], runs: int, config_home: str) -> dict:
    env = dict(os.environ, DIGIT_LENS_STARTUP_TIMINGS="1", PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=config_home)
    phases: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        start = time.time()
        done = subprocess.run([sys.executable, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        report = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
        for phase in ("shown", "first_prediction"):
            phases[phase].append(report[phase] - start)
    return {"command": " ".join(["python", *command]), "runs": runs,
            **{f"to_{phase}_s": round(statistics.median(seconds), 2) for phase, seconds in phases.items()}}


PHASES = """
import json, sys, time
times = [("start", time.perf_counter())]
def done(phase): times.append((phase, time.perf_counter()))
from PySide6.QtWidgets import QApplication; import pyqtgraph; done("import_qt_pyqtgraph")
import gui.window; done("import_window_modules")
import numpy
from model.inspect.preview import open_preview; preview = open_preview(sys.argv[1]); done("preview_model_file_in_numpy")
preview.classify(numpy.eye(28)); done("first_preview_inference")
import tensorflow, keras; done("import_tensorflow_keras")
from model.nets.store import load_model; from model.inspect.inspection import Inspector; done("import_model_modules")
model = load_model(sys.argv[1]); done("load_model")
inspector = Inspector(model); done("build_inspector")
inspector.inspect(inspector.preprocess(numpy.eye(28)).model_input); done("first_inference")
import model.train.monitoring; done("import_train_tab_maths")
print(json.dumps({b[0]: b[1] - a[1] for a, b in zip(times, times[1:])}))
"""


def startup_phases(model_path: str, runs: int) -> dict:
    """Each start-up phase alone, one after another in one fresh process (medians, seconds)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    phases: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PHASES, model_path], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        for phase, seconds in json.loads(done.stdout.splitlines()[-1]).items():
            phases[phase].append(seconds)
    return {"runs": runs, **{f"{phase}_s": round(statistics.median(seconds), 2) for phase, seconds in phases.items()}}


def _default_models(folder: Path) -> list[str]:
    from model.nets.architectures import build
    from model.nets.store import SHIPPED_MODEL, save_model_atomic

    small = save_model_atomic(build("cnn_small"), folder / "cnn_small.keras")  # untrained: timing only
    return [str(small), str(SHIPPED_MODEL)] if SHIPPED_MODEL.exists() else [str(small)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a model to time (default: cnn_small and the shipped model)")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--attribution", choices=("grad_cam", "integrated_gradients", "off"), default="grad_cam",
                        help="the overlay on the model input while drawing (default: grad_cam, as the window starts)")
    args = parser.parse_args()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    with tempfile.TemporaryDirectory() as folder:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, folder)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        models = args.model or _default_models(Path(folder))
        results = {"cpu_count": os.cpu_count(), "loops": [drawing_loop(app, m, args.attribution) for m in models], "startup": []}
        if args.startup_runs:
            results["startup"] = [
                startup(["main.py", "--model", models[-1]], args.startup_runs, folder),
                # The window alone, without main.py's command-line set-up:
                startup(["-c", f"from gui.app import run_app; run_app(model_path={models[-1]!r})"], args.startup_runs,
                        folder),
            ]
            results["startup_phases_alone"] = startup_phases(models[-1], args.startup_runs)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
