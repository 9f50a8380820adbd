"""`main.py convolve` as a user runs it: the stages' shapes, the first 20 values, the saved arrays, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from tests.cli.test_cli import run_cli


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    """A 640x480 colour picture: a sky gradient, a sun and a house."""
    sky = np.linspace(90, 230, 480, dtype=np.float32)[:, None, None] * np.ones((1, 640, 3), np.float32) * [0.6, 0.8, 1.0]
    image = Image.fromarray(sky.astype(np.uint8))
    pen = ImageDraw.Draw(image)
    pen.ellipse((420, 60, 540, 180), fill=(250, 210, 60))
    pen.rectangle((120, 220, 330, 420), fill=(150, 60, 40))
    pen.polygon([(100, 230), (225, 120), (350, 230)], fill=(90, 30, 20))
    path = tmp_path_factory.mktemp("convolve") / "house.jpg"
    image.save(path, quality=92)
    return path


def test_convolve_prints_the_tutorials_shapes_and_saves_the_stages(picture, tmp_path):
    out = tmp_path / "stages.npz"
    result = run_cli("convolve", str(picture), "--kernel", "0,1,0;1,-4,1;0,1,0", "--npz", str(out), timeout=120)
    assert result.returncode == 0, result.stderr
    shapes = {line.split()[0]: line.split(")")[0] + ")" for line in result.stdout.splitlines()[:6]}
    assert shapes == {"input": "input  (1, 300, 300, 1)", "conv": "conv   (1, 300, 300, 1)",
                      "relu": "relu   (1, 300, 300, 1)", "pool": "pool   (1, 150, 150, 1)",
                      "flat": "flat   (1, 22500)", "dense": "dense  (1, 64)"}
    assert "untrained, random weights (seed 0)" in result.stdout
    saved = np.load(out)
    assert {name: saved[name].dtype for name in saved.files} == dict.fromkeys(
        ["input", "conv", "relu", "pool", "flat", "dense"], np.float32)
    grey = np.asarray(Image.open(picture).convert("L").resize((300, 300), Image.Resampling.BILINEAR), np.float32) / 255
    np.testing.assert_allclose(saved["input"], grey, atol=1e-6)
    laplacian = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float64)
    np.testing.assert_allclose(saved["conv"], ndimage.correlate(grey.astype(np.float64), laplacian, mode="constant"), atol=1e-5)
    np.testing.assert_array_equal(saved["relu"], np.maximum(saved["conv"], 0))
    assert saved["pool"].shape == (150, 150) and saved["flat"].shape == (22500,) and saved["dense"].shape == (64,)
    printed = result.stdout.split("first 20 flattened values:")[1].split("Saved")[0]
    values = np.array(printed.replace("[", " ").replace("]", " ").split(), np.float32)
    np.testing.assert_allclose(values, saved["flat"][:20], atol=1e-4)


def test_stride_padding_and_two_kernels_change_the_shapes(picture):
    result = run_cli("convolve", str(picture), "--kernel", "sobel_x", "--kernel", "sobel_y", "--size", "120",
                     "--stride", "2", "--padding", "valid", timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("conv   (1, 59, 59, 2)") and lines[3].startswith("pool   (1, 29, 29, 2)")
    assert lines[4].startswith("flat   (1, 1682)")


@pytest.mark.parametrize("kernel, message", [
    ("sobel_z", "digit-lens: unknown kernel 'sobel_z'"),
    ("0,1,0;1,-4;0,1,0", "digit-lens: row 2 has 2 values, row 1 has 3"),
    ("0,1,0;1,minus4,1;0,1,0", "digit-lens: row 2: 'minus4' is not a number"),
])
def test_bad_kernels_get_one_line_and_status_2(picture, kernel, message):
    result = run_cli("convolve", str(picture), "--kernel", kernel, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and result.stderr.startswith(message)


def test_an_unreadable_image_gets_one_line_and_status_1(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture at all")
    result = run_cli("convolve", str(broken), timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "digit-lens: broken.png: not an image file Digit Lens can read (PNG, JPEG, BMP, GIF, TIFF, WebP)."
