"""Blind reading of a style check's misreads: the sheets, the hidden key, and the score of a reading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.drawn_digits import TEMPLATES
from benchmarks.read_blind import blind_items, score

ROOT = Path(__file__).resolve().parents[2]


def test_every_misread_comes_with_as_many_right_reads_of_the_same_classes_shuffled():
    labels = np.array([1, 1, 1, 1, 7, 7, 7, 2, 2, 2])
    predicted = np.array([7, 1, 1, 1, 1, 7, 7, 2, 2, 2])  # a 1 read as 7, a 7 read as 1; the 2s all right
    items = blind_items(labels, predicted, seed=3)
    assert sorted(j for j, right in items if not right) == [0, 4]
    right = [j for j, ok in items if ok]
    assert len(right) == 2 and all(labels[j] in (1, 7) and predicted[j] == labels[j] for j in right)
    assert items == blind_items(labels, predicted, seed=3)


def test_a_reading_is_scored_against_the_label_and_the_model():
    key = [{"label": 1, "model": 7}, {"label": 1, "model": 7}, {"label": 9, "model": 8}, {"label": 7, "model": 7},
           {"label": 4, "model": 4}]
    result = score(key, [7, 1, 3, 7, 9])
    assert result == {"model_misreads": {"read_as_the_model": 1, "read_as_the_label": 1, "read_otherwise": 1},
                      "model_right": {"read_as_the_label": 1, "read_otherwise": 1}}
    with pytest.raises(ValueError, match="4 readings for 5 digits"):
        score(key, [7, 1, 3, 7])


def test_sheets_hide_the_labels_and_the_key_scores_a_reading(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    weights, bias = model.layers[-1].get_weights()
    bias[3] = 5.0  # reads every digit as 3
    model.layers[-1].set_weights([np.zeros_like(weights), bias])
    model.save(tmp_path / "threes.keras")
    made = subprocess.run([sys.executable, "benchmarks/read_blind.py", "make", str(tmp_path / "blind"), "--model",
                           str(tmp_path / "threes.keras"), "--set", "pages", "--per-style", "1", "--workers", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    key = json.loads((tmp_path / "blind" / "key.json").read_text())["digits"]
    not_threes = sum(len(styles) for label, styles in TEMPLATES.items() if label != 3)
    assert summary["misread"] == summary["digits"] == len(key) == not_threes  # no right read to mix in
    assert all(entry["model"] == 3 and entry["label"] != 3 for entry in key)
    sheet = Image.open(tmp_path / "blind" / "sheet_0.png")
    assert sheet.size == (900, -(-not_threes // 10) * 102)  # 10 digits a row, numbered under each
    reads = tmp_path / "reads.txt"
    reads.write_text(" ".join(str(entry["label"]) for entry in key))
    scored = subprocess.run([sys.executable, "benchmarks/read_blind.py", "score", str(tmp_path / "blind"), str(reads)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert json.loads(scored.stdout)["model_misreads"] == {"read_as_the_model": 0, "read_as_the_label": not_threes,
                                                           "read_otherwise": 0}
