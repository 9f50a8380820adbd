"""The Train tab's settings: architecture, hyper-parameters, data source and TensorBoard, validated as entered."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget)

from gui.train.run import TrainRequest
from model.data.mnist import ENV_VAR
from model.nets.catalogue import ARCHITECTURE_SUMMARIES as ARCHITECTURES
from model.train import limits

KERAS_SOURCE, LOCAL_SOURCE, FOLDER_SOURCE, FASHION_SOURCE, CIFAR_SOURCE = 0, 1, 2, 3, 4
STOCK_SOURCES = {FASHION_SOURCE: "fashion_mnist", CIFAR_SOURCE: "cifar10"}  # Keras' stock sets, by the data box's index
DEVICE_CHOICES = (("All GPUs (mirrored), else the CPU", "all"), ("CPU only", "cpu"), ("1 device", "1"),
                  ("2 devices", "2"), ("4 devices", "4"), ("8 devices", "8"))


class TrainSettings(QGroupBox):
    """Widgets whose ranges make invalid values impossible; `request()` turns them into a TrainRequest."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self.architecture = QComboBox(objectName="trainArchitecture")
        for name, summary in ARCHITECTURES.items():
            self.architecture.addItem(name, name)
            self.architecture.setItemData(self.architecture.count() - 1, summary, Qt.ItemDataRole.ToolTipRole)
        self.summary = QLabel(wordWrap=True)
        self.summary.setStyleSheet("color: #555;")
        self.architecture.currentIndexChanged.connect(self._architecture_chosen)

        self.epochs = _spin("trainEpochs", *limits.EPOCHS, 5)
        self.batch_size = _spin("trainBatchSize", *limits.BATCH_SIZES, 128)
        self.learning_rate = QDoubleSpinBox(objectName="trainLearningRate", decimals=5, minimum=0.00001,
                                            maximum=1.0, singleStep=0.0005, value=0.001)
        self.validation = _spin("trainValidation", 0, 50, 10, suffix=" %")
        self.train_limit = _spin("trainLimit", 0, limits.LIMIT[1], 0, step=1000)
        self.train_limit.setSpecialValueText("all")
        self.train_limit.setToolTip("Use only the first N training digits (quicker runs); 'all' uses every one")
        self.augment = QCheckBox("Augment (rotate, shift, scale, thicken)", objectName="trainAugment")
        self.cosine = QCheckBox("Cosine learning-rate decay", objectName="trainCosine")

        self.devices = QComboBox(objectName="trainDevices")
        for text, choice in DEVICE_CHOICES:
            self.devices.addItem(text, choice)
        self.devices.setToolTip("Where to train: every GPU (tf.distribute.MirroredStrategy; the CPU when there is none), "
                                "the CPU alone, or the first N GPUs.\nThe batch size is the global batch: each step's "
                                "batch is split evenly over the devices (128 on 2 GPUs: 64 each).")

        self.source = QComboBox(objectName="trainSource")
        self.source.addItems(["MNIST through Keras (downloads once)", "Local .npz or IDX folder",
                              "Image folder: your own pictures, one subfolder per class",
                              "Fashion-MNIST (Keras)", "CIFAR-10 (Keras)"])
        for index, tip in ((FASHION_SOURCE, "28x28 grey pictures of 10 kinds of clothing (Zalando), from Keras' cache"),
                           (CIFAR_SOURCE, "32x32 colour photos of 10 classes of objects, from Keras' cache")):
            self.source.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        # Narrower than its longest choice when the column is (the list still shows each in full).
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(16)
        self.image_size = _spin("trainImageSize", *limits.IMAGE_SIDES, 64, suffix=" px")
        self.image_size.setToolTip("Every picture is resized to this many pixels a side (bilinear, no crop)")
        self.image_colour = QCheckBox("Colour", objectName="trainImageColour", checked=True)
        self.image_colour.setToolTip("Colour (RGB) pictures; unticked, grey")
        self.data_path = QLineEdit(objectName="trainDataPath", placeholderText="mnist.npz or a folder of IDX files")
        self.browse_file = QPushButton("File...")
        self.browse_folder = QPushButton("Folder...")
        self.source_note = QLabel(wordWrap=True, objectName="trainSourceNote")
        self.browse_file.clicked.connect(self._choose_file)
        self.browse_folder.clicked.connect(self._choose_folder)

        self.tensorboard = QCheckBox("TensorBoard log to", objectName="trainTensorBoard")
        self.tensorboard_dir = QLineEdit(str(Path.cwd() / "logs"), objectName="trainTensorBoardDir")
        if importlib.util.find_spec("tensorboard") is None:
            self.tensorboard.setEnabled(False)
            self.tensorboard.setToolTip("Install the tensorboard package to log runs (pip install tensorboard)")
        self.tensorboard_dir.setEnabled(False)
        self.tensorboard.toggled.connect(self.tensorboard_dir.setEnabled)
        self.record = QCheckBox("Record run to", objectName="trainRecord")
        self.record.setToolTip("Write metrics, weight snapshots and the probe into a new folder here, as "
                               "digit_lens.recorder does: File > Watch run... or `watch DIR` shows it again")
        self.record_dir = QLineEdit(str(Path.cwd() / "runs"), objectName="trainRecordDir", enabled=False)
        self.record.toggled.connect(self.record_dir.setEnabled)

        local = os.environ.get(ENV_VAR)
        if local:
            self.source.setCurrentIndex(LOCAL_SOURCE)
            self.data_path.setText(local)
        for signal in (self.source.currentIndexChanged, self.data_path.textChanged):
            signal.connect(self.update_source)

        form = QFormLayout(self)
        form.addRow("Architecture", self.architecture)
        form.addRow(self.summary)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Validation", self.validation)
        form.addRow("Devices", self.devices)
        form.addRow("Training digits", self.train_limit)
        form.addRow(self.augment)
        form.addRow(self.cosine)
        form.addRow("Data", self.source)
        path_row = QHBoxLayout()
        path_row.addWidget(self.data_path, 1)
        path_row.addWidget(self.browse_file)
        path_row.addWidget(self.browse_folder)
        form.addRow(path_row)
        image_row = QHBoxLayout()
        image_row.addWidget(QLabel("Images"))
        image_row.addWidget(self.image_size)
        image_row.addWidget(self.image_colour)
        image_row.addStretch(1)
        self.image_options = QWidget(objectName="trainImageOptions")
        self.image_options.setLayout(image_row)
        image_row.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.image_options)
        form.addRow(self.source_note)
        form.addRow(self.tensorboard, self.tensorboard_dir)
        form.addRow(self.record, self.record_dir)
        self.architecture.setCurrentIndex(0)
        self.summary.setText(ARCHITECTURES[self.architecture.currentData()])
        self.update_source()

    @property
    def dataset(self) -> str | None:
        """The stock set chosen ("fashion_mnist", "cifar10"), or None."""
        return STOCK_SOURCES.get(self.source.currentIndex())

    def source_problem(self) -> str | None:
        """Why the chosen data source cannot be used, and how to get one; None when it looks fine."""
        if self.source.currentIndex() == KERAS_SOURCE or self.dataset:
            return None
        text = self.data_path.text().strip()
        how = ("Download mnist.npz (the Keras layout: x_train, y_train, x_test, y_test) or the four IDX files "
               f"from the MNIST site and choose it here, set {ENV_VAR}, or pick 'MNIST through Keras' when online.")
        if self.source.currentIndex() == FOLDER_SOURCE:
            from model.data.image_folder import FolderError, class_folders

            if not text:
                return "No image folder chosen: choose a folder with one subfolder of pictures per class."
            try:
                class_folders(text)
            except FolderError as exc:
                return str(exc)
            return None
        if not text:
            return "No data file chosen. " + how
        if not Path(text).expanduser().exists():
            return f"Nothing at {text}. " + how
        return None

    def request(self) -> TrainRequest:
        """The run these settings describe; raises ValueError when the data source is missing."""
        problem = self.source_problem()
        if problem:
            raise ValueError(problem)
        from model.train.records import TrainConfig  # not model.train.training: TensorFlow on the window's thread

        config = TrainConfig(epochs=self.epochs.value(), batch_size=self.batch_size.value(),
                             learning_rate=self.learning_rate.value(), validation_split=self.validation.value() / 100,
                             augment=self.augment.isChecked() and self.source.currentIndex() in (KERAS_SOURCE, LOCAL_SOURCE),
                             cosine_decay=self.cosine.isChecked())
        local = self.source.currentIndex() == LOCAL_SOURCE
        folder = self.source.currentIndex() == FOLDER_SOURCE
        path = str(Path(self.data_path.text().strip()).expanduser())
        side = self.image_size.value()
        return TrainRequest(
            architecture=self.architecture.currentData(), config=config,
            data_path=path if local else None, folder=path if folder else None, dataset=self.dataset,
            image_shape=(side, side, 3 if self.image_colour.isChecked() else 1),
            train_limit=None if folder else self.train_limit.value() or None, devices=self.devices.currentData(),
            tensorboard_dir=(self.tensorboard_dir.text().strip() or None) if self.tensorboard.isChecked() else None,
            run_dir=(self.record_dir.text().strip() or None) if self.record.isChecked() else None)

    def _architecture_chosen(self) -> None:
        """The summary, and for the tutorial architectures their usual picture size and colour."""
        self.summary.setText(ARCHITECTURES[self.architecture.currentData()])
        self._usual_shape()

    def _usual_shape(self) -> None:
        """The picture size and colour of the architecture (the tutorials'), else of the stock set chosen."""
        from model.data.stock import STOCK_SETS
        from model.nets.catalogue import USUAL_SHAPES

        shape = USUAL_SHAPES.get(self.architecture.currentData())
        if shape is None and self.dataset:
            shape = STOCK_SETS[self.dataset].shape
        if shape is not None:
            side, _, channels = shape
            self.image_size.setValue(side)
            self.image_colour.setChecked(channels == 3)

    def update_source(self) -> None:
        """Enable the widgets the chosen data source needs and say under it what it needs (or what is wrong)."""
        folder = self.source.currentIndex() == FOLDER_SOURCE
        local = self.source.currentIndex() == LOCAL_SOURCE or folder
        stock = self.dataset
        for widget in (self.data_path, self.browse_folder):
            widget.setEnabled(local)
        self.browse_file.setEnabled(local and not folder)
        self.image_options.setVisible(folder or bool(stock))
        if stock and self.sender() is self.source:
            self._usual_shape()
        self.train_limit.setEnabled(not folder)  # a folder is used whole, as it is
        limit_label = self.layout().labelForField(self.train_limit)
        if limit_label is not None:
            limit_label.setText("Training pictures" if stock else "Training digits")
        self.augment.setEnabled(not folder and not stock)  # digit augmentation (strokes thickened)
        self.data_path.setPlaceholderText("a folder with one subfolder of pictures per class" if folder
                                          else "mnist.npz or a folder of IDX files")
        problem = self.source_problem()
        if problem:
            self.source_note.setStyleSheet("color: #b00020;")
            self.source_note.setText(problem)
        elif folder:
            self.source_note.setStyleSheet("color: #555;")
            self.source_note.setText("Class names are the subfolder names; unreadable files are skipped and listed.")
        elif stock:
            from model.data.stock import STOCK_SETS, datasets_dir, is_cached

            title = STOCK_SETS[stock].title
            self.source_note.setStyleSheet("color: #555;")
            self.source_note.setText(f"{title} is in Keras' cache ({datasets_dir()}): no download needed." if is_cached(stock)
                                     else f"{title} is not on this computer yet: Start asks before downloading it "
                                          f"({STOCK_SETS[stock].megabytes} MB, once, into Keras' cache).")
        elif local:
            self.source_note.setStyleSheet("color: #555;")
            self.source_note.setText("Local copy: no download needed.")
        else:
            self.source_note.setStyleSheet("color: #555;")
            self.source_note.setText("Keras downloads MNIST (11 MB) on first use and caches it; offline, choose a local copy.")
        self.changed.emit()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "MNIST .npz", self.data_path.text(), "NumPy archive (*.npz)")
        if path:
            self.data_path.setText(path)

    def _choose_folder(self) -> None:
        title = ("Folder with one subfolder of pictures per class" if self.source.currentIndex() == FOLDER_SOURCE
                 else "Folder with the four MNIST IDX files")
        path = QFileDialog.getExistingDirectory(self, title, self.data_path.text())
        if path:
            self.data_path.setText(path)


def _spin(name: str, low: int, high: int, value: int, suffix: str = "", step: int = 1) -> QSpinBox:
    box = QSpinBox(objectName=name, minimum=low, maximum=high, value=value, suffix=suffix, singleStep=step)
    box.setKeyboardTracking(False)
    return box
