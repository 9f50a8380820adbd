"""How unlike the training digits an input is: the index (model/inspect/novelty.py) and the panel beside the prediction."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from quiet_window import open_quiet_window
from window_helpers import redraw

from gui.common.scripting import line
from model.nets.store import SHIPPED_MODEL

LOAD_TIMEOUT_MS = 120_000
SEVEN = [line((80, 70), (200, 70)), line((200, 70), (120, 225), 30)]
# Scribbled noise: one long zigzag stroke across the whole canvas.
SCRIBBLE = [[(30 + (i * 97) % 220, 30 + (i * 61) % 220) for i in range(40)]]


@pytest.fixture(scope="module")
def shipped():
    from model.nets.store import load_model

    return load_model(SHIPPED_MODEL)


def test_index_finds_a_training_digit_itself_and_is_cached_by_weights(shipped, mnist, tmp_path):
    from model.nets.architectures import build
    from model.inspect.novelty import NEIGHBOURS, cached_index, embed

    index = cached_index(shipped, mnist, train_digits=600, test_digits=300, cache=tmp_path)
    assert len(index) == 600 and len(index.calibration) == 300 and index.layer == "dense_relu"
    saved = list(tmp_path.glob("novelty-*.npz"))
    assert len(saved) == 1

    digit = embed(shipped, index.layer, mnist.x_train[42:43])[0]
    found = index.lookup(digit)
    assert found.neighbours[0] == 42 and found.distances[0] == pytest.approx(0.0, abs=1e-3)
    assert len(found.neighbours) == NEIGHBOURS and np.all(np.diff(found.distances) >= 0)
    assert found.level == "typical"

    again = cached_index(shipped, mnist, train_digits=600, test_digits=300, cache=tmp_path,
                         progress=lambda share: pytest.fail("a cached index is not built again"))
    assert np.allclose(again.embeddings, index.embeddings, atol=1e-6) and np.array_equal(again.calibration, index.calibration)

    other = build("cnn_small")  # other weights: another file
    cached_index(other, mnist, train_digits=200, test_digits=100, cache=tmp_path)
    assert len(list(tmp_path.glob("novelty-*.npz"))) == 2


def test_a_lookup_finds_exactly_the_nearest_digits_that_comparing_every_one_finds(shipped, mnist, tmp_path):
    from model.inspect.novelty import K, NEIGHBOURS, cached_index, embed, unit_rows

    index = cached_index(shipped, mnist, train_digits=3000, test_digits=300, cache=tmp_path)
    scribbles = (np.random.default_rng(0).uniform(0, 1, (40, 28, 28)) > 0.8).astype(np.uint8) * 255
    queries = embed(shipped, index.layer, np.concatenate([mnist.x_test[-160:], scribbles]))
    for query in queries:
        found = index.lookup(query)  # a first pass in 32 principal directions, then 64 candidates exactly
        unit = unit_rows(query[None])[0]
        distances = np.sqrt(np.maximum(2.0 - 2.0 * index.embeddings @ unit, 0.0))  # every digit, unit rows
        nearest = np.argsort(distances)[:NEIGHBOURS]
        np.testing.assert_allclose(found.distances, distances[nearest], atol=1e-5)
        assert found.score == pytest.approx(distances[nearest[:K]].mean(), abs=1e-5)


def test_percentile_words():
    from model.inspect.novelty import Novelty, ordinal

    words = [Novelty(1.0, p, np.arange(8), np.zeros(8)).text for p in (40.2, 95.0, 99.5, 100.0)]
    assert words == ["typical: 40th percentile", "unusual: 95th percentile",
                     "unlike the training data: 99.5th percentile",
                     "unlike the training data: beyond the 99.9th percentile"]
    assert [ordinal(p) for p in (1, 2, 3, 11, 12, 22, 99.04)] == ["1st", "2nd", "3rd", "11th", "12th", "22nd", "99.0th"]


def test_a_model_without_a_layer_before_its_output_cannot_be_compared():
    import keras

    from model.inspect.novelty import NoveltyUnavailable, embedding_layer

    flat = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    assert embedding_layer(flat) == flat.layers[0].name  # the flattened pixels
    alone = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    with pytest.raises(NoveltyUnavailable, match="no layer before its output"):
        embedding_layer(alone)


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    window = open_quiet_window(str(tmp_path_factory.mktemp("settings")))
    yield window
    window.close()


@pytest.fixture
def ready(window, qtbot, mnist_path):
    qtbot.waitUntil(lambda: window.is_ready and window.draw.novelty.index is not None, timeout=LOAD_TIMEOUT_MS)
    window.canvas.clear()
    qtbot.waitUntil(lambda: not window.draw._timer.isActive(), timeout=5000)
    return window


def test_blank_canvas_shows_no_neighbours(ready):
    panel = ready.pipeline.novelty
    assert "Draw a digit" in panel.verdict.text()
    assert panel.neighbours.labels == [] and panel.meter.share() == 0


def test_scribbled_noise_scores_far_less_like_the_training_data_than_a_drawn_digit(ready, qtbot):
    panel = ready.pipeline.novelty
    redraw(ready, qtbot, SEVEN)
    digit = ready.draw.novelty.novelty
    assert "typical" in panel.verdict.text() and digit.percentile < 90
    shown = panel.neighbours.labels
    assert len(shown) == 8 and shown.count("7") >= 6  # the nearest training digits of a 7 are mostly 7s

    redraw(ready, qtbot, SCRIBBLE)
    noise = ready.draw.novelty.novelty
    assert noise.percentile > 98 and noise.percentile > digit.percentile + 50
    assert noise.text.split(":")[0] in panel.verdict.text()
    assert "typical" not in panel.verdict.text()


def test_clicking_a_neighbour_thumbnail_loads_it_onto_the_canvas(ready, qtbot, mnist):
    redraw(ready, qtbot, SEVEN)
    panel = ready.pipeline.novelty
    grid = ready.findChild(type(panel.neighbours), "noveltyNeighbours")
    index = int(panel._shown[2])
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(2).center())
    qtbot.waitUntil(lambda: not ready.draw._timer.isActive(), timeout=5000)
    assert ready.draw.sample_note.text() == f"MNIST training digit #{index}: label {mnist.y_train[index]}"
    assert ready.draw.inspection is not None and ready.draw.inspection.digit == mnist.y_train[index]
    assert ready.draw.novelty.novelty.neighbours[0] == index  # now it is its own nearest training digit


def test_without_mnist_the_panel_says_so(qtbot, shipped, monkeypatch, tmp_path):
    from gui.inspect.novelty_panel import NoveltyFinder, NoveltyPanel
    from model.inspect.inspection import Inspector

    monkeypatch.delenv("DIGIT_LENS_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    panel = NoveltyPanel()
    qtbot.addWidget(panel)
    finder = NoveltyFinder(panel)
    with qtbot.waitSignal(finder.indexReady, timeout=30_000):
        finder.set_inspector(Inspector(shipped))
    finder.shutdown()
    assert "No local MNIST copy" in panel.verdict.text() and finder.index is None
    finder.show(None)
    assert "No local MNIST copy" in panel.verdict.text()
