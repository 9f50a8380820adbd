"""`digit-lens --install-desktop-entry` / `--remove-desktop-entry`: Digit Lens in this user's applications menu.

Per user, no root, safe to run twice. Linux (and other freedesktop systems): a `digit-lens.desktop` file in
`$XDG_DATA_HOME/applications` and the icon in `$XDG_DATA_HOME/icons/hicolor`. macOS: `~/Applications/Digit
Lens.app`, a small bundle that runs the installed command. Windows: a Start-menu shortcut, made by pyshortcuts.
Each function returns the lines to tell the user.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from digit_lens.files import ICON_ICNS, ICON_ICO, ICON_NAME, ICON_SIZES, ICON_SVG, icon_png

APP_NAME = "Digit Lens"
COMMENT = "Draw a digit and watch a convolutional network see it"
WM_CLASS = APP_NAME  # Qt names a window's X11 class after the application name (gui/app.py sets it)
BUNDLE_ID = "org.digitlens.DigitLens"
EXEC_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')  # characters that make an Exec argument need quoting


def install(platform: str = sys.platform) -> list[str]:
    """Add the entry (replacing one from an earlier install)."""
    if platform.startswith("win"):
        return _install_windows()
    if platform == "darwin":
        return _install_macos(_launch_command())
    return _install_freedesktop(_launch_command())


def remove(platform: str = sys.platform) -> list[str]:
    """Take out what `install` added; nothing to remove is fine."""
    if platform.startswith("win"):
        paths = [_windows_shortcut()]
    elif platform == "darwin":
        paths = [_macos_bundle()]
    else:
        paths = [desktop_file(), *_freedesktop_icons()]
    removed = [path for path in paths if path.exists() or path.is_symlink()]
    for path in removed:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if not (platform.startswith("win") or platform == "darwin"):
        _refresh_caches()
    return [f"Removed {path}" for path in removed] or ["No Digit Lens entry was installed."]


def _launch_command() -> list[str]:
    """The absolute command that starts the window: the installed `digit-lens` script when this is it or sits
    beside this Python (desktop files do not inherit PATH), else this Python running the checkout's main.py."""
    started_as = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if started_as is not None and started_as.name.startswith("digit-lens") and os.access(started_as, os.X_OK):
        return [str(started_as)]
    beside = Path(sys.executable).parent / "digit-lens"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    checkout_main = Path(__file__).resolve().parents[1] / "main.py"
    if checkout_main.is_file():
        return [sys.executable, str(checkout_main)]
    return [sys.executable, "-m", "digit_lens"]


# -- freedesktop (Linux) ---------------------------------------------------------------------------------------

def data_home() -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset or not absolute (as the specification says)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def desktop_file() -> Path:
    return data_home() / "applications" / f"{ICON_NAME}.desktop"


def _freedesktop_icons() -> list[Path]:
    hicolor = data_home() / "icons" / "hicolor"
    return [hicolor / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png" for size in ICON_SIZES] + \
        [hicolor / "scalable" / "apps" / f"{ICON_NAME}.svg"]


def desktop_entry_text(command: list[str]) -> str:
    """The .desktop file for `command` (absolute), as the Desktop Entry Specification (1.4) has it."""
    exec_line = " ".join(_exec_argument(part) for part in command)
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        f"Name={APP_NAME}",
        "GenericName=Neural network viewer",
        f"Comment={COMMENT}",
        f"TryExec={_escape_string(command[0])}",
        f"Exec={exec_line}",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "Keywords=CNN;neural network;MNIST;handwriting;Keras;convolution;",
        f"StartupWMClass={WM_CLASS}",
        "StartupNotify=true",
        "",
    ])


def _exec_argument(argument: str) -> str:
    """One Exec argument: quoted when it holds reserved characters (with ", `, $ and \\ escaped inside the quotes),
    % doubled, then the string escapes applied (a backslash written twice)."""
    argument = argument.replace("%", "%%")
    if EXEC_RESERVED & set(argument):
        argument = '"' + "".join("\\" + c if c in '"`$\\' else c for c in argument) + '"'
    return _escape_string(argument)


def _escape_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def _install_freedesktop(command: list[str]) -> list[str]:
    pngs = {size: icon for size, icon in zip(ICON_SIZES, _freedesktop_icons())}
    for size, target in pngs.items():
        _write(target, icon_png(size).read_bytes())
    svg = _freedesktop_icons()[-1]
    _write(svg, ICON_SVG.read_bytes())
    entry = desktop_file()
    _write(entry, desktop_entry_text(command).encode())
    _refresh_caches()
    return [f"Installed {entry}", f"  Exec: {' '.join(command)}",
            f"  Icon: {ICON_NAME} ({len(pngs)} sizes and SVG in {data_home() / 'icons' / 'hicolor'})",
            "It is in your applications menu now; digit-lens --remove-desktop-entry takes it out."]


def _refresh_caches() -> None:
    """Tell the desktop about the change where its tools are installed (they are optional)."""
    for tool, folder in (("update-desktop-database", desktop_file().parent),
                         ("gtk-update-icon-cache", data_home() / "icons" / "hicolor")):
        if shutil.which(tool) and folder.is_dir():
            subprocess.run([tool, "-q", "-t", str(folder)] if tool.startswith("gtk") else [tool, "-q", str(folder)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` whole or not at all (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- macOS --------------------------------------------------------------------------------------------------------

def _macos_bundle() -> Path:
    return Path.home() / "Applications" / f"{APP_NAME}.app"


def _install_macos(command: list[str]) -> list[str]:
    import shlex

    bundle = _macos_bundle()
    contents = bundle / "Contents"
    info = {"CFBundleName": APP_NAME, "CFBundleDisplayName": APP_NAME, "CFBundleIdentifier": BUNDLE_ID,
            "CFBundleExecutable": ICON_NAME, "CFBundleIconFile": ICON_ICNS.name, "CFBundlePackageType": "APPL",
            "CFBundleShortVersionString": _version(), "LSApplicationCategoryType": "public.app-category.education",
            "NSHighResolutionCapable": True}
    _write(contents / "Info.plist", plistlib.dumps(info))
    _write(contents / "MacOS" / ICON_NAME, f"#!/bin/sh\nexec {shlex.join(command)} \"$@\"\n".encode(), mode=0o755)
    _write(contents / "Resources" / ICON_ICNS.name, ICON_ICNS.read_bytes())
    return [f"Installed {bundle}", f"  runs: {' '.join(command)}"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("digit-lens")
    except PackageNotFoundError:
        return "0"


# -- Windows ------------------------------------------------------------------------------------------------------

def _windows_shortcut() -> Path:
    return Path(os.environ.get("APPDATA", Path.home())) / "Microsoft" / "Windows" / "Start Menu" / "Programs" / \
        f"{APP_NAME}.lnk"


def _install_windows() -> list[str]:
    from pyshortcuts import make_shortcut

    window_exe = Path(sys.executable).parent / "digit-lens-gui.exe"  # the gui-script: no console window
    if not window_exe.is_file():
        return [f"No {window_exe.name} beside {sys.executable}: install Digit Lens with pip or pipx first."]
    make_shortcut(str(window_exe), name=APP_NAME, description=COMMENT, icon=str(ICON_ICO), terminal=False,
                  desktop=False, startmenu=True, noexe=True)
    return [f"Installed {_windows_shortcut()}"]
