"""Screenshots of a model trained on an image folder: the Train tab after training the cats-vs-dogs
architecture (50x50 grey, one sigmoid unit) on a made-up two-class folder (model/data/sample_folder.py), and
Draw & Inspect with that model on a new photo.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python -m gui.screenshots.folders [OUT_FOLDER]

Then the 64x64 colour classifier on the same folder and photo. Writes train_folder.png, photo_inspect.png and
colour_inspect.png (default: docs/screenshots/).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.common.scripting import wait_until
    from gui.window import MainWindow
    from model.data.sample_folder import make_sample_folder, shape_photo

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    out = Path(argv[0]) if argv else OUTPUT
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    folder = make_sample_folder(work / "shapes", per_class=60)
    window = MainWindow()
    window.resize(1366, 740)
    window.show()
    wait_until(lambda: window.is_ready and window.train is not None, 120)
    tab, settings = window.train, window.train.settings
    window.tabs.setCurrentWidget(tab)
    settings.source.setCurrentIndex(2)
    settings.data_path.setText(str(folder))
    settings.architecture.setCurrentIndex(settings.architecture.findData("cats_dogs"))
    settings.epochs.setValue(8)
    settings.batch_size.setValue(16)
    tab.start_button.click()
    wait_until(lambda: not tab.training, 600)
    tab.confusion.show_cell(1, 1)
    app.processEvents()
    window.grab().save(str(out / "train_folder.png"))

    shape_photo("circles", seed=9001, size=(320, 240)).save(work / "new_photo.jpg")
    _inspect_photo(app, window, work / "new_photo.jpg", out / "photo_inspect.png")

    window.tabs.setCurrentWidget(tab)  # the colour classifier on the same folder, then on the same photo
    settings.architecture.setCurrentIndex(settings.architecture.findData("colour_cnn"))
    tab.start_button.click()
    wait_until(lambda: not tab.training, 600)
    _inspect_photo(app, window, work / "new_photo.jpg", out / "colour_inspect.png")
    window.close()
    return 0


def _inspect_photo(app, window, photo: Path, out: Path) -> None:
    """Use the Train tab's model, open `photo` and save the window to `out`."""
    from gui.common.scripting import wait_until

    model = window.train.model
    window.train.use_button.click()
    wait_until(lambda: window.draw.inspector is not None and window.draw.inspector.name == model.name, 120)
    opened = []
    window.imageOpened.connect(opened.append)  # the photo read (the second model opens the same name again)
    window.open_image(photo)
    wait_until(lambda: opened and window.draw.sample_note.text() == photo.name and window.draw.inspection is not None
               and window.explain.attributor is not None, 60)  # and where it looks, built for this model
    window.imageOpened.disconnect(opened.append)
    for _ in range(30):
        app.processEvents()
    window.grab().save(str(out))
    print(f"{window.draw.inspector.name}: {window.draw.pipeline.output.prediction.text()}; saved {out}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
