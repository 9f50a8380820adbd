"""The drawn-digit generator: deterministic, varied, and recognisable by the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.drawn_digits import (MIN_FLAG_RISE, SCAN_KINDS, TEMPLATES, evenly_joined, flag_rise,
                                     joined_tablet_digit, pen_bucket, redrawn_mnist, scanned_mnist, scanned_style_digit,
                                     stroke_digits, tablet_digit, template_paths, thin)
from model.nets.store import SHIPPED_MODEL


def test_stroke_digits_are_deterministic_and_sliceable():
    images, labels, infos = stroke_digits(12, seed=3)
    again, labels_again, _ = stroke_digits(12, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(images, again))
    assert np.array_equal(labels, labels_again)
    tail, tail_labels, _ = stroke_digits(4, seed=3, start=8)
    assert all(np.array_equal(a, b) for a, b in zip(images[8:], tail))
    assert list(tail_labels) == list(labels[8:])
    other, _, _ = stroke_digits(12, seed=4)
    assert not all(np.array_equal(a, b) for a, b in zip(images, other))


def test_stroke_digits_labels_sizes_and_variety():
    images, labels, infos = stroke_digits(200, seed=0)
    assert list(labels) == [i % 10 for i in range(200)]
    assert all(img.dtype == np.uint8 and img.ndim == 2 for img in images)
    assert all(64 <= s <= 600 for img in images for s in img.shape)
    assert all(img.shape == info.page for img, info in zip(images, infos))
    assert {info.polarity for info in infos} == {"dark-on-light", "light-on-dark"}
    assert {info.pen_bucket for info in infos} == {"hairline", "thin", "medium", "thick"}
    pens = np.array([info.pen for info in infos])
    assert pens.min() < 0.02 and pens.max() > 0.12
    heights = np.array([info.digit_height / info.page[0] for info in infos])
    assert heights.min() < 0.3 and heights.max() > 0.8
    assert len({(info.label, info.style) for info in infos}) == sum(len(t) for t in TEMPLATES.values())
    for img, info in zip(images[:50], infos):  # the ink really is on the side the polarity says
        paper = np.median(img)
        assert (img.min() < paper - 40) if info.dark_ink else (img.max() > paper + 40)


def test_a_flagged_1s_flag_always_rises_more_steeply_than_any_7s_bar():
    flag_styles = [style for style in TEMPLATES[1] if "flag" in style]
    flags = [flag_rise(template_paths(1, style, np.random.default_rng([i]), end_hooks=bool(i % 2))[0][1])
             for style in flag_styles for i in range(150)]
    bars = [flag_rise(template_paths(7, "plain", np.random.default_rng([i]))[0][1]) for i in range(600)]  # bar's ends
    assert min(flags) >= MIN_FLAG_RISE > max(bars)
    assert min(flags) < MIN_FLAG_RISE + 3 and max(bars) > 12  # both still warped over their whole range


def test_redrawn_mnist_uses_given_digits_deterministically(mnist):
    x, y = mnist.x_test[:500], mnist.y_test[:500]
    images, labels, infos = redrawn_mnist(x, y, 40, seed=1)
    again, labels_again, _ = redrawn_mnist(x, y, 40, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(images, again))
    assert np.array_equal(labels, labels_again)
    assert set(labels) <= set(y) and len(set(labels)) >= 8
    assert {info.style for info in infos} == {"mnist-skeleton", "mnist-outline"}
    assert {info.polarity for info in infos} == {"dark-on-light", "light-on-dark"}
    assert all(64 <= s <= 600 for img in images for s in img.shape)
    thin_pens = [info.pen for info in infos if info.style == "mnist-skeleton"]
    assert min(thin_pens) < 0.03 and max(thin_pens) > 0.06


def test_scanned_mnist_is_blocky_black_and_white_in_every_kind_and_both_polarities(mnist):
    x, y = mnist.x_test[:500], mnist.y_test[:500]
    images, labels, infos = scanned_mnist(x, y, 40, seed=1)
    again, _, _ = scanned_mnist(x, y, 40, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(images, again))
    assert set(labels) <= set(y) and {info.style for info in infos} == {f"mnist-{kind}" for kind in SCAN_KINDS}
    assert {info.polarity for info in infos} == {"dark-on-light", "light-on-dark"}
    aspects = {"fit": [], "stretch": []}
    for image, info in zip(images, infos):
        assert 64 <= min(image.shape)
        ink = image < np.median(image) - 60 if info.dark_ink else image > np.median(image) + 60
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        aspects[info.style.rsplit("-", 1)[1]].append((rows[-1] - rows[0] + 1) / (cols[-1] - cols[0] + 1))
    assert 0.85 < np.median(aspects["stretch"]) < 1.15  # stretched to fill a square box
    assert np.median(aspects["fit"]) > 1.2  # in proportion: digits are taller than wide


def test_tablet_digits_are_seeded_280px_canvases_of_any_size_pen_and_polarity():
    pages = [tablet_digit(9, "straight-tail", np.random.default_rng([i])) for i in range(40)]
    assert np.array_equal(pages[3], tablet_digit(9, "straight-tail", np.random.default_rng([3])))
    assert all(page.shape == (280, 280) and page.dtype == np.uint8 for page in pages)
    dark_paper = [np.median(page) < 128 for page in pages]
    assert any(dark_paper) and not all(dark_paper)
    ink = [(page > 128).mean() if dark else (page < 128).mean() for page, dark in zip(pages, dark_paper)]
    assert min(ink) > 0.003 and max(ink) / min(ink) > 5  # small thin digits and big thick ones


def test_joined_tablet_digits_keep_eight_points_evenly_along_the_path_pen_lifts_included():
    down, then_down_again = np.array([[0.0, 0.0], [0.0, 3.0]]), np.array([[1.0, 3.0], [1.0, 6.0]])
    points = evenly_joined([(down, down), (then_down_again, then_down_again)])  # the lift is 1 long, the path 7
    assert np.allclose(points, [[0, 0], [0, 1], [0, 2], [0, 3], [1, 3], [1, 4], [1, 5], [1, 6]])
    pages = [joined_tablet_digit(7, "crossbar", np.random.default_rng([i])) for i in range(20)]
    assert np.array_equal(pages[4], joined_tablet_digit(7, "crossbar", np.random.default_rng([4])))
    assert all(page.shape == (280, 280) and page.dtype == np.uint8 for page in pages)
    dark_paper = [np.median(page) < 128 for page in pages]
    assert any(dark_paper) and not all(dark_paper)


def test_scanned_style_digits_are_seeded_pages_of_either_polarity_with_blocky_ink():
    pages = [scanned_style_digit(4, "one-stroke", np.random.default_rng([i])) for i in range(30)]
    assert np.array_equal(pages[5], scanned_style_digit(4, "one-stroke", np.random.default_rng([5])))
    assert all(page.dtype == np.uint8 and 64 <= min(page.shape) and max(page.shape) <= 600 for page in pages)
    dark_ink = [np.median(page) > 128 for page in pages]
    assert any(dark_ink) and not all(dark_ink)
    big = [page for page in pages if min(page.shape) > 300]
    assert big
    for page in big:  # enlarged pixel by pixel: the ink's outline runs in straight steps, few distinct rows
        ink = page < np.median(page) - 60 if np.median(page) > 128 else page > np.median(page) + 60
        rows = ink[np.flatnonzero(ink.any(axis=1))]
        assert len({row.tobytes() for row in rows}) < len(rows) / 2


def test_thin_leaves_a_one_pixel_line():
    bar = np.zeros((30, 60), bool)
    bar[10:19, 5:55] = True
    skeleton = thin(bar)
    assert skeleton.any() and (skeleton & ~bar).sum() == 0
    assert skeleton.sum(axis=0).max() == 1  # one pixel thick across the bar
    assert np.ptp(np.flatnonzero(skeleton.any(axis=0))) > 30  # still spans most of its length


def test_pen_buckets():
    assert [pen_bucket(p) for p in (0.01, 0.04, 0.08, 0.2)] == ["hairline", "thin", "medium", "thick"]


@pytest.mark.skipif(not SHIPPED_MODEL.exists(), reason=f"no shipped model at {SHIPPED_MODEL}")
def test_shipped_model_reads_stroke_digits():
    from model.inspect.preprocess import preprocess
    from model.nets.store import load_model

    model = load_model()
    images, labels, _ = stroke_digits(200, seed=11)
    inputs = [preprocess(image).model_input for image in images]
    assert all(x is not None for x in inputs)
    predicted = np.argmax(model.predict(np.stack(inputs), verbose=0), axis=1)
    accuracy = float((predicted == labels).mean())
    assert accuracy >= 0.90, f"shipped model reads only {accuracy:.1%} of 200 stroke-rendered digits"
