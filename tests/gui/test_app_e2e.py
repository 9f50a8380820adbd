"""The app as a user starts it: `main.py` in a fresh process, TensorFlow not imported beforehand, driven
through its window by tests/gui/app_driver.py (a second model load once crashed only in this situation)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Path("DigitLens") / "Digit Lens.conf"  # under XDG_CONFIG_HOME, where QSettings keeps the window's


def drive(scenario: str, *args: str, env: dict | None = None, timeout: int = 600) -> tuple[dict, subprocess.CompletedProcess]:
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "gui" / "app_driver.py"), scenario, *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    result = next((line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    assert result is not None, done.stderr[-3000:]
    for trouble in ("Fatal Python error", "QThread: Destroyed", "Traceback", "Segmentation"):
        assert trouble not in done.stderr, done.stderr[-3000:]
    return json.loads(result), done


def user_env(tmp_path: Path, **extra: str) -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"), **extra}


def test_three_models_in_a_row_then_a_trained_one_each_read_a_drawn_1(tmp_path, mnist_path):
    seen, done = drive("models", str(tmp_path), str(mnist_path), env=user_env(tmp_path))
    assert done.returncode == 0
    assert [seen[k] for k in ("start", "copy", "after_broken", "copy_again", "trained_read")] == ["1"] * 5
    assert seen["copy_message"] == seen["copy_again_message"] == ""
    assert "broken.keras" in seen["broken_message"] and "Still using cnn_lens" in seen["broken_message"]
    assert seen["trained_model"] == "cnn_small" and "Test accuracy" in seen["trained"]
    assert seen["imported_on_window_thread"] == []  # TensorFlow, Keras, scipy: on worker threads only


def _lambda_model(path: Path) -> Path:
    """A model Keras refuses to load in safe mode: it holds a Lambda layer (Python code)."""
    import keras

    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(keras.layers.Lambda(lambda x: x * 2)(inputs)))
    keras.Model(inputs, outputs).save(path)
    return path


@pytest.mark.parametrize("refused", ["lambda", "damaged"])
def test_a_refused_model_opened_before_tensorflow_loads_leaves_the_shipped_model_loading(tmp_path, refused):
    if refused == "lambda":
        path = _lambda_model(tmp_path / "with_lambda.keras")
    else:
        path = tmp_path / "damaged.keras"
        path.write_bytes(b"PK\x03\x04 damaged" * 40)
    seen, done = drive("early_open", str(path), env=user_env(tmp_path))
    assert done.returncode == 0
    assert not seen["tensorflow_loaded_when_opened"] and seen["imported_on_window_thread"] == []
    assert seen["message"].startswith("Model not opened: ") and path.name in seen["message"]
    assert "partly" not in seen["message"] and "numpy" not in seen["message"]
    assert seen["ready"] and seen["model"] == "cnn_lens" and seen["read"] == "1"
    assert "numpy only" not in seen["status"] and "TensorFlow starting" not in seen["status"]


def test_every_setting_corrupted_still_starts_with_defaults(tmp_path):
    env = user_env(tmp_path)
    first, done = drive("start", env=env)  # a normal run writes the settings file
    assert done.returncode == 0 and first["read"] == "1" and first["imported_on_window_thread"] == []
    stored = tmp_path / "config" / SETTINGS
    lines = stored.read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in lines if "=" in line]
    assert {"geometry", "brush"} <= {key.rsplit("\\", 1)[-1].rsplit("/", 1)[-1] for key in keys}
    garbage = ["hello", "@Invalid()", "abc", "-7", "@ByteArray(\\0\\0junk)", "@Size(1 2)", "true", "1e999"]
    stored.write_text("\n".join(f"{line.split('=', 1)[0]}={garbage[i % len(garbage)]}" if "=" in line else line
                                for i, line in enumerate(lines)) + "\n")
    seen, done = drive("start", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert seen["ready"] and seen["read"] == "1" and seen["size"][0] > 400
    assert "ignoring the setting" in done.stderr


def test_start_up_opens_no_network_connection_even_without_local_mnist(tmp_path):
    env = user_env(tmp_path, KERAS_HOME=str(tmp_path / "keras"), HOME=str(tmp_path))
    env.pop("DIGIT_LENS_MNIST", None)
    seen, done = drive("start", env=env)
    assert done.returncode == 0 and seen["ready"] and seen["read"] == "1"
    assert seen["connections"] == []  # the driver refuses and records every attempt
    assert seen["sample_enabled"]  # Sample is there; it asks before downloading
    assert seen["desktop_file_name"] == "digit-lens"  # the running window matches digit-lens.desktop
    assert seen["icon_sizes"][0] <= 16 and seen["icon_sizes"][-1] >= 256
