"""The app as a user installs it: the wheel built from the checkout, installed apart (not editable) and run from
another folder, as `pip install .` and `pipx install .` leave it."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, built offline with this environment's setuptools and installed with --target."""
    folder = tmp_path_factory.mktemp("install")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(folder / "wheel"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (folder / "wheel").glob("digit_lens-*.whl")
    site = folder / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                           str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return site


def run_installed(site: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`digit-lens ARGS` as installed, from `cwd`, seeing only the installed copy of the app."""
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    environment.update(PYTHONPATH=str(site), PYTHONSAFEPATH="1", **env)
    return subprocess.run([str(site / "bin" / "digit-lens"), *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env=environment)


def test_the_wheel_holds_every_package_and_the_files_but_no_top_level_main(installed):
    (wheel,) = (installed.parent / "wheel").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(init.parent.relative_to(ROOT)) for top in ("digit_lens", "model", "gui")
                for init in (ROOT / top).rglob("__init__.py")}
    assert {f"{package}/__init__.py" for package in packages} <= names
    sources = {str(p.relative_to(ROOT)) for top in ("digit_lens", "model", "gui") for p in (ROOT / top).rglob("*.py")}
    assert sources <= names  # a module in a package the build does not list would be missing here
    carried = {f"digit_lens/resources/{p.relative_to(ROOT / 'resources')}" for p in (ROOT / "resources").rglob("*")
               if p.is_file()}
    assert "digit_lens/resources/digit_lens.keras" in carried and carried <= names
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"digit_lens", "model", "gui"} and "main.py" not in names


def test_installed_classify_reads_a_drawn_1_quietly_from_another_folder(installed, tmp_path):
    image = Image.new("L", (280, 280))
    ImageDraw.Draw(image).line([(140, 50), (140, 230)], fill=255, width=20)
    image.save(tmp_path / "one.png")
    done = run_installed(installed, "classify", "one.png", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert re.fullmatch(r"one\.png: 1 \((99\.\d|100\.0)%\)\n", done.stdout)  # sure: not marked unsure
    where = subprocess.run([sys.executable, "-c", "import digit_lens.files as f; print(f.SHIPPED_MODEL)"],
                           capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed),
                                                                             "PYTHONSAFEPATH": "1"})
    assert Path(where.stdout.strip()).is_relative_to(installed) and Path(where.stdout.strip()).is_file()


def test_installed_window_starts_offscreen_and_reads_a_digit(installed, tmp_path):
    done = run_installed(installed, cwd=tmp_path, QT_QPA_PLATFORM="offscreen", DIGIT_LENS_STARTUP_TIMINGS="1",
                         XDG_CONFIG_HOME=str(tmp_path / "config"))
    assert done.returncode == 0, done.stderr[-2000:]
    timings = json.loads(done.stdout.splitlines()[-1])
    assert timings["digit"] == 1 and timings["first_prediction"] >= timings["shown"]


def test_installed_desktop_entry_runs_the_installed_command_with_an_icon_that_resolves(installed, tmp_path):
    data_home = tmp_path / "share"
    done = run_installed(installed, "--install-desktop-entry", cwd=tmp_path, HOME=str(tmp_path),
                         XDG_DATA_HOME=str(data_home))
    assert done.returncode == 0 and done.stderr == ""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(data_home / "applications" / "digit-lens.desktop")
    entry = parser["Desktop Entry"]
    program = Path(shlex.split(entry["Exec"])[0])
    assert program == installed / "bin" / "digit-lens" and os.access(program, os.X_OK)
    assert (data_home / "icons" / "hicolor" / "256x256" / "apps" / f"{entry['Icon']}.png").is_file()
