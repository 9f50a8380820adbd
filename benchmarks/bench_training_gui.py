"""Training in the Train tab (offscreen) against plain `model.fit` on the same model, data and batches.

Prints JSON: throughput of each (digits per second over one epoch), their ratio (goal >= 0.95), and the
GUI's responsiveness while training: the largest gap between ticks of a 10 ms QTimer (goal <= 100 ms).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_training_gui.py [--digits 20000] [--data mnist.npz]
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_training_gui.py --folder DIR [--repeats 1]
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
sys.path.insert(0, str(ROOT))


def plain_fit(arch: str, x, y, batch_size: int) -> float:
    """Seconds for one epoch of model.fit, timed from epoch begin to end as the tab times it."""
    import keras

    from model.nets.architectures import build
    from model.train.training import compile_model, training_dataset

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    keras.utils.set_random_seed(0)
    model = build(arch)
    compile_model(model)
    timer = EpochTimer()
    model.fit(training_dataset(x, y, batch_size, False, 0), epochs=1, verbose=0, callbacks=[timer])
    return timer.seconds


def gui_fit(tab, arch: str, digits: int, batch_size: int) -> tuple[float, float, float]:
    """Seconds for one epoch in the tab, and the largest 10 ms tick gaps (ms) during the epoch and the whole run."""
    settings = tab.settings
    settings.architecture.setCurrentIndex(settings.architecture.findData(arch))
    settings.epochs.setValue(1)
    settings.batch_size.setValue(batch_size)
    settings.validation.setValue(0)
    settings.train_limit.setValue(digits)
    gaps: list[tuple[float, bool]] = []  # (gap in ms, whether a batch had been seen)
    clock = QElapsedTimer()
    ticker = QTimer(interval=10)

    def tick() -> None:
        gaps.append((clock.restart(), tab._latest is not None and not tab._history))

    ticker.timeout.connect(tick)
    tab.start_button.click()
    clock.start()
    ticker.start()
    loop = QEventLoop()
    tab.runEnded.connect(loop.quit)
    loop.exec()  # the real event loop, as in the window
    ticker.stop()
    during_epoch = max((gap for gap, training in gaps if training), default=float("nan"))
    return tab._history[0].seconds, during_epoch, max(gap for gap, _ in gaps)


def gui_folder_fit(tab, folder: str, arch: str, batch_size: int) -> dict:
    """One epoch on an image folder in the tab: the largest 10 ms tick gaps (ms) while its pictures are read and
    cached, and over the whole run, and how many ticks the reading had."""
    from gui.train.settings import FOLDER_SOURCE

    settings = tab.settings
    settings.source.setCurrentIndex(FOLDER_SOURCE)
    settings.data_path.setText(folder)
    settings.architecture.setCurrentIndex(settings.architecture.findData(arch))
    settings.epochs.setValue(1)
    settings.batch_size.setValue(batch_size)
    settings.validation.setValue(10)
    gaps: list[tuple[float, bool]] = []  # (gap in ms, whether the folder was being read)
    moments: list[tuple[float, str]] = []  # (seconds since Start, the status then), one per tick
    clock = QElapsedTimer()
    ticker = QTimer(interval=10)

    def tick() -> None:
        gaps.append((clock.restart(), tab._reading is not None))
        moments.append((round(time.perf_counter() - started, 2), tab.status.text()[:80]))

    ticker.timeout.connect(tick)
    started = time.perf_counter()
    tab.start_button.click()
    clock.start()
    ticker.start()
    loop = QEventLoop()
    tab.runEnded.connect(loop.quit)
    loop.exec()
    ticker.stop()
    reading = sorted(gap for gap, read in gaps if read)
    return {"seconds": round(time.perf_counter() - started, 1), "reading_ticks": len(reading),
            "max_tick_gap_ms_while_reading": max(reading, default=float("nan")),
            "p99_tick_gap_ms_while_reading": reading[int(0.99 * (len(reading) - 1))] if reading else float("nan"),
            "max_tick_gap_ms_whole_run": max(gap for gap, _ in gaps), "status": tab.status.text(),
            "largest_gaps": largest(gaps, moments), "largest_gaps_while_reading": largest(gaps, moments, reading=True)}


def largest(gaps: list[tuple[float, bool]], moments: list[tuple[float, str]], reading: bool = False) -> list[tuple]:
    """The three largest gaps (of the reading only, with `reading`), each with the moments of the ticks around it."""
    return [(gap, *moments[i - 1], *moments[i]) for i, (gap, read) in sorted(enumerate(gaps), key=lambda g: -g[1][0])
            if i > 0 and (read or not reading)][:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="cnn_small")
    parser.add_argument("--digits", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data", default=os.environ.get("DIGIT_LENS_MNIST", str(SHARED_MNIST)),
                        help="MNIST .npz or IDX folder (default: $DIGIT_LENS_MNIST, else ../shared/data/mnist.npz)")
    parser.add_argument("--folder", help="instead: one epoch of cats_dogs on this image folder in the tab, and the "
                                         "tick gaps while its pictures are read (benchmarks/bench_folder.py makes one)")
    args = parser.parse_args()

    _app = QApplication([])  # held for the run
    from gui.train.tab import TrainTab

    if args.folder:
        tab = TrainTab()
        tab.resize(1366, 740)
        tab.show()
        figures = [gui_folder_fit(tab, args.folder, "cats_dogs", args.batch_size) for _ in range(args.repeats)]
        tab.shutdown()
        print(json.dumps({"folder": args.folder, "runs": figures, "tick_gap_goal_ms": 100}, indent=2))
        return
    from model.data.mnist import load_mnist

    data = load_mnist(args.data)
    x, y = data.x_train[:args.digits], data.y_train[:args.digits]
    tab = TrainTab()
    tab.resize(1366, 740)
    tab.show()
    tab.settings.source.setCurrentIndex(1)
    tab.settings.data_path.setText(data.source)

    plain_fit(args.arch, x[:2000], y[:2000], args.batch_size)  # warm-up: TensorFlow start, kernels
    gui_fit(tab, args.arch, 2000, args.batch_size)
    plain, gui, epoch_gaps, run_gaps = [], [], [], []
    for _ in range(args.repeats):  # interleaved so machine load drifts affect both alike
        plain.append(args.digits / plain_fit(args.arch, x, y, args.batch_size))
        seconds, epoch_gap, run_gap = gui_fit(tab, args.arch, args.digits, args.batch_size)
        gui.append(args.digits / seconds)
        epoch_gaps.append(epoch_gap)
        run_gaps.append(run_gap)
    tab.shutdown()
    print(json.dumps({
        "architecture": args.arch, "digits": args.digits, "batch_size": args.batch_size, "epochs": 1,
        "repeats": args.repeats, "cpu_count": os.cpu_count(),
        "plain_fit_digits_per_s": [round(v) for v in plain],
        "gui_digits_per_s": [round(v) for v in gui],
        "throughput_ratio": round(statistics.median(gui) / statistics.median(plain), 3),
        "throughput_goal": 0.95,
        "max_tick_gap_ms_during_epoch": max(epoch_gaps),
        "max_tick_gap_ms_whole_run": max(run_gaps),
        "tick_gap_goal_ms": 100,
    }, indent=2))


if __name__ == "__main__":
    main()
