"""Training on two devices (the CPU split into two logical devices, so no GPU is needed): tf.distribute's
MirroredStrategy reaches the one-device accuracy, with live curves, snapshots, pause and stop, in the Train tab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from model.data.sample_folder import make_sample_folder

HERE = Path(__file__).resolve().parent


def run_tab(folder: Path, devices: str) -> dict:
    env = {**os.environ, "DIGIT_LENS_LOGICAL_CPUS": "2", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(HERE / "devices_run.py"), str(folder), devices], capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_logical_devices_train_as_one_does_with_live_curves_pause_and_stop(tmp_path):
    folder = make_sample_folder(tmp_path / "shapes", per_class=40)
    one, two = run_tab(folder, "1"), run_tab(folder, "2")
    assert two["devices_status"] == ["Training on 2 devices (CPU:0, CPU:1), mirrored: each batch of 16 split 8 per "
                                     "device."]
    assert one["devices_status"] == ["Training on one device (CPU:0)."]
    for run in (one, two):
        assert run["live_points"] >= 3 and run["snapshots"] >= 5 and run["still_paused"]
        assert run["finished"].startswith("Finished 4 epochs") and "squares/broken.jpg" in run["finished"]
        assert run["stopped"].startswith("Stopped by request during epoch 1")
        assert run["imported_on_window_thread"] == []  # Start imports TensorFlow on the run's thread, not the window's
    assert two["accuracy"] >= 0.9 and abs(two["accuracy"] - one["accuracy"]) <= 0.1  # 20 held-out images: 2 of noise
