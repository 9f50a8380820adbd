"""Screenshot of the launcher entry `digit-lens --install-desktop-entry` writes, as a menu shows it and as a file:

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m gui.screenshots.desktop_entry [OUT.png]

The entry is really installed (into a temporary XDG_DATA_HOME); the menu tile is drawn from what the file says
(Name, Comment, Categories) and the icon the theme lookup finds for its Icon key. Writes
docs/screenshots/desktop_entry.png by default.
"""

from __future__ import annotations

import configparser
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QPixmap
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "desktop_entry.png"


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()
    from digit_lens.desktop_entry import data_home, desktop_file, install

    said = install(platform="linux")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(desktop_file())
    entry = parser["Desktop Entry"]
    icon = data_home() / "icons" / "hicolor" / "128x128" / "apps" / f"{entry['Icon']}.png"

    window = QWidget()
    window.setStyleSheet("background: #f4f4f6;")
    row = QHBoxLayout(window)
    tile = QFrame()
    tile.setStyleSheet("QFrame { background: #2b2d33; border-radius: 14px; } QLabel { color: #eee; }")
    column = QVBoxLayout(tile)
    menu = QLabel(f"Applications  ›  {entry['Categories'].split(';')[0]}")
    menu.setStyleSheet("color: #aab; font-size: 12px;")
    picture = QLabel()
    picture.setPixmap(QPixmap(str(icon)).scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
    picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
    name = QLabel(f"<b style='font-size:17px'>{entry['Name']}</b>")
    name.setAlignment(Qt.AlignmentFlag.AlignCenter)
    comment = QLabel(entry["Comment"])
    comment.setWordWrap(True)
    comment.setAlignment(Qt.AlignmentFlag.AlignCenter)
    comment.setStyleSheet("color: #bbc; font-size: 12px;")
    for widget in (menu, picture, name, comment):
        column.addWidget(widget)
    column.addStretch()
    tile.setFixedWidth(230)
    listing = QPlainTextEdit()
    listing.setReadOnly(True)
    listing.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    listing.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    mono.setPointSize(10)
    listing.setFont(mono)
    home = data_home()
    listing.setPlainText("$ digit-lens --install-desktop-entry\n" + "\n".join(said).replace(str(home), "~/.local/share")
                         + f"\n\n$ cat ~/.local/share/applications/{desktop_file().name}\n" + desktop_file().read_text())
    listing.setStyleSheet("background: white; color: #222; border: 1px solid #ccc;")
    row.addWidget(tile)
    row.addWidget(listing, 1)
    window.resize(1000, 400)
    window.show()
    app.processEvents()
    out = Path(argv[0]) if argv else DEFAULT_OUT
    window.grab().save(str(out))
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
