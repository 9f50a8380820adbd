"""Stock data sets in the window: the Train tab trains on Fashion-MNIST from Keras' cache (a stand-in written in
Keras' layout), its model names its classes, Sample shows that set's test pictures and "how unlike" compares with
its training pictures; a set not in the cache is offered for download first and, offline, says so at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from gui.train.settings import CIFAR_SOURCE, FASHION_SOURCE
from quiet_window import open_quiet_window
from stock_stand_in import write_fashion_mnist

LOAD_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    window = open_quiet_window(str(tmp_path_factory.mktemp("settings")))
    window.messages = []
    window.show_message = lambda title, text: window.messages.append((title, text))
    yield window
    window.close()


@pytest.fixture
def train_tab(window, qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    qtbot.waitUntil(lambda: window.is_ready and window.train is not None, timeout=LOAD_TIMEOUT_MS)
    window.tabs.setCurrentWidget(window.train)
    return window.train


def test_a_set_not_in_keras_cache_is_offered_for_download_and_offline_says_so_at_once(train_tab, qtbot):
    settings = train_tab.settings
    settings.source.setCurrentIndex(CIFAR_SOURCE)
    assert "CIFAR-10 is not on this computer yet: Start asks before downloading it (163 MB" in settings.source_note.text()
    assert settings.image_options.isVisible() and settings.image_size.value() == 32 and settings.image_colour.isChecked()
    assert not settings.augment.isEnabled() and train_tab.start_button.isEnabled()

    qtbot.mouseClick(train_tab.findChild(QPushButton, "trainStart"), Qt.MouseButton.LeftButton)
    question = train_tab.findChild(QMessageBox, "trainDownloadQuestion")
    assert question is not None and question.isVisible() and "Download it now (163 MB" in question.text()
    qtbot.mouseClick(question.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert not train_tab.training and "Downloading" not in train_tab.status.text()

    qtbot.mouseClick(train_tab.start_button, Qt.MouseButton.LeftButton)
    question = [box for box in train_tab.findChildren(QMessageBox, "trainDownloadQuestion") if box.isVisible()][0]
    qtbot.mouseClick(question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be reached" in train_tab.status.text(), timeout=15_000)  # 3 s at most, offline
    assert "CIFAR-10 is not in Keras' cache" in train_tab.status.text() and not train_tab.training
    assert train_tab.start_button.isEnabled() and settings.isEnabled()


def test_fashion_mnist_trains_from_keras_cache_and_its_model_samples_and_compares_with_its_own_pictures(
        window, train_tab, qtbot, tmp_path):
    write_fashion_mnist(tmp_path / "keras")
    settings = train_tab.settings
    settings.source.setCurrentIndex(FASHION_SOURCE)
    assert "Fashion-MNIST is in Keras' cache" in settings.source_note.text()
    settings.architecture.setCurrentIndex(settings.architecture.findData("cnn_small"))
    assert settings.image_size.value() == 28 and not settings.image_colour.isChecked()
    settings.epochs.setValue(3)
    settings.batch_size.setValue(16)
    settings.train_limit.setValue(0)
    qtbot.mouseClick(train_tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not train_tab.training, timeout=LOAD_TIMEOUT_MS)
    assert "on the 50 Fashion-MNIST test images" in train_tab.test_accuracy.text(), train_tab.status.text()
    assert "270 Fashion-MNIST training pictures indexed for 'how unlike'" in train_tab.status.text()
    table = train_tab.confusion.table
    assert table.horizontalHeaderItem(1).text() == "Trouser"

    with qtbot.waitSignal(window.modelReady, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(train_tab.use_button, Qt.MouseButton.LeftButton)
    window.tabs.setCurrentWidget(window.draw)
    assert window.draw.inspector.spec.class_names[:2] == ("T-shirt/top", "Trouser")
    qtbot.waitUntil(lambda: window.draw.novelty.index is not None, timeout=LOAD_TIMEOUT_MS)
    panel = window.pipeline.novelty
    assert panel.title.text() == "<b>How unlike the Fashion-MNIST training pictures?</b>"

    qtbot.mouseClick(window.draw.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Fashion-MNIST test picture #" in window.draw.sample_note.text(), timeout=30_000)
    qtbot.waitUntil(lambda: not window.draw._timer.isActive(), timeout=5000)
    caption = window.draw.sample_note.text()
    true_class = caption.split("true class ")[1]
    assert true_class in window.draw.inspector.spec.class_names
    assert window.draw.novelty.novelty is not None and len(panel.neighbours.labels) == 8
    assert window.messages == []
