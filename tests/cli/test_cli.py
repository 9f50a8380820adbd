"""The command line as a user runs it: classify, inspect and train."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.inspect.verdict import MIN_CONFIDENCE, MIN_MARGIN

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def page_with_digit(digit_image: np.ndarray, size: int, dark_on_light: bool) -> Image.Image:
    """An MNIST test digit re-drawn large, off-centre, on a bigger page."""
    digit = Image.fromarray(digit_image).resize((size // 2, size // 2), Image.Resampling.BICUBIC)
    page = Image.new("L", (size, size + 60), 0)
    page.paste(digit, (size // 3, size // 5))
    return Image.fromarray(255 - np.asarray(page)) if dark_on_light else page


@pytest.fixture(scope="module")
def digit_files(mnist, tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    files, labels = [], []
    for i, (index, fmt) in enumerate([(0, "png"), (1, "jpg"), (2, "bmp"), (3, "gif"), (4, "png")]):
        path = folder / f"digit{i}.{fmt}"
        image = page_with_digit(mnist.x_test[index], 200 + 100 * i, dark_on_light=bool(i % 2))
        if i == 4:  # light ink on a transparent background
            alpha = np.asarray(image)
            image = Image.fromarray(np.dstack([np.full_like(alpha, 255)] * 3 + [alpha]), "RGBA")
        image.save(path)
        files.append(str(path))
        labels.append(int(mnist.y_test[index]))
    return files, labels


def test_classify_json_gives_one_object_per_file_in_order(digit_files, tmp_path):
    files, labels = digit_files
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    result = run_cli("classify", files[0], str(broken), *files[1:], "--json")
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len([line for line in errors if line.startswith("digit-lens:")]) == 1 and "broken.png" in errors[-1]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["file"] for row in rows] == files
    assert [row["digit"] for row in rows] == labels
    for row in rows:
        assert set(row) == {"file", "label", "digit", "confidence", "unsure", "runner_up", "runner_up_label",
                            "probabilities"}
        assert row["label"] == str(row["digit"]) and row["runner_up_label"] == str(row["runner_up"])
        assert row["unsure"] is False and row["runner_up"] != row["digit"]
        assert len(row["probabilities"]) == 10 and sum(row["probabilities"]) == pytest.approx(1.0, abs=1e-4)
        assert row["confidence"] == pytest.approx(max(row["probabilities"]))


def test_classify_plain_text_and_a_clean_exit(digit_files):
    files, labels = digit_files
    result = run_cli("classify", files[0])
    assert result.returncode == 0
    assert result.stdout.startswith(f"{files[0]}: {labels[0]} (")


def test_inspect_prints_the_data_flow_and_the_preprocessing(digit_files):
    files, labels = digit_files
    table = run_cli("inspect")
    assert table.returncode == 0
    assert any(line.startswith("conv1") and "28x28x1 -> 26x26x32" in line for line in table.stdout.splitlines())
    with_image = run_cli("inspect", files[1])
    assert "centred by mass" in with_image.stdout and "28x28" in with_image.stdout
    assert f"Prediction: {labels[1]} (" in with_image.stdout


def test_train_writes_a_model_and_prints_the_table(digit_files, tmp_path):
    out = tmp_path / "mlp.keras"
    log = tmp_path / "log.csv"
    result = run_cli("train", "--arch", "mlp", "--epochs", "2", "--limit", "3000", "--out", str(out), "--csv", str(log))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["epoch", "loss"])
    assert [lines[header + k].split()[0] for k in (1, 2)] == ["1", "2"]
    rows = log.read_text().splitlines()  # Keras' CSVLogger: a header and a row per epoch (counted from 0)
    assert {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"} <= set(rows[0].split(","))
    assert [row.split(",")[0] for row in rows[1:]] == ["0", "1"]
    table_loss = float(lines[header + 2].split()[1])
    assert float(rows[2].split(",")[rows[0].split(",").index("loss")]) == pytest.approx(table_loss, abs=1e-4)
    accuracy = float(next(line for line in lines if line.startswith("Test accuracy")).split()[2].rstrip("%"))
    assert accuracy > 80.0
    classified = run_cli("classify", "--model", str(out), "--json", digit_files[0][0])
    assert classified.returncode == 0
    assert len(json.loads(classified.stdout)["probabilities"]) == 10


def test_missing_data_and_model_files_give_one_clear_line(tmp_path):
    result = run_cli("train", "--data", str(tmp_path / "nowhere.npz"), "--epochs", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not found" in result.stderr
    bad = tmp_path / "bad.keras"
    bad.write_text("nope")
    result = run_cli("classify", "--model", str(bad), str(tmp_path / "x.png"))
    assert result.returncode == 2 and "could not be loaded" in result.stderr and "Traceback" not in result.stderr


def test_train_refuses_an_unusable_output_before_training(tmp_path):
    result = run_cli("train", "--arch", "mlp", "--epochs", "1", "--limit", "500", "--out", str(tmp_path / "model.txt"))
    assert result.returncode == 2 and ".keras" in result.stderr and "Traceback" not in result.stderr
    assert "epoch" not in result.stdout  # refused before any training


def test_sideways_phone_photo_is_read_upright(mnist, tmp_path):
    from model.data.images import load_image

    upright = page_with_digit(mnist.x_test[0], 240, dark_on_light=True)
    stored = upright.rotate(90, expand=True)  # the camera stored it lying on its side...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...and tagged it "rotate 90 degrees clockwise to view"
    path = tmp_path / "photo.jpg"
    stored.save(path, exif=exif)
    loaded = np.asarray(load_image(path).convert("L"), dtype=np.float32)
    assert loaded.shape == np.asarray(upright).shape
    assert np.abs(loaded - np.asarray(upright, dtype=np.float32)).mean() < 8


def test_a_diverging_run_exits_non_zero_and_leaves_the_output_untouched(tmp_path):
    good = tmp_path / "good.keras"
    good.write_bytes(b"the user's good model")
    result = run_cli("train", "--arch", "cnn_small", "--epochs", "2", "--limit", "1280", "--learning-rate", "1e30",
                     "--out", str(good))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "diverged at epoch 1, batch" in result.stderr and "smaller learning rate" in result.stderr
    assert good.read_bytes() == b"the user's good model"


def test_bad_arguments_are_refused_before_any_training_and_name_the_argument(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    result = run_cli("train", "--arch", "mlp", "--epochs", "1", "--limit", "500", "--out", f"{folder}/")
    assert result.returncode == 2 and "--out" in result.stderr and "is a folder" in result.stderr
    assert "Training" not in result.stdout
    result = run_cli("train", "--arch", "mlp", "--limit", "1", "--validation-split", "0.9", "--out", str(tmp_path / "m.keras"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--validation-split" in result.stderr and "leaves 0 to train on" in result.stderr
    assert "Training" not in result.stdout


def test_an_upper_case_suffix_is_saved_as_given_and_opens_again(digit_files, tmp_path):
    import os
    import stat

    out = tmp_path / "MODEL.KERAS"
    result = run_cli("train", "--arch", "mlp", "--epochs", "1", "--limit", "2000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.exists() and [p.name for p in tmp_path.iterdir()] == ["MODEL.KERAS"]  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # as any other file the user makes
    classified = run_cli("classify", "--model", str(out), "--json", digit_files[0][0])
    assert classified.returncode == 0, classified.stderr
    assert len(json.loads(classified.stdout)["probabilities"]) == 10


def test_classify_json_is_strict_json_and_a_broken_model_is_refused(digit_files, tmp_path):
    from model.nets.architectures import build
    from model.nets.store import save_model_atomic

    model = build("mlp")
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    path = save_model_atomic(model, tmp_path / "nan.keras")
    result = run_cli("classify", "--model", str(path), "--json", digit_files[0][0])
    assert result.returncode == 2 and "not finite numbers" in result.stderr and result.stdout == ""
    result = run_cli("classify", "--json", *digit_files[0])
    for line in result.stdout.splitlines():
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))


def test_classify_json_names_the_class_from_a_labels_txt_beside_the_model(tmp_path):
    import keras
    from keras import layers

    from model.nets.store import save_model_atomic

    inputs = keras.Input((16, 16, 3))
    mean = layers.GlobalAveragePooling2D()(inputs)  # (r, g, b) means: a red picture scores red highest
    model = keras.Model(inputs, layers.Softmax()(layers.Rescaling(20.0)(mean)))
    save_model_atomic(model, tmp_path / "colours.keras")
    (tmp_path / "labels.txt").write_text("0 red\n1 green\n2 blue\n")
    picture = np.zeros((40, 30, 3), np.uint8)
    picture[..., 2] = 220
    picture[5:10, 5:10] = 255
    Image.fromarray(picture).save(tmp_path / "blue.png")
    result = run_cli("classify", str(tmp_path / "blue.png"), "--model", str(tmp_path / "colours.keras"), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["label"] == "blue" and "digit" not in record and len(record["probabilities"]) == 3
    (tmp_path / "names.txt").write_text("rot\ngrün\nblau\n")
    plain = run_cli("classify", str(tmp_path / "blue.png"), "--model", str(tmp_path / "colours.keras"),
                    "--labels", str(tmp_path / "names.txt"))
    assert plain.returncode == 0 and ": blau (" in plain.stdout
    inspected = run_cli("inspect", "--model", str(tmp_path / "colours.keras"), "--preprocess", "digit")
    assert "classes (3): red, green, blue" in inspected.stdout and "preprocessing: digit" in inspected.stdout


def test_classify_marks_a_digit_halfway_between_two_as_unsure(mnist, tmp_path):
    # A 4 fading into a 9: where the model turns from one to the other it must be torn between them.
    from model.data.images import load_image
    from model.inspect.inspection import Inspector
    from model.nets.store import load_model

    four, nine = (mnist.x_test[np.flatnonzero(mnist.y_test == d)[0]].astype(float) for d in (4, 9))

    def blend(w: float) -> str:
        path = tmp_path / f"blend{w:.6f}.png"
        page_with_digit(np.round((1 - w) * four + w * nine).astype(np.uint8), 200, dark_on_light=True).save(path)
        return str(path)

    inspector = Inspector(load_model())
    low, high = 0.0, 1.0  # the turning point, found in this process; classify reads the files it leaves
    for _ in range(14):
        middle = (low + high) / 2
        low, high = (middle, high) if inspector.classify(load_image(blend(middle)))[1].digit == 4 else (low, middle)
    files = [blend(0.0), blend(low), blend(high), blend(1.0)]
    rows = [json.loads(line) for line in run_cli("classify", "--json", *files).stdout.splitlines()]
    assert [row["digit"] for row in rows] == [4, 4, 9, 9]
    assert not rows[0]["unsure"] and not rows[-1]["unsure"]
    assert rows[1]["unsure"] and rows[2]["unsure"]
    assert (rows[1]["runner_up"], rows[2]["runner_up"]) == (9, 4)
    text = run_cli("classify", files[1]).stdout.strip()
    p = rows[1]["probabilities"]
    assert text == f"{files[1]}: 4 ({p[4]:.1%}), or maybe 9 ({p[9]:.1%}) — unsure"
    rule = " ".join(run_cli("classify", "--help").stdout.split())  # the help says when an answer is unsure
    assert f"top class has under {MIN_CONFIDENCE:.0%} or the runner-up is within {MIN_MARGIN * 100:.0f} points" in rule


def _test_accuracy(result: subprocess.CompletedProcess) -> float:
    return float(next(line for line in result.stdout.splitlines() if line.startswith("Test accuracy")).split()[2].rstrip("%"))


def test_train_mixes_in_style_and_scanned_digits_and_starts_from_a_given_model(tmp_path):
    first = tmp_path / "first.keras"
    result = run_cli("train", "--arch", "mlp", "--epochs", "1", "--limit", "2000", "--out", str(first))
    assert result.returncode == 0, result.stderr
    assert "15/15" in result.stderr  # 1,800 training digits in batches of 128
    tuned = tmp_path / "tuned.keras"
    again = run_cli("train", "--init", str(first), "--epochs", "1", "--limit", "2000", "--styles", "1000",
                    "--scans", "500", "--augment", "--learning-rate", "1e-7", "--out", str(tuned))
    assert again.returncode == 0, again.stderr
    assert f"from {first}" in again.stdout and "plus 1,000 handwriting-style digits" in again.stdout
    assert "plus 500 scanned small" in again.stdout
    assert "26/26" in again.stderr  # 1,800 + 1,000 + 500 digits
    assert _test_accuracy(result) > 70 and abs(_test_accuracy(again) - _test_accuracy(result)) < 1.0  # same weights
    missing = run_cli("train", "--init", str(tmp_path / "none.keras"), "--epochs", "1", "--out", str(tmp_path / "y.keras"))
    assert missing.returncode == 2 and "--init" in missing.stderr and "Traceback" not in missing.stderr


def test_train_adds_real_writers_training_writers_only_and_usps_and_refuses_unusable_files(tmp_path):
    t = np.linspace(0, 1, 30)
    zero = [np.stack([50 + 30 * np.sin(2 * np.pi * t), 50 - 45 * np.cos(2 * np.pi * t)], axis=1)]
    one = [np.array([[50.0, 5.0], [52.0, 95.0]])]
    digits = [zero if i % 2 == 0 else one for i in range(30)]
    writers = ["ann", "bob"] * 10 + ["cy"] * 10
    sites = ["xyz"] * 20 + ["aga"] * 10  # aga is held out whole: 20 training writers' digits
    unipen = tmp_path / "unipen.npz"  # unipen_digits.npz's layout, one stroke a digit
    np.savez(unipen, points=np.concatenate([d[0] for d in digits]).astype(np.int32),
             stroke_ends=np.cumsum([len(d[0]) for d in digits]), digit_ends=np.arange(1, 31),
             labels=np.array([0, 1] * 15, np.uint8), writers=np.array([["ann", "bob", "cy"].index(w) for w in writers]),
             writer_names=np.array(["ann", "bob", "cy"]), sites=np.array(sites))
    usps = tmp_path / "usps.npz"
    rng = np.random.default_rng(0)
    np.savez(usps, x_train=rng.integers(0, 256, (200, 16, 16), dtype=np.uint8), y_train=rng.integers(0, 10, 200, dtype=np.uint8),
             x_test=np.zeros((5, 16, 16), np.uint8), y_test=np.zeros(5, np.uint8))
    out = tmp_path / "m.keras"
    result = run_cli("train", "--arch", "mlp", "--epochs", "1", "--limit", "2000", "--unipen", str(unipen),
                     "--unipen-copies", "2", "--usps", str(usps), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "plus UNIPEN training writers drawn 2x on the canvas, plus USPS training digits" in result.stdout
    assert "16/16" in result.stderr  # 1,800 + 2 x 20 + 200 digits in batches of 128
    for flag in ("--unipen", "--usps"):
        missing = run_cli("train", "--arch", "mlp", "--epochs", "1", flag, str(tmp_path / "none.npz"),
                          "--out", str(tmp_path / "n.keras"))
        assert missing.returncode == 2 and flag in missing.stderr and "not found" in missing.stderr
        assert "Training" not in missing.stdout and "Traceback" not in missing.stderr
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    wrong = run_cli("train", "--arch", "mlp", "--epochs", "1", "--unipen", str(other), "--out", str(tmp_path / "n.keras"))
    assert wrong.returncode == 2 and "--unipen" in wrong.stderr and "not a UNIPEN digits file" in wrong.stderr
    assert "Training" not in wrong.stdout and "Traceback" not in wrong.stderr
