"""MNIST-style preprocessing, as a drawing or image reaches it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from model.inspect.preprocess import NOTHING_DRAWN, STROKE_RANGE, InputShapeError, preprocess, stroke_width


def draw_seven(size: int = 280, box: tuple[float, float, float, float] = (0.3, 0.2, 0.7, 0.8),
               width: int = 18, ink: int = 255, paper: int = 0) -> np.ndarray:
    """A '7' drawn with a round pen inside `box` (fractions of the page)."""
    image = Image.new("L", (size, size), paper)
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = (v * size for v in box)
    draw.line([(x0, y0), (x1, y0), (x0 + (x1 - x0) * 0.35, y1)], fill=ink, width=width, joint="curve")
    return np.asarray(image)


def model_input(image, shape=(28, 28, 1)) -> np.ndarray:
    result = preprocess(image, shape)
    assert not result.blank
    return result.model_input


def test_output_is_28x28x1_in_unit_range_with_mnist_geometry():
    x = model_input(draw_seven())
    assert x.shape == (28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() == pytest.approx(1.0, abs=0.05)
    rows = np.flatnonzero(x[..., 0].max(axis=1) > 0.05)
    cols = np.flatnonzero(x[..., 0].max(axis=0) > 0.05)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 22  # the 20 px box, plus anti-aliasing
    cy, cx = np.array(np.nonzero(x[..., 0] > -1)).astype(float) @ x[..., 0].ravel() / x.sum()
    assert abs(cy - 13.5) <= 0.75 and abs(cx - 13.5) <= 0.75  # centre of mass at the centre


def test_same_drawing_moved_and_scaled_gives_nearly_the_same_input():
    reference = model_input(draw_seven(box=(0.3, 0.2, 0.7, 0.8), width=18))
    small_corner = model_input(draw_seven(box=(0.05, 0.05, 0.25, 0.35), width=9))
    big_page = model_input(draw_seven(size=900, box=(0.5, 0.4, 0.9, 1.0 - 0.02), width=58))
    for other in (small_corner, big_page):
        assert np.abs(other - reference).mean() < 0.04
        assert np.corrcoef(other.ravel(), reference.ravel())[0, 1] > 0.9


def test_dark_ink_on_light_paper_reads_like_light_ink_on_dark():
    light_on_dark = model_input(draw_seven())
    dark_on_light = model_input(draw_seven(ink=20, paper=235))
    assert np.abs(light_on_dark - dark_on_light).mean() < 0.02


def test_blank_and_uniform_pages_say_nothing_drawn():
    for page in (np.zeros((280, 280), np.uint8), np.full((100, 50), 255, np.uint8),
                 np.random.default_rng(0).integers(120, 135, (200, 200)).astype(np.uint8)):
        result = preprocess(page)
        assert result.blank and result.model_input is None
        assert result.message == NOTHING_DRAWN


def test_rgba_with_transparent_background_uses_the_opaque_ink():
    reference = model_input(draw_seven())
    mask = draw_seven()
    for colour in ((0, 0, 0), (255, 255, 255), (200, 30, 30)):
        rgba = np.zeros((280, 280, 4), np.uint8)
        rgba[..., :3] = colour
        rgba[..., 3] = mask
        assert np.abs(model_input(rgba) - reference).mean() < 0.03, colour
        assert np.abs(model_input(Image.fromarray(rgba, "RGBA")) - reference).mean() < 0.03


def test_rgb_photo_with_specks_keeps_the_digit_and_drops_the_dust():
    reference = model_input(draw_seven(ink=30, paper=220))
    page = np.repeat(draw_seven(ink=30, paper=220)[..., None], 3, axis=2).copy()
    page[5:8, 5:8] = 30  # a speck of dust in a corner
    assert np.abs(model_input(page) - reference).mean() < 0.02


def test_hairline_and_felt_tip_pens_are_evened_into_mnist_stroke_widths():
    low, high = STROKE_RANGE
    hairline = draw_seven(size=900, width=3)  # about 0.1 px wide once scaled down
    felt_tip = draw_seven(size=200, width=40)  # about 6 px wide once scaled down
    for page in (hairline, felt_tip):
        assert stroke_width(page) < low / 2 or stroke_width(page) > high * 1.25
        assert low - 0.4 <= stroke_width(model_input(page)[..., 0]) <= high + 0.4


def test_steps_are_returned_in_order_for_the_window():
    result = preprocess(draw_seven())
    assert [s.name for s in result.steps] == ["ink", "cropped", "strokes evened", "scaled to 20 px", "centred by mass"]
    assert result.steps[-1].image.shape == (28, 28)


def test_other_input_shapes_are_fitted_or_refused_clearly():
    rgb64 = model_input(draw_seven(), (64, 64, 3))
    assert rgb64.shape == (64, 64, 3)
    assert np.array_equal(rgb64[..., 0], rgb64[..., 2])
    assert model_input(draw_seven(), (28, 28)).shape == (28, 28, 1)
    with pytest.raises(InputShapeError, match="channels"):
        preprocess(draw_seven(), (28, 28, 5))
    with pytest.raises(InputShapeError, match="fixed"):
        preprocess(draw_seven(), (None, None, 1))


def test_fast_mask_growing_and_outlines_match_scipy_morphology():
    from scipy import ndimage

    from model.inspect.preprocess import _grown, _outline

    rng = np.random.default_rng(3)
    for _ in range(50):
        mask = rng.random((int(rng.integers(1, 30)), int(rng.integers(1, 30)))) > rng.random()
        assert np.array_equal(_grown(mask, 2), ndimage.binary_dilation(mask, iterations=2))
        assert np.array_equal(_outline(mask), mask & ~ndimage.binary_erosion(mask))


def test_centring_by_mass_moves_a_digit_as_scipys_centre_of_mass_says_even_half_a_pixel_off():
    from scipy import ndimage

    from model.inspect.preprocess import _centre_by_mass

    rng = np.random.default_rng(4)
    shapes = []
    for _ in range(300):  # upright bars, some flagged: often exactly half a pixel off centre, where rounding decides
        page = np.zeros((100, 100), np.float32)
        top, left = rng.integers(0, 40, 2)
        page[top:top + rng.integers(20, 60), left:left + rng.integers(4, 30)] = 1
        if rng.random() < 0.5:
            page[top:top + 4, max(0, left - rng.integers(0, 20)):left + 3] = 1
        shapes.append(next(step.image for step in preprocess(page).steps if step.name.startswith("scaled")))
    for scaled in shapes:
        moved = _centre_by_mass(scaled, 28, 28)
        frame = np.zeros((28, 28), np.float32)
        top, left = (28 - scaled.shape[0]) // 2, (28 - scaled.shape[1]) // 2
        frame[top:top + scaled.shape[0], left:left + scaled.shape[1]] = scaled
        cy, cx = ndimage.center_of_mass(frame)
        rows, cols = np.flatnonzero(moved.max(axis=1) > 0), np.flatnonzero(moved.max(axis=0) > 0)
        assert cols[0] - left == int(np.clip(round(13.5 - cx), -left, 27 - (left + scaled.shape[1] - 1)))
        assert rows[0] - top == int(np.clip(round(13.5 - cy), -top, 27 - (top + scaled.shape[0] - 1)))


def test_a_digit_already_in_mnists_form_comes_out_as_it_went_in_not_blurred():
    """A 28x28 scan or MNIST digit (20 px box, MNIST's pen) is only moved to its centre of mass, not resampled."""
    digit = np.zeros((28, 28), np.uint8)
    digit[4:7, 7:21] = 255  # a 7's bar, 3 px thick
    for row in range(7, 24):  # its stem, 3 px wide, down to the left
        col = round(18 - (row - 7) * 0.5)
        digit[row, col - 1:col + 2] = 255
    assert 1.9 <= stroke_width(digit) <= 3.8
    out = model_input(digit)[..., 0]
    shifts = [(dy, dx) for dy in range(-4, 5) for dx in range(-4, 5)]  # to its centre of mass
    best = min(np.abs(np.roll(out, shift, (0, 1)) - digit / 255).max() for shift in shifts)
    assert best < 0.01  # scaled 20 px -> 160 px -> 20 px it came out blurred: edges off by 0.3 or more


def test_a_saved_model_input_or_mnist_digit_is_fed_exactly_as_it_is_in_either_polarity():
    saved = np.round(model_input(draw_seven())[..., 0] * 255).astype(np.uint8)  # a 28x28 input, as MNIST's are
    for page, note in ((saved, "light on dark"), (255 - saved, "dark on light")):
        result = preprocess(page)
        assert result.steps[-1].name == "fed as is", note
        assert np.allclose(result.model_input[..., 0], saved / 255, atol=1e-6), note
    moved = np.roll(saved, 4, axis=1)  # off centre: not MNIST's framing, so preprocessed as any image
    result = preprocess(moved)
    assert result.steps[-1].name == "centred by mass"
    assert np.abs(result.model_input[..., 0] - saved / 255).mean() < 0.03
