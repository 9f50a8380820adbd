"""One kernel edit to every stage redrawn, through the real Kernels tab, offscreen; prints JSON.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python benchmarks/bench_kernels.py [--edits 200] [--size 300]

Each edit sets one weight of the kernel as typing would (the cell's valueChanged), then the
event loop runs until the tab has redrawn convolution, ReLU, pooling, flatten, dense and the
products view, and once more for the repaints those asked for; timed on the wall clock and as
this process's CPU time (which other programs on a busy machine inflate less). Beside it: the
maths alone (model.inspect.kernels.forward) for the same image and kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "n": len(ms)}


def edit_loop(app, tab, edits: int) -> tuple[list[float], list[float]]:
    updates = []
    tab.viewUpdated.connect(lambda: updates.append(1))
    editor = tab.editors[0]
    side = editor.side
    times, cpu = [], []
    for i in range(edits):
        row, column = divmod(i % (side * side), side)
        value = editor.kernel()[row, column] + (0.5 if i % 2 == 0 else -0.5)
        before = len(updates)
        start, start_cpu = time.perf_counter(), time.process_time()
        editor.set_weight(row, column, value)
        while len(updates) == before:
            app.processEvents()
        app.processEvents()  # the repaints the update asked for
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--size", type=int, default=300)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from gui.kernels.tab import KernelsTab
    from model.inspect.kernels import forward

    app = QApplication.instance() or QApplication(sys.argv[:1])
    results = {"cpu_count": os.cpu_count(), "load_average_at_start": round(os.getloadavg()[0], 2), "size": args.size,
               "cases": []}
    for kernels, side in [(1, 3), (2, 3), (1, 5)]:
        tab = KernelsTab()
        tab.resize(1366, 700)
        tab.show()
        tab.size.setValue(args.size)
        if side == 5:
            tab.side.setCurrentIndex(1)
        while len(tab.editors) < kernels:
            tab.add_kernel("sobel_y")
        for _ in range(20):
            app.processEvents()
        edit_loop(app, tab, 20)  # warm-up: first paints, caches
        loop, cpu = edit_loop(app, tab, args.edits)
        maths = []
        for _ in range(args.edits):
            start = time.perf_counter()
            forward(tab.input, tab.convolution)
            maths.append(time.perf_counter() - start)
        results["cases"].append({"kernels": kernels, "kernel_side": side, "shapes": tab.stages.shape_chain(),
                                 "edit_to_all_stages_redrawn": _summary(loop),
                                 "cpu_time_per_edit": _summary(cpu), "maths_only": _summary(maths)})
        tab.close()
        tab.deleteLater()
        app.processEvents()
    results["load_average_at_end"] = round(os.getloadavg()[0], 2)  # other programs on the machine slow it down
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
