"""`digit-lens --install-desktop-entry` / `--remove-desktop-entry`: per user, no root, safe to run twice."""

from __future__ import annotations

import configparser
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def entry_command(flag: str, home: Path, data_home: Path | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_DATA_HOME", None)
    if data_home is not None:
        env["XDG_DATA_HOME"] = str(data_home)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), flag], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text())
    return dict(parser["Desktop Entry"])


def resolve_icon(name: str, data_home: Path) -> list[Path]:
    """What a freedesktop icon theme finds for `name` in the user's hicolor theme."""
    return sorted((data_home / "icons" / "hicolor").glob(f"*/apps/{name}.*"))


def check_entry(desktop: Path, data_home: Path) -> dict[str, str]:
    """The entry's Exec starts an executable by its absolute path and its Icon resolves; returns the entry."""
    entry = read_entry(desktop)
    program = shlex.split(entry["Exec"])[0]
    assert os.path.isabs(program) and os.access(program, os.X_OK) and Path(program).is_file()
    icons = resolve_icon(entry["Icon"], data_home)
    assert {icon.parent.parent.name for icon in icons} >= {"16x16", "48x48", "256x256", "scalable"}
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert checked.returncode == 0 and "error" not in checked.stdout, checked.stdout
    return entry


@pytest.mark.parametrize("xdg", [True, False], ids=["XDG_DATA_HOME", "~/.local/share"])
def test_the_entry_installs_twice_safely_resolves_and_comes_out_again(tmp_path, xdg):
    data_home = tmp_path / "data" if xdg else tmp_path / "home" / ".local" / "share"
    first = entry_command("--install-desktop-entry", tmp_path / "home", data_home if xdg else None)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    desktop = data_home / "applications" / "digit-lens.desktop"
    written = desktop.read_text()
    again = entry_command("--install-desktop-entry", tmp_path / "home", data_home if xdg else None)
    assert again.returncode == 0 and desktop.read_text() == written  # the same entry, not a second one
    assert len(list((data_home / "applications").glob("*.desktop"))) == 1
    entry = check_entry(desktop, data_home)
    assert entry["Name"] == "Digit Lens" and entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert entry["Categories"].startswith("Education;Science;") and entry["StartupWMClass"] == "Digit Lens"
    assert str(desktop) in first.stdout and "Exec:" in first.stdout

    removed = entry_command("--remove-desktop-entry", tmp_path / "home", data_home if xdg else None)
    assert removed.returncode == 0 and not desktop.exists() and resolve_icon("digit-lens", data_home) == []
    nothing = entry_command("--remove-desktop-entry", tmp_path / "home", data_home if xdg else None)
    assert nothing.returncode == 0 and "No Digit Lens entry was installed." in nothing.stdout


def test_exec_quotes_paths_with_spaces_and_dollars_as_the_specification_asks():
    from digit_lens.desktop_entry import desktop_entry_text

    text = desktop_entry_text(["/opt/my apps/bin/py$thon", "/home/me/100% sure/main.py"])
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec="/opt/my apps/bin/py\\\\$thon" "/home/me/100%% sure/main.py"'


def test_on_macos_the_entry_is_an_app_bundle_in_the_users_applications(tmp_path, monkeypatch):
    from digit_lens import desktop_entry

    monkeypatch.setenv("HOME", str(tmp_path))
    said = desktop_entry.install(platform="darwin")
    bundle = tmp_path / "Applications" / "Digit Lens.app" / "Contents"
    info = plistlib.loads((bundle / "Info.plist").read_bytes())
    launcher = bundle / "MacOS" / info["CFBundleExecutable"]
    assert info["CFBundleName"] == "Digit Lens" and os.access(launcher, os.X_OK)
    assert launcher.read_text().startswith("#!/bin/sh\nexec ") and (bundle / "Resources" / info["CFBundleIconFile"]).is_file()
    assert said[0] == f"Installed {bundle.parent}"
    assert desktop_entry.remove(platform="darwin") == [f"Removed {bundle.parent}"] and not bundle.parent.exists()
