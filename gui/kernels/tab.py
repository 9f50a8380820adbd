"""The Kernels tab: set a kernel by hand and watch an image go through convolution, ReLU, pooling, flatten, dense."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from gui.common.dropping import IMAGE_FILTER, dropped_image_file
from gui.common.plotting import DIVERGING, GREY
from gui.kernels.kernel_editor import KernelEditor
from gui.kernels.products import ProductsView
from gui.kernels.stages import BarsView, MapView, StripView, contrast_levels
from model.data.images import ImageFileError, load_image
from model.data.scene import demo_photo
from model.inspect.kernels import (DEFAULT_SIZE, DENSE_SEED, DENSE_UNITS, SIZES, Convolution, KernelError, forward,
                                   to_grey)

MAX_KERNELS = 4


class KernelsTab(QWidget):
    """One hand-set convolution layer on any image, every stage redrawn on every weight change."""

    viewUpdated = Signal()  # every stage shows the current kernels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.stages = None
        self.convolution: Convolution | None = None
        self.input = np.zeros((DEFAULT_SIZE, DEFAULT_SIZE, 1), np.float32)
        self._source: Image.Image | np.ndarray = demo_photo()
        self._pixel: tuple[int, int, int] | None = None  # channel, row, column of the explained output
        self._pinned = False
        self._levels: tuple[float, float] | None = None  # the convolution's colour levels, kept while they fit
        self._build_controls()
        self._build_views()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        QShortcut(QKeySequence.StandardKey.Paste, self, self.paste, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_kernel("laplacian_4")
        self.set_image(self._source, "A made-up photo: a house at dusk (open, drop or paste your own)")

    # -- building --------------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.open_button = QPushButton("Open image…")
        self.open_button.clicked.connect(self._open_dialog)
        self.canvas_button = QPushButton("Use canvas drawing")
        self.canvas_button.setToolTip("The drawing on the Draw && Inspect tab")
        self.sample_button = QPushButton("Sample digit")
        self.sample_button.setEnabled(False)
        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.size = QSpinBox()
        self.size.setRange(*SIZES)
        self.size.setValue(DEFAULT_SIZE)
        self.size.setSuffix(" px")
        self.size.setKeyboardTracking(False)
        self.size.setToolTip("The image is resized to SIZE x SIZE grey pixels in 0..1, as in the classic tutorial")
        self.colour = QCheckBox("Each colour channel")
        self.colour.setToolTip("Apply every kernel to R, G and B separately (3 maps per kernel) instead of to grey")
        self.side = QComboBox()
        self.side.addItems(["3x3", "5x5"])
        self.stride = QComboBox()
        self.stride.addItems(["1", "2", "3"])
        self.padding = QComboBox()
        self.padding.addItems(["same", "valid"])
        self.add_button = QPushButton("Add kernel")
        self.add_button.setToolTip("Another kernel: one more output channel, as a convolution layer has")
        self.add_button.clicked.connect(lambda: self.add_kernel("sobel_y" if self._has("sobel_x") else "sobel_x"))
        for control in (self.size.valueChanged, self.colour.toggled):
            control.connect(self._reload_input)
        for combo in (self.stride, self.padding):
            combo.currentIndexChanged.connect(self._schedule)
        self.side.currentIndexChanged.connect(self._resize_kernels)
        self.editors: list[KernelEditor] = []
        self._editor_row = QHBoxLayout()
        self._editor_row.setContentsMargins(0, 0, 0, 0)
        self._editor_row.addStretch(1)

    def _build_views(self) -> None:
        self.input_view = MapView("Input", GREY)
        self.conv_view = MapView("Convolution", DIVERGING, colour_bar=True)
        self.relu_view = MapView("ReLU", DIVERGING)
        self.pool_view = MapView("2x2 max pooling", DIVERGING)
        self.flat_view = StripView("Flatten")
        self.dense_view = BarsView(f"Dense {DENSE_UNITS}", DENSE_UNITS)
        self.products = ProductsView()
        self.shapes = QLabel()
        self.shapes.setObjectName("shapes")
        self.shapes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conv_view.pixelHovered.connect(lambda *pixel: self._explain(pixel, clicked=False))
        self.conv_view.pixelClicked.connect(lambda *pixel: self._explain(pixel, clicked=True))

        sources = QHBoxLayout()
        for widget in (self.open_button, self.canvas_button, self.sample_button):
            sources.addWidget(widget)
        sources.addWidget(self.caption, 1)
        settings = QHBoxLayout()
        for label, widget in [("Size", self.size), (None, self.colour), ("Kernel", self.side), ("Stride", self.stride),
                              ("Padding", self.padding), (None, self.add_button)]:
            if label:
                settings.addWidget(QLabel(label))
            settings.addWidget(widget)
        settings.addStretch(1)
        editors = QWidget()
        editors.setLayout(self._editor_row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(editors)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.kernel_scroll = scroll
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(scroll)
        column.addWidget(self.products, 1)
        right = QWidget()
        grid = QGridLayout(right)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.shapes, 0, 0, 1, 4)
        for index, view in enumerate((self.input_view, self.conv_view, self.relu_view, self.pool_view)):
            grid.addWidget(view, 1, index)
            grid.setColumnStretch(index, 5 if view is self.conv_view else 4)
        grid.addWidget(self.flat_view, 2, 0, 1, 4)
        grid.addWidget(self.dense_view, 3, 0, 1, 4)
        grid.setRowStretch(1, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([440, 920])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(sources)
        layout.addLayout(settings)
        layout.addWidget(self.splitter, 1)

    # -- kernels ---------------------------------------------------------------------------

    def add_kernel(self, name: str) -> KernelEditor:
        """One more kernel (and output channel), starting as the preset `name`."""
        editor = KernelEditor(name, 3 + 2 * self.side.currentIndex())
        editor.changed.connect(self._schedule)
        editor.removeRequested.connect(self._remove_kernel)
        self._editor_row.insertWidget(len(self.editors), editor)
        self.editors.append(editor)
        self._kernels_changed()
        return editor

    def _remove_kernel(self, editor: KernelEditor) -> None:
        self.editors.remove(editor)
        editor.deleteLater()
        self._kernels_changed()

    def _kernels_changed(self) -> None:
        for editor in self.editors:
            editor.remove.setEnabled(len(self.editors) > 1)
        self.add_button.setEnabled(len(self.editors) < MAX_KERNELS)
        self.kernel_scroll.setFixedHeight(max(editor.sizeHint().height() for editor in self.editors) + 4)
        self._schedule()

    def _resize_kernels(self) -> None:
        for editor in self.editors:
            editor.set_side(3 + 2 * self.side.currentIndex())
        self._kernels_changed()

    def _has(self, name: str) -> bool:
        return any(editor.name == name for editor in self.editors)

    # -- images ----------------------------------------------------------------------------

    def set_image(self, image: Image.Image | np.ndarray, caption: str) -> None:
        """Use `image` (a PIL image, or a 2-D grey array: uint8, or floats in 0..1) from now on."""
        self._source = image
        self.caption.setStyleSheet("")
        self.caption.setText(caption)
        self._reload_input()

    def open_image(self, path: str | Path) -> bool:
        """Use an image file; a file that cannot be read says why and keeps the current image."""
        try:
            image = load_image(path)
        except ImageFileError as exc:
            self.caption.setStyleSheet("color: #c0392b")
            self.caption.setText(str(exc))
            return False
        self.set_image(image, Path(path).name)
        return True

    def paste(self) -> None:
        """Ctrl+V: an image on the clipboard, or a copied image file."""
        data = QGuiApplication.clipboard().mimeData()
        if data.hasImage():
            picture = QImage(data.imageData()).convertToFormat(QImage.Format.Format_RGBA8888)
            pixels = np.frombuffer(picture.constBits(), np.uint8, count=picture.sizeInBytes())
            rows = pixels.reshape(picture.height(), picture.bytesPerLine())[:, :picture.width() * 4]
            self.set_image(Image.fromarray(rows.reshape(picture.height(), picture.width(), 4).copy(), "RGBA"),
                           "Pasted image")
        elif data.hasUrls() and data.urls()[0].isLocalFile():
            self.open_image(data.urls()[0].toLocalFile())

    def dragEnterEvent(self, event) -> None:
        if dropped_image_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = dropped_image_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_image(path)

    def _open_dialog(self) -> None:
        path = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)[0]
        if path:
            self.open_image(path)

    def _reload_input(self) -> None:
        self.input = to_grey(self._source, self.size.value(), self.colour.isChecked())
        if self.input.shape[2] == 3:
            self.input_view.show_rgb(self.input)
        else:
            self.input_view.show_values(self.input, (0.0, 1.0))
        self.input_view.set_shape((1, *self.input.shape), "RGB 0..1" if self.input.shape[2] == 3 else "grey 0..1")
        self._schedule()

    # -- the stages ------------------------------------------------------------------------

    def _schedule(self) -> None:
        # Coalesce: a burst of spins or keystrokes before the event loop is free makes one update.
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        """Run the image through the kernels and redraw every stage."""
        self._timer.stop()
        convolution = Convolution(np.stack([editor.kernel() for editor in self.editors]),
                                  int(self.stride.currentText()), self.padding.currentText())
        try:
            stages = forward(self.input, convolution, DENSE_SEED)
        except KernelError as exc:
            self.shapes.setText(f"<span style='color:#c0392b'>{exc}</span>")
            return
        self.stages, self.convolution = stages, convolution
        shapes = stages.shapes()
        self.shapes.setText(f"<b>Shapes</b> &nbsp;<span style='font-family:monospace'>{stages.shape_chain()}</span>")
        levels = self._levels = contrast_levels(stages.conv, self._levels)
        self.conv_view.show_values(stages.conv, levels)
        self.conv_view.set_shape(shapes[1], f"range {stages.conv.min():.3g} … {stages.conv.max():.3g}")
        self.relu_view.show_values(stages.relu, levels)
        self.relu_view.set_shape(shapes[2], "negatives → 0")
        self.pool_view.show_values(stages.pool, levels)
        self.pool_view.set_shape(shapes[3], "stride 2")
        self.flat_view.show_values(stages.flat, levels)
        self.flat_view.set_shape(shapes[4], "the pooled maps in one row")
        self.dense_view.show_values(stages.dense)
        self.dense_view.set_shape(shapes[5], f"untrained, random weights (seed {DENSE_SEED}), ReLU")
        self._show_products()
        self.viewUpdated.emit()

    def _explain(self, pixel: tuple[int, int, int], clicked: bool) -> None:
        if clicked:
            self._pinned = not (self._pinned and pixel == self._pixel)
        elif self._pinned:
            return
        self._pixel = pixel
        self._show_products()

    def _show_products(self) -> None:
        if self.stages is None:
            return
        conv = self.stages.conv
        if self._pixel is None:  # start where the kernel responds most
            row, column, channel = np.unravel_index(int(np.argmax(np.abs(conv))), conv.shape)
            self._pixel = int(channel), int(row), int(column)
        height, width, channels = conv.shape
        channel, row, column = self._pixel  # kept inside the output when a setting shrinks it
        self._pixel = channel, row, column = min(channel, channels - 1), min(row, height - 1), min(column, width - 1)
        explained = self.convolution.explain(self.input, row, column, channel)
        where = f"row {row}, col {column}" + (f", map {channel}" if conv.shape[2] > 1 else "")
        self.products.show_value(explained, float(conv[row, column, channel]), where, self._pinned)
        self.conv_view.mark(self.conv_view.marker, channel, row, column, 1, 1)
        self.input_view.mark(self.input_view.marker, 0, *explained.corner, *explained.kernel.shape)

