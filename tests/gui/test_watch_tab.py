"""The Train tab watching run folders in-process: several runs overlaid, a folder that is not a run, damaged files."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from window_helpers import configure

from gui.train.tab import TrainTab

TIMEOUT_MS = 60_000


def _fit(run_dir, logging: str, epochs: int = 3) -> None:
    """The tests' tiny model trained in this process, logged as a user's script logs it."""
    import keras

    from digit_lens.recorder import RunRecorder

    rng = np.random.default_rng(1)
    x = rng.random((96, 12, 12, 1)).astype("float32")
    y = (x[:, :6].mean(axis=(1, 2, 3)) > x[:, 6:].mean(axis=(1, 2, 3))).astype("int32")
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")], name="squares")
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    os.makedirs(run_dir, exist_ok=True)
    callbacks = ([RunRecorder(run_dir, probe=x[0])] if logging == "recorder" else
                 [keras.callbacks.CSVLogger(f"{run_dir}/log.csv"),
                  keras.callbacks.ModelCheckpoint(str(run_dir) + "/e{epoch}.keras")])
    model.fit(x, y, batch_size=16, epochs=epochs, validation_split=0.25, verbose=0, callbacks=callbacks)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    _fit(root / "recorded", "recorder")
    _fit(root / "keras", "keras")
    return root


@pytest.fixture
def tab(qtbot):
    widget = TrainTab()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def test_two_runs_watched_one_after_the_other_overlay_and_stop_watching(tab, qtbot, runs):
    tab.watch_run(runs / "recorded")
    qtbot.waitUntil(lambda: tab.epoch_table.rowCount() == 3 and len(tab.replay.snapshots) == 6, timeout=TIMEOUT_MS)
    assert "squares recorded by Digit Lens' recorder" in tab.status.text() and "finished" in tab.status.text()
    qtbot.waitUntil(lambda: tab.filters.updates >= 1 and tab.replay.shown == 5, timeout=TIMEOUT_MS)
    assert tab.progress.value() == 100 and "(run finished)" in tab.counters.text()
    tab.curves.redraw()
    assert tab.curves.point_count() == 3 * 5  # 72 training squares in batches of 16: 5 a epoch, each drawn

    tab.watch_run(runs / "keras")
    qtbot.waitUntil(lambda: tab.epoch_table.rowCount() == 3 and len(tab.replay.snapshots) == 3, timeout=TIMEOUT_MS)
    tab.curves.redraw()
    assert len(tab.curves._runs) == 2 and tab.curves.point_count() == 3  # one point an epoch without TensorBoard
    legend = [label.text for _, label in tab.curves.loss_plot.plotItem.legend.items]
    assert "earlier runs" in legend and "run 2: training" in legend
    assert [s.tick for s in tab.replay.snapshots] == ["1", "2", "3"]
    assert tab.stop_button.text() == "Stop watching"
    qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    assert tab.watching is None and tab.stop_button.text() == "Stop" and tab.epoch_table.rowCount() == 3


def test_a_folder_that_is_not_a_run_gets_one_sentence_and_the_views_keep_what_they_had(tab, qtbot, runs, tmp_path):
    tab.watch_run(runs / "keras")
    qtbot.waitUntil(lambda: tab.epoch_table.rowCount() == 3, timeout=TIMEOUT_MS)
    (tmp_path / "holiday.jpg").write_bytes(b"not a run")
    tab.watch_run(tmp_path)
    qtbot.waitUntil(lambda: "Nothing of a run here yet" in tab.status.text(), timeout=TIMEOUT_MS)
    assert len(tab.curves._runs) == 2 and tab.curves._runs[0]["loss"].y  # the earlier run is still drawn, faded
    tab.watch_run(tmp_path / "missing")
    qtbot.waitUntil(lambda: "Not a run folder" in tab.status.text(), timeout=TIMEOUT_MS)
    assert tab.status.text().endswith("missing: no such folder.")


def test_damaged_files_are_named_once_and_the_rest_is_shown(tab, qtbot, runs, tmp_path, monkeypatch):
    from model.train import run_folder

    monkeypatch.setattr(run_folder, "SETTLE_SECONDS", 0.0)
    run_dir = shutil.copytree(runs / "recorded", tmp_path / "run")
    broken = run_dir / "snapshots" / "e0003-b00005.npz"
    broken.write_bytes(b"PK\x03\x04 half an archive")
    with open(run_dir / "metrics.jsonl", "a") as metrics:
        metrics.write("{cut\n")
    tab.watch_run(run_dir)
    qtbot.waitUntil(lambda: "is damaged and left out" in tab.note.text(), timeout=TIMEOUT_MS)
    assert not tab.note.isHidden() and "metrics.jsonl has a damaged line; it is skipped." in tab.note.text()
    assert tab.note.text().count("e0003-b00005.npz is damaged and left out") == 1
    assert tab.epoch_table.rowCount() == 3 and len(tab.replay.snapshots) == 6


def test_the_train_tab_records_its_run_when_asked_and_it_watches_back_the_same(tab, qtbot, tmp_path, mnist_path):
    settings = tab.settings
    configure(tab, "mlp", epochs=2, digits=2000, batch=128, mnist_path=mnist_path)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.mouseClick(settings.record, Qt.MouseButton.LeftButton, pos=settings.record.rect().center())
    assert settings.record.isChecked() and settings.record_dir.isEnabled()
    settings.record_dir.setText(str(tmp_path / "runs"))
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.training, timeout=TIMEOUT_MS * 2)
    trained = [(r.epoch, round(r.loss, 5)) for r in tab._history]
    assert len(trained) == 2, tab.status.text()
    [run_dir] = (tmp_path / "runs").iterdir()
    assert run_dir.name.startswith("mlp-")
    tab.watch_run(run_dir)
    qtbot.waitUntil(lambda: tab.epoch_table.rowCount() == 2 and len(tab.replay.snapshots) == 6, timeout=TIMEOUT_MS)
    assert [(r.epoch, round(r.loss, 5)) for r in tab._history] == trained  # the figures the tab showed as it trained
    assert [s.tick for s in tab.replay.snapshots] == ["0", "b1", "b3", "b10", "1", "2"]  # 15 batches an epoch
    assert "mlp recorded by Digit Lens' recorder" in tab.status.text() and "finished" in tab.status.text()
