"""The real-writers check: per site and per digit, with intervals, and sheets of each confusion."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from benchmarks.bench_real_writers import compact_json, held_out_report, save_sheets
from model.data.unipen import PenDigits


def _digits(labels, sites) -> PenDigits:
    n = len(labels)
    return PenDigits(np.zeros((n, 2), np.int32), np.arange(1, n + 1), np.arange(1, n + 1), np.asarray(labels, np.uint8),
                     np.array([f"{s}/w" for s in sites]), np.asarray(sites), np.arange(n))


def test_accuracy_per_site_and_digit_names_the_sites_under_98_5_and_the_confusions(tmp_path):
    labels = [9, 9, 9, 4, 4, 4, 1, 1]
    sites = ["aga", "aga", "aga", "aga", "app", "app", "app", "app"]
    guesses = [3, 9, 9, 6, 4, 4, 1, 1]  # at aga a 9 read as 3 and a 4 as 6; app all right
    probabilities = np.eye(10)[guesses] * 0.9 + 0.01
    held = _digits(labels, sites)
    report, predicted = held_out_report(held, probabilities)
    assert report["accuracy"]["n"] == 8 and report["accuracy"]["accuracy"] == 0.75
    assert report["by_site"]["aga"]["accuracy"] == 0.5 and report["by_site"]["app"]["accuracy"] == 1.0
    assert report["sites_under_98_5"] == ["aga"] and report["lowest_site"] == "aga"
    low, high = report["by_site"]["aga"]["interval_95"]
    assert low < 0.5 < high  # Wilson: 2 of 4 says little
    assert report["by_digit"]["9"]["accuracy"] == round(2 / 3, 4) and report["confusions"] == {"9->3": 1, "4->6": 1}
    inputs = np.random.default_rng(0).random((8, 28, 28, 1)).astype(np.float32)
    sheets = save_sheets(tmp_path, "m", held, inputs, predicted, report["confusions"])
    assert [p.split("/")[-1] for p in sheets] == ["m_9_read_as_3.png", "m_4_read_as_6.png"]
    assert Image.open(sheets[0]).size[0] > 100
    text = compact_json({"r": report})
    assert json.loads(text) == json.loads(json.dumps({"r": report}))
    assert '{"n": 4, "accuracy": 0.5, "interval_95": [' in text  # one leaf, one line
