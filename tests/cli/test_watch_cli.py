"""`main.py watch DIR --print` following a training script while it runs, and `train --run-dir`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from watching.scripts import start_script  # noqa: E402


def _watch(run_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "watch", str(run_dir), "--print"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _lines_with_times(process: subprocess.Popen) -> list[tuple[float, dict]]:
    return [(time.time(), json.loads(line)) for line in process.stdout]


def test_watch_print_follows_a_recorded_script_and_ends_with_it(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    watcher = _watch(run_dir)  # started first: it waits for the run to appear
    script = start_script(tmp_path / "user", run_dir, "recorder", epochs=4, pause=1.0)
    lines = _lines_with_times(watcher)  # until watch ends by itself at the recorder's end marker
    script_out, _ = script.communicate(timeout=120)
    ended = float(script_out.split("END")[1])
    assert watcher.wait(timeout=30) == 0
    assert [line["epoch"] for _, line in lines] == [1, 2, 3, 4]
    assert all({"loss", "accuracy", "val_loss", "val_accuracy", "seconds"} <= set(line) for _, line in lines)
    assert lines[0][0] < ended  # the first epoch was printed while the script still ran
    stderr = watcher.stderr.read()
    assert "Nothing of a run here yet" in stderr and "finished" in stderr


@pytest.fixture
def ctrl_c_reaches_children():
    """Children start with Ctrl-C's usual handling even when this test run ignores SIGINT, as everything started from
    a shell's background job (`cmd &`) does: an ignored signal stays ignored in a child, a handled one is reset."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_watch_print_follows_keras_own_callbacks_until_interrupted(tmp_path, ctrl_c_reaches_children):
    run_dir = tmp_path / "run"
    script = start_script(tmp_path / "user", run_dir, "keras", epochs=3, pause=1.0)
    watcher = _watch(run_dir)
    first = json.loads(watcher.stdout.readline())
    assert script.poll() is None  # printed while the script runs
    script.communicate(timeout=120)
    rest = [json.loads(watcher.stdout.readline()) for _ in range(2)]
    time.sleep(1.0)
    assert watcher.poll() is None  # Keras' callbacks mark no end: it keeps following
    watcher.send_signal(signal.SIGINT)
    try:
        assert watcher.wait(timeout=30) == 0
    except subprocess.TimeoutExpired:  # say what it was doing
        watcher.kill()
        raise AssertionError(f"watch did not end on Ctrl-C; its stderr: {watcher.communicate()[1][-3000:]!r}") from None
    assert [line["epoch"] for line in [first, *rest]] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(first)
    assert "Traceback" not in watcher.stderr.read()


def test_watch_print_refuses_a_missing_folder_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "watch", str(tmp_path / "nope"), "--print"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"digit-lens watch: argument DIR: {tmp_path / 'nope'}: not found (see digit-lens watch --help)"


def test_train_run_dir_writes_the_recorders_folder(tmp_path, mnist_path):
    from model.train.run_folder import RunFolder

    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--arch", "mlp", "--epochs", "2",
                           "--limit", "2000", "--data", str(mnist_path), "--out", str(tmp_path / "m.keras"),
                           "--run-dir", str(run_dir)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    folder = RunFolder(run_dir)
    update = folder.poll()
    assert folder.ended == "finished" and folder.info["class_names"] == [str(d) for d in range(10)]
    assert [e.epoch for e in update.epochs] == [1, 2] and len(update.batches) == 2 * 15  # 1,800 digits / 128
    assert [s.batch for s in update.snapshots] == [0, 1, 3, 10, 15, 15]
    assert folder.probe().shape == (28, 28)
