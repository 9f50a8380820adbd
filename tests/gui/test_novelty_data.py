"""How unlike its training data, for a model trained on a folder (the README's shapes) or a stock set: the index of
its own training pictures made when training ends, named in the panel, its nearest pictures shown in colour and
opened with a click, and a scribble drawn with real mouse events scored as unlike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from model.data.sample_folder import make_sample_folder, shape_photo
from quiet_window import open_quiet_window
from window_helpers import redraw

ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT_MS = 120_000
SCRIBBLE = [[(30 + (i * 97) % 220, 30 + (i * 61) % 220) for i in range(40)]]


@pytest.fixture(scope="module")
def shapes_model(tmp_path_factory):
    """`main.py train --folder shapes` as the README does it (smaller), in a fresh process: the model file."""
    folder = make_sample_folder(tmp_path_factory.mktemp("data") / "shapes", corrupt=False)
    out = tmp_path_factory.mktemp("models") / "shapes.keras"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--folder", str(folder), "--size", "32",
                             "--epochs", "6", "--batch-size", "12", "--validation-split", "0.25", "--out", str(out)],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert "Kept 36 training photos of shapes and 12 held-out pictures for 'how unlike the training data'" in \
        result.stdout  # their features are computed when the window first opens the model (below)
    return out


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    window = open_quiet_window(str(tmp_path_factory.mktemp("settings")))
    yield window
    window.close()


@pytest.fixture
def shapes_window(window, qtbot, shapes_model):
    qtbot.waitUntil(lambda: window.is_ready, timeout=LOAD_TIMEOUT_MS)
    if window.draw.novelty.index is None or window.draw.novelty.index.class_names is None:
        window.open_model(shapes_model)
        qtbot.waitUntil(lambda: window.draw.inspector is not None and window.draw.inspector.spec.class_names ==
                        ("circles", "squares") and window.draw.novelty.index is not None, timeout=LOAD_TIMEOUT_MS)
    window.canvas.clear()
    qtbot.waitUntil(lambda: not window.draw._timer.isActive(), timeout=5000)
    return window


def test_the_panel_names_the_folder_and_a_drawn_scribble_scores_as_unlike(shapes_window, qtbot):
    panel = shapes_window.pipeline.novelty
    assert panel.title.text() == "<b>How unlike the training photos of shapes?</b>"
    assert "Draw something to compare it with the training photos of shapes." in panel.verdict.text()
    redraw(shapes_window, qtbot, SCRIBBLE)
    scribble = shapes_window.draw.novelty.novelty
    assert scribble.level == "unlike" and "unlike the training data" in panel.verdict.text()
    assert len(panel.neighbours.labels) == 8 and set(panel.neighbours.labels) <= {"circles", "squares"}
    assert panel.detail.text() == "nearest of 36 training photos of shapes:"
    thumbnail = panel.neighbours.pictures[0].toImage()
    colours = {thumbnail.pixelColor(x, y).name() for x in range(0, 30, 3) for y in range(0, 30, 3)}
    assert any(len({c[1:3], c[3:5], c[5:7]}) > 1 for c in colours)  # colour thumbnails, not grey


def test_new_photos_of_shapes_score_typical_and_a_nearest_picture_opens_on_click(shapes_window, qtbot, tmp_path):
    panel = shapes_window.pipeline.novelty
    levels = []
    for kind, seed in (("squares", 7002), ("squares", 7004), ("circles", 7003), ("circles", 7001)):
        path = tmp_path / f"{kind}{seed}.png"
        shape_photo(kind, seed, size=(160, 120)).save(path)
        with qtbot.waitSignal(shapes_window.imageOpened, timeout=30_000):
            shapes_window.open_image(path)
        qtbot.waitUntil(lambda: not shapes_window.draw._timer.isActive(), timeout=5000)
        levels.append(shapes_window.draw.novelty.novelty.level)
        assert panel.neighbours.labels.count(kind) >= 5  # its nearest training photos are mostly of its kind
    assert levels.count("typical") >= 3, levels  # percentiles among the held-out photos: about 1 in 10 is not
    grid = panel.neighbours
    neighbour = int(panel._shown[1])
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(1).center())
    qtbot.waitUntil(lambda: not shapes_window.draw._timer.isActive(), timeout=5000)
    index = shapes_window.draw.novelty.index
    assert shapes_window.draw.sample_note.text() == (f"Training picture #{neighbour} (training photos of shapes): "
                                                     f"class {index.label_name(neighbour)}")
    assert shapes_window.draw.novelty.novelty.neighbours[0] == neighbour  # it is its own nearest training picture
    assert shapes_window.draw.novelty.novelty.distances[0] < 0.01 * np.median(index.calibration)  # 0 but rounding


def test_an_opened_model_without_an_index_is_pointed_at_its_training_folder(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QToolButton

    from model.nets.architectures import build
    from model.nets.store import save_model_atomic

    qtbot.waitUntil(lambda: window.is_ready, timeout=LOAD_TIMEOUT_MS)
    path = save_model_atomic(build("colour_cnn", (32, 32, 3), 2), tmp_path / "elsewhere.keras",
                             info={"class_names": ["circles", "squares"], "preprocessing": "photo"})
    window.open_model(path)
    qtbot.waitUntil(lambda: window.draw.inspector.name != "" and window.draw.inspector.spec.input_shape == (32, 32, 3)
                    and "No index of this model's training pictures" in window.pipeline.novelty.verdict.text(),
                    timeout=LOAD_TIMEOUT_MS)
    panel = window.pipeline.novelty
    choose = panel.findChild(QToolButton, "noveltyChooseData")
    assert choose.isVisible() and panel.title.text() == "<b>How unlike the training data?</b>"
    assert [action.text() for action in choose.menu().actions()] == ["A folder of pictures…", "Fashion-MNIST", "CIFAR-10"]

    folder = make_sample_folder(tmp_path / "shapes", per_class=10, corrupt=False)
    panel.dataChosen.emit("folder", str(folder))  # what the folder dialog gives
    qtbot.waitUntil(lambda: window.draw.novelty.index is not None, timeout=LOAD_TIMEOUT_MS)
    assert panel.title.text() == "<b>How unlike the training photos of shapes?</b>" and not choose.isVisible()
    assert len(window.draw.novelty.index) == 18  # 20 pictures, 10% held out to calibrate

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    choose.menu().actions()[2].trigger()  # CIFAR-10, not in this Keras cache: said plainly, the old index dropped
    qtbot.waitUntil(lambda: "Not indexed: CIFAR-10 is not in Keras' cache" in panel.verdict.text(), timeout=30_000)

    window.open_model(path)  # opened again: the index kept for its weights is found
    qtbot.waitUntil(lambda: window.draw.novelty.index is not None, timeout=LOAD_TIMEOUT_MS)
    assert panel.title.text() == "<b>How unlike the training photos of shapes?</b>"
