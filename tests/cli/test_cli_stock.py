"""`main.py train --dataset fashion_mnist|cifar10`: Keras' cached stock sets in, models that name their classes out.

Each test writes a small stand-in of the set in Keras' own cache layout under a private $KERAS_HOME; nothing is
downloaded (an empty cache with no network must fail at once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from stock_stand_in import clothing, write_cifar10, write_fashion_mnist
from test_cli import ROOT


def run_with_keras_home(home, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_HOME": str(home)}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def test_fashion_mnist_from_keras_cache_trains_offline_and_classify_names_the_trouser(tmp_path):
    write_fashion_mnist(tmp_path)
    out = tmp_path / "fashion.keras"
    result = run_with_keras_home(tmp_path, "train", "--dataset", "fashion_mnist", "--epochs", "3", "--batch-size", "16",
                                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "on Fashion-MNIST" in result.stdout and "(T-shirt/top, Trouser, Pullover," in result.stdout
    assert "Test accuracy:" in result.stdout and "on the 50 Fashion-MNIST test images" in result.stdout
    assert "Kept 270 Fashion-MNIST training pictures" in result.stdout  # for "how unlike the training data"
    assert "Downloading" not in result.stderr
    rng = np.random.default_rng(77)
    files = []
    for label, name in ((1, "trouser"), (9, "boot")):
        Image.fromarray(clothing(label, rng)).save(tmp_path / f"{name}.png")
        files.append(str(tmp_path / f"{name}.png"))
    rows = [json.loads(line) for line in
            run_with_keras_home(tmp_path, "classify", "--json", "--model", str(out), *files).stdout.splitlines()]
    assert [row["label"] for row in rows] == ["Trouser", "Ankle boot"]
    inspected = run_with_keras_home(tmp_path, "inspect", "--model", str(out)).stdout
    assert "input: 28x28x1" in inspected and "classes (10): T-shirt/top, Trouser" in inspected


def test_cifar10_upscaled_to_the_colour_cnn_and_grey_at_a_chosen_size(tmp_path):
    write_cifar10(tmp_path)
    out = tmp_path / "cifar.keras"
    result = run_with_keras_home(tmp_path, "train", "--dataset", "cifar10", "--arch", "colour_cnn", "--epochs", "2",
                                 "--batch-size", "25", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "500 images in 10 classes (airplane, automobile," in result.stdout
    inspected = run_with_keras_home(tmp_path, "inspect", "--model", str(out)).stdout
    assert "input: 64x64x3" in inspected and "classes (10): airplane, automobile" in inspected

    grey = tmp_path / "grey.keras"
    result = run_with_keras_home(tmp_path, "train", "--dataset", "cifar10", "--arch", "cnn_small", "--size", "24",
                                 "--grey", "--epochs", "1", "--limit", "100", "--out", str(grey))
    assert result.returncode == 0, result.stderr
    assert "input: 24x24x1" in run_with_keras_home(tmp_path, "inspect", "--model", str(grey)).stdout


def test_cifar10_offline_with_an_empty_cache_says_so_in_one_line_within_seconds(tmp_path):
    started = time.perf_counter()
    result = run_with_keras_home(tmp_path, "train", "--dataset", "cifar10", "--out", str(tmp_path / "c.keras"), timeout=60)
    seconds = time.perf_counter() - started
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "CIFAR-10 is not in Keras' cache" in result.stderr and "cannot be reached" in result.stderr
    assert seconds < 20, f"took {seconds:.1f} s"  # the reachability check gives up after 3 s; the rest is start-up
    assert not (tmp_path / "c.keras").exists()


@pytest.mark.parametrize("args, text", [
    (["--dataset", "fashion_mnist", "--augment"], "--augment is for MNIST digits"),
    (["--dataset", "cifar10", "--folder", "."], "choose one"),
])
def test_stock_set_options_that_do_not_fit_get_one_line_before_anything_else(tmp_path, args, text):
    result = run_with_keras_home(tmp_path, "train", *args, "--out", str(tmp_path / "x.keras"), timeout=60)
    assert result.returncode == 2 and text in result.stderr
