"""The files the app carries: the shipped model and the icons.

Installed from the wheel they are the package data `digit_lens/resources`, found through
`importlib.resources`; in a checkout they are the repository's `resources/` folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

ICON_NAME = "digit-lens"  # the freedesktop icon name and the desktop file's name
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # the PNGs in resources/icons/


def _resources() -> Path:
    packaged = Path(str(files("digit_lens") / "resources"))
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[1] / "resources"


RESOURCES = _resources()
SHIPPED_MODEL = RESOURCES / "digit_lens.keras"
ICON_SVG = RESOURCES / "digit_lens.svg"
ICON_ICO = RESOURCES / "icons" / "digit_lens.ico"  # Windows
ICON_ICNS = RESOURCES / "icons" / "digit_lens.icns"  # macOS


def icon_png(size: int) -> Path:
    """The icon drawn at size x size pixels."""
    return RESOURCES / "icons" / f"digit_lens_{size}.png"
