"""Replaying a training run: snapshots kept while training (model/train/replay.py) and the Train tab's slider."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from quiet_window import open_quiet_window
from window_helpers import configure

from gui.common.scripting import line, scaled, stroke

TIMEOUT_MS = 120_000
SEVEN = [line((80, 70), (200, 70)), line((200, 70), (120, 225), 30)]


def test_snapshots_before_early_batches_and_after_each_epoch_within_the_budget(mnist):
    from model.nets.architectures import build
    from model.train.replay import Replayer, SnapshotRecorder, weight_bytes
    from model.train.training import TrainConfig, train

    model = build("cnn_small")
    plans, kept, tight_plans, tight_kept = [], [], [], []
    batches = 15  # 900 training digits in batches of 64
    recorder = SnapshotRecorder(2, batches, plans.append, kept.append)
    tight = SnapshotRecorder(2, batches, tight_plans.append, tight_kept.append, budget_bytes=5 * weight_bytes(model))
    train(model, mnist.subset(1000, 200), TrainConfig(epochs=2, batch_size=64), extra_callbacks=[recorder, tight])

    assert [s.tick for s in kept] == ["0", "b1", "b3", "b10", "1", "2"]
    assert kept[2].title == "epoch 1, after batch 3 of 15" and kept[-1].title == "after epoch 2"
    assert plans[0].fits and plans[0].count == 6 and "6 snapshots of 2.6 MB" in plans[0].note
    assert all(np.array_equal(a, b) for a, b in zip(kept[-1].weights, model.get_weights()))
    assert not np.allclose(kept[0].weights[0], kept[-1].weights[0])
    assert not tight_plans[0].fits and tight_kept == [] and "Replay is off for this run: 6 snapshots" in tight_plans[0].note

    replayer = Replayer(plans[0].model_json, mnist.x_test[0])
    drawing = np.zeros((280, 280), np.uint8)
    first, last = replayer.frame(kept[0], drawing), replayer.frame(kept[-1], mnist.x_test[0])
    assert first.probabilities is None and last.probabilities.argmax() == mnist.y_test[0]
    assert not np.allclose(first.filters, last.filters) and not np.allclose(first.maps, last.maps)
    early = replayer.model_at(kept[1])
    assert early.name == "cnn_small at epoch 1 after batch 1 of 15"
    assert all(np.array_equal(a, b) for a, b in zip(early.get_weights(), kept[1].weights))


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory, mnist_path):
    window = open_quiet_window(str(tmp_path_factory.mktemp("settings")))
    yield window
    window.close()


def click_tab(qtbot, tabs, index: int) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def shown(replay) -> tuple[np.ndarray, np.ndarray]:
    """The kernels image and the drawing's probability bars the replay shows."""
    return np.array(replay.view.filters.image.image), np.array(replay.bars.opts["height"], dtype=float)


def test_the_slider_replays_the_run_and_sends_a_snapshot_to_draw_and_inspect(window, qtbot, mnist_path):
    qtbot.waitUntil(lambda: window.is_ready and window.train is not None, timeout=TIMEOUT_MS)
    for points in SEVEN:
        stroke(window.canvas, scaled(points, window.canvas))
    qtbot.waitUntil(lambda: window.draw.inspection is not None, timeout=5000)
    shipped = window.draw.inspector

    click_tab(qtbot, window.tabs, 1)
    tab = window.train
    configure(tab, "cnn_small", epochs=1, digits=2000, batch=64, mnist_path=mnist_path)
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    click_tab(qtbot, tab.watch, 1)
    qtbot.waitUntil(lambda: not tab.training, timeout=TIMEOUT_MS)
    replay = tab.replay
    assert [s.tick for s in replay.snapshots] == ["0", "b1", "b3", "b10", "1"]  # 29 batches
    assert "5 snapshots of 2.6 MB" in replay.note.text()
    qtbot.waitUntil(lambda: replay.shown == 4, timeout=30_000)  # the slider followed the run to its end
    last_kernels, last_probabilities = shown(replay)
    assert "after epoch 1" in replay.title.text()

    with qtbot.waitSignal(replay.frameShown, timeout=30_000):  # click the label "0" under the slider
        qtbot.mouseClick(replay.slider, Qt.MouseButton.LeftButton, pos=replay.slider.label_rect(0).center())
    assert replay.slider.slider.value() == 0 and "before training" in replay.title.text()
    first_kernels, first_probabilities = shown(replay)
    assert not np.allclose(first_kernels, last_kernels, equal_nan=True)
    assert np.abs(first_probabilities - last_probabilities).max() > 0.1
    assert first_probabilities.max() < 0.5 < last_probabilities.max()  # untrained: no digit stands out

    with qtbot.waitSignal(window.modelReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(replay.send_button, Qt.MouseButton.LeftButton)
    assert window.draw.inspector is not shipped
    assert window.draw.inspector.name == "cnn_small at before training"
    assert np.allclose(window.draw.inspection.probabilities, first_probabilities, atol=1e-5)

    slider = replay.slider.slider
    slider.setFocus()
    with qtbot.waitSignal(replay.frameShown, timeout=30_000):
        qtbot.keyClick(slider, Qt.Key.Key_End)
    assert np.allclose(shown(replay)[1], last_probabilities)
