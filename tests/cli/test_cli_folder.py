"""`main.py train --folder`: a folder of one's own photos in, a model that names its classes out."""

from __future__ import annotations

import json

from model.data.sample_folder import make_sample_folder as make_folder, shape_photo
from test_cli import run_cli


def test_train_on_a_folder_then_classify_and_inspect_with_the_folders_class_names(tmp_path):
    folder = make_folder(tmp_path / "shapes")
    out = tmp_path / "shapes.keras"
    result = run_cli("train", "--folder", str(folder), "--size", "32", "--epochs", "4", "--batch-size", "12",
                     "--validation-split", "0.25", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 file skipped (not readable as images): squares/broken.jpg" in result.stderr
    assert "49 picture files in 2 classes (circles, squares), 25% held out" in result.stdout
    assert "1 file without a picture's name ignored: squares/notes.txt" in result.stderr
    assert "Held-out accuracy:" in result.stdout and "on the 12 held-out images of shapes" in result.stdout
    for kind, seed in (("circles", 7001), ("squares", 8001)):
        shape_photo(kind, seed, size=(160, 120)).save(tmp_path / f"new_{kind}.png")
    files = [str(tmp_path / "new_circles.png"), str(tmp_path / "new_squares.png")]
    rows = [json.loads(line) for line in run_cli("classify", "--json", "--model", str(out), *files).stdout.splitlines()]
    assert [row["label"] for row in rows] == ["circles", "squares"]
    assert all("digit" not in row and len(row["probabilities"]) == 2 for row in rows)
    plain = run_cli("classify", "--model", str(out), files[0]).stdout
    assert plain.startswith(f"{files[0]}: circles (")
    inspected = run_cli("inspect", "--model", str(out)).stdout
    assert "input: 32x32x3" in inspected and "classes (2): circles, squares" in inspected
    assert "Threshold 0.5: 'squares' when it is at least 0.5" in inspected


def test_cats_and_dogs_architecture_on_a_folder_is_50x50_grey_with_one_sigmoid_unit(tmp_path):
    folder = make_folder(tmp_path / "pets", per_class=6, corrupt=False)
    out = tmp_path / "pets.keras"
    result = run_cli("train", "--folder", str(folder), "--arch", "cats_dogs", "--epochs", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    inspected = run_cli("inspect", "--model", str(out)).stdout
    assert "input: 50x50x1" in inspected and any(line.split()[:4] == ["output", "64", "->", "1"] for line in inspected.splitlines())


def test_unusable_folders_and_mnist_only_options_get_one_line_and_status_2(tmp_path):
    (tmp_path / "one" / "cats").mkdir(parents=True)
    shape_photo("circles", 1).save(tmp_path / "one" / "cats" / "a.png")
    for args, text in (([str(tmp_path / "one")], "has one class folder (cats)"),
                       ([str(tmp_path / "missing")], "missing: not found"),
                       ([str(tmp_path / "one"), "--augment"], "--augment is for MNIST digits")):
        result = run_cli("train", "--folder", *args, "--out", str(tmp_path / "x.keras"))
        assert result.returncode == 2 and text in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 or "cuda" in result.stderr.lower()
        assert not (tmp_path / "x.keras").exists()
    as_data = run_cli("train", "--data", str(tmp_path / "one"), "--out", str(tmp_path / "x.keras"))
    assert as_data.returncode == 2 and "--folder: " in as_data.stderr and "has one class folder (cats)" in as_data.stderr
    wrong = run_cli("train", "--size", "32", "--out", str(tmp_path / "x.keras"))
    assert wrong.returncode == 2 and "--size, --grey and --colour go with --folder" in wrong.stderr


def test_devices_are_checked_before_training(tmp_path):
    folder = make_folder(tmp_path / "shapes", per_class=4, corrupt=False)
    wrong = run_cli("train", "--folder", str(folder), "--devices", "some", "--out", str(tmp_path / "x.keras"))
    assert wrong.returncode == 2 and "'some' is not a device choice: use all, cpu or a number" in wrong.stderr
    many = run_cli("train", "--folder", str(folder), "--devices", "64", "--out", str(tmp_path / "x.keras"))
    assert many.returncode == 2 and "--devices: 64 devices asked for, but this machine has" in many.stderr
    assert not (tmp_path / "x.keras").exists()
