"""The Train tab, standalone: settings, a short real run through the buttons, Stop, closing mid-run, outputs."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from window_helpers import configure

from gui.train.tab import TrainTab
from model.train.monitoring import batch_value, best_epoch, history_csv, learning_notes, smooth
from model.train.training import EpochResult

TIMEOUT_MS = 120_000


@pytest.fixture
def tab(qtbot, mnist_path):
    widget = TrainTab()
    qtbot.addWidget(widget)
    widget.settings.source.setCurrentIndex(1)
    widget.settings.data_path.setText(str(mnist_path))
    yield widget
    widget.shutdown()


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_until_done(qtbot, tab: TrainTab) -> None:
    qtbot.waitUntil(lambda: not tab.training, timeout=TIMEOUT_MS)


def test_module_import_leaves_tensorflow_unloaded():
    # other tests may already have imported it; this one only asserts the tab's own modules don't
    import gui.train.plots, gui.train.settings, gui.train.views, gui.train.run  # noqa: E401,F401
    for name in ("gui.train.plots", "gui.train.settings", "gui.train.views", "gui.train.run", "model.train.monitoring"):
        assert "tensorflow" not in vars(sys.modules[name])


def test_architecture_choices_match_model(qtbot):
    from model.nets.architectures import ARCHITECTURES

    widget = TrainTab()
    qtbot.addWidget(widget)
    combo = widget.settings.architecture
    assert sorted(combo.itemData(i) for i in range(combo.count())) == sorted(ARCHITECTURES)


def test_settings_ranges_and_missing_data_source(qtbot, tmp_path):
    widget = TrainTab()
    qtbot.addWidget(widget)
    settings = widget.settings
    settings.epochs.setValue(0)
    settings.batch_size.setValue(-5)
    settings.validation.setValue(90)
    assert settings.epochs.value() == 1 and settings.batch_size.value() == 1 and settings.validation.value() == 50
    settings.source.setCurrentIndex(1)
    settings.data_path.setText(str(tmp_path / "missing.npz"))
    assert not widget.start_button.isEnabled()
    assert "Nothing at" in settings.source_note.text() and "mnist.npz" in settings.source_note.text()
    with pytest.raises(ValueError):
        settings.request()
    settings.source.setCurrentIndex(0)
    assert widget.start_button.isEnabled() and settings.request().data_path is None


def test_at_the_windows_size_nothing_in_the_settings_column_or_the_table_headings_is_cut_off(qtbot, tab):
    from PySide6.QtWidgets import QScrollArea, QWidget

    window = QMainWindow()
    window.setCentralWidget(tab)
    window.resize(1366, 740)  # the size the window opens at on a small laptop screen
    window.show()
    qtbot.waitExposed(window)
    try:
        for source in range(tab.settings.source.count()):  # the folder source has the longest choice, most rows
            tab.settings.source.setCurrentIndex(source)
            qtbot.wait(10)
            viewport = tab.findChild(QScrollArea).viewport()
            for child in viewport.findChildren(QWidget):
                if child.isVisible():
                    right = child.mapTo(viewport, child.rect().topRight()).x()
                    assert right < viewport.width(), (child.objectName() or type(child).__name__, right, viewport.width())
        header = tab.epoch_table.horizontalHeader()
        for column in range(tab.epoch_table.columnCount()):
            heading = tab.epoch_table.horizontalHeaderItem(column).text()
            assert header.fontMetrics().horizontalAdvance(heading) < header.sectionSize(column), heading
    finally:
        window.takeCentralWidget().setParent(None)  # the tab outlives the window: the fixture shuts it down
        window.close()


def test_short_run_fills_curves_table_progress_and_gives_a_working_model(qtbot, tab, mnist, tmp_path):
    configure(tab, "mlp", epochs=1, digits=3000)
    click(qtbot, tab.findChild(type(tab.start_button), "trainStart"))
    assert tab.training
    wait_until_done(qtbot, tab)

    assert tab.progress.value() == 100
    assert tab.findChild(type(tab.epoch_table), "epochTable").rowCount() == 1
    assert tab.curves.point_count() == math.ceil(2700 / 64)
    x, y = tab.curves._runs[-1]["accuracy"].validation.getData()
    assert list(x) == [1.0] and 0.5 < y[0] <= 1.0
    assert tab.filters.updates >= 2
    assert "Test accuracy" in tab.test_accuracy.text()

    with qtbot.waitSignal(tab.useModel, timeout=5000) as used:
        click(qtbot, tab.use_button)
    model = used.args[0]
    from model.train.training import evaluate

    accuracy, _ = evaluate(model, mnist.x_test[:1000], mnist.y_test[:1000])
    assert accuracy > 0.75  # chance is 0.1

    tab.save_model(str(tmp_path / "trained.keras"))
    from model.nets.store import load_model

    assert load_model(tmp_path / "trained.keras").count_params() == model.count_params()
    tab.export_history(str(tmp_path / "history.csv"))
    lines = (tmp_path / "history.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,seconds" and len(lines) == 2

    # the confusion gallery hands a test digit and its label to Draw & Inspect
    tab.confusion.show_cell(7, 7)
    assert tab.confusion.gallery.count() > 0
    with qtbot.waitSignal(tab.showImage, timeout=2000) as shown:
        item = tab.confusion.gallery.item(0)
        rect = tab.confusion.gallery.visualItemRect(item)
        qtbot.mouseClick(tab.confusion.gallery.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    image, label = shown.args
    assert image.shape == (28, 28) and image.dtype == np.uint8 and label == 7

    # a second run keeps the first on the plots, faded, until cleared
    configure(tab, "mlp", epochs=1, digits=600)
    click(qtbot, tab.start_button)
    wait_until_done(qtbot, tab)
    assert len(tab.curves._runs) == 2
    tab.curves.clear_earlier()
    assert len(tab.curves._runs) == 1


def test_stop_mid_epoch_ends_promptly_and_keeps_a_usable_model(qtbot, tab, mnist):
    configure(tab, "cnn_small", epochs=3, digits=20000, batch=32)
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: tab.curves.point_count() >= 5 or tab._latest is not None and tab._latest.batch >= 5,
                    timeout=TIMEOUT_MS)
    click(qtbot, tab.findChild(type(tab.stop_button), "trainStop"))
    wait_until_done(qtbot, tab)
    outcome = tab._outcome
    assert outcome.result.stopped and "Stopped" in tab.status.text()
    assert len(outcome.result.history) == 1 and tab.progress.value() < 50
    assert "(stopped)" in tab.epoch_table.item(0, 0).text()  # the cut-short epoch says so
    assert outcome.test_accuracy > 0.3


def test_pause_and_resume(qtbot, tab):
    configure(tab, "mlp", epochs=2, digits=3000, batch=16)
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: tab._latest is not None, timeout=TIMEOUT_MS)
    click(qtbot, tab.pause_button)
    assert tab.pause_button.text() == "Resume"
    qtbot.wait(300)
    batch = tab._latest.batch, tab._latest.epoch
    qtbot.wait(500)
    assert (tab._latest.batch, tab._latest.epoch) == batch
    click(qtbot, tab.pause_button)
    wait_until_done(qtbot, tab)
    assert tab.progress.value() == 100


def test_closing_the_window_mid_training_stops_cleanly(qtbot, mnist_path):
    window = QMainWindow()
    tab = TrainTab()
    window.setCentralWidget(tab)
    window.closeEvent = lambda event: (tab.shutdown(), event.accept())
    qtbot.addWidget(window)
    window.show()
    tab.settings.source.setCurrentIndex(1)
    tab.settings.data_path.setText(str(mnist_path))
    configure(tab, "cnn_small", epochs=5, digits=20000, batch=32)
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: tab._latest is not None, timeout=TIMEOUT_MS)
    thread = tab._worker
    window.close()
    assert thread.isFinished()


def test_monitoring_helpers():
    assert np.allclose(smooth([1.0, 2.0, 3.0], 0.0), [1, 2, 3])
    assert smooth([5.0] * 4, 0.9) == pytest.approx([5.0] * 4)  # debiased: no ramp from zero
    noisy = np.random.default_rng(1).normal(3.0, 10.0, 9000)
    for weight in (0.01, 0.6, 0.99, 0.9999):  # long curves, every block size: the recurrence, step by step
        expected, running = [], 0.0
        for k, value in enumerate(noisy, start=1):
            running = weight * running + (1.0 - weight) * value
            expected.append(running / (1.0 - weight ** k))
        assert np.allclose(smooth(noisy, weight), expected, rtol=1e-9, atol=1e-9)
    assert batch_value(0.5, 0.4, 2, 1) == pytest.approx(0.6) and batch_value(0.3, 9.0, 1, 0) == 0.3
    assert batch_value(0.5, 0.2, 4, 2) == pytest.approx(0.8)  # two batches since the last report
    history = [EpochResult(i + 1, 1.0 / (i + 1), 0.90 + 0.02 * i, 0.5, 0.95 - 0.01 * i, 1.0) for i in range(4)]
    assert best_epoch(history) == 0
    assert any("overfitting" in n for n in learning_notes(history))
    assert any("above training" in n for n in learning_notes(history[:2] * 2))
    assert learning_notes(history[:2]) == []
    assert history_csv(history).count("\n") == 5


def test_tensorboard_logging_writes_event_files(qtbot, tab, tmp_path):
    configure(tab, digits=1000)
    assert tab.settings.tensorboard.isEnabled()
    tab.settings.tensorboard.setChecked(True)
    tab.settings.tensorboard_dir.setText(str(tmp_path))
    click(qtbot, tab.start_button)
    wait_until_done(qtbot, tab)
    events = list(tmp_path.rglob("events.out.tfevents.*"))
    assert events and all(event.stat().st_size > 0 for event in events)
    assert any(path.name.startswith("mlp-") for path in tmp_path.iterdir())
