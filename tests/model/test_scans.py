"""Training digits scanned as old digit forms were: small, black and white, some stretched to fill their box."""

from __future__ import annotations

import numpy as np

from model.data.handwriting import written
from model.data.scans import scan_page, scanned_digits, scanned_style_digits, squeeze
from model.inspect.preprocess import preprocess


def _one() -> np.ndarray:
    """A thin upright 1 on a 28x28 MNIST-style frame (255 = ink)."""
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 13:16] = 255
    return digit


def _seven() -> np.ndarray:
    digit = np.zeros((28, 28), np.uint8)
    digit[4:7, 7:21] = 255
    for row in range(7, 24):
        col = round(18 - (row - 7) * 0.5)
        digit[row, col - 1:col + 2] = 255
    return digit


def test_a_digit_is_squeezed_into_a_small_box_in_proportion_or_stretched_to_fill_it():
    kept = squeeze(_one(), 16, stretch=False, threshold=0.5)
    stretched = squeeze(_one(), 16, stretch=True, threshold=0.5)
    assert kept.shape == (16, 2) and stretched.shape == (16, 16)  # 20x3 px of ink
    assert set(np.unique(stretched)) == {1.0}  # the 1 stretched wide is one solid block
    grey = squeeze(_seven(), 10, stretch=False, threshold=None)
    assert grey.shape[0] == 10 and 0 < ((grey > 0) & (grey < 1)).sum()  # not thresholded: area-averaged grey edges


def test_scanned_pages_come_in_both_polarities_and_many_sizes_and_read_back_as_the_digit():
    seven = preprocess(_seven()).model_input[..., 0]
    pages = [scan_page(_seven(), np.random.default_rng([i, 11])) for i in range(60)]
    assert all(page.dtype == np.uint8 for page in pages)
    dark_paper = [np.median(page) < 128 for page in pages]
    assert any(dark_paper) and not all(dark_paper)
    sides = [max(page.shape) for page in pages]
    assert min(sides) < 100 and max(sides) > 300
    fed = [preprocess(page).model_input[..., 0] for page in pages]
    agreement = [np.corrcoef(x.ravel(), seven.ravel())[0, 1] for x in fed]
    assert np.median(agreement) > 0.7  # blockier, sometimes stretched, but still the same 7


def test_scanned_digits_are_seeded_and_keep_their_labels():
    images = np.stack([_one(), _seven()])
    labels = np.array([1, 7], np.uint8)
    scanned, scanned_labels = scanned_digits(images, labels, 40, seed=3)
    again, _ = scanned_digits(images, labels, 40, seed=3)
    assert scanned.shape == (40, 28, 28) and scanned.dtype == np.uint8 and np.array_equal(scanned, again)
    assert {1, 7} == set(scanned_labels)
    sevens = preprocess(_seven()).model_input[..., 0]
    looks_like_seven = [np.corrcoef(x.ravel().astype(float), sevens.ravel())[0, 1] > 0.5 for x in scanned]
    assert np.mean(np.array(looks_like_seven) == (scanned_labels == 7)) > 0.9


def test_a_written_digit_is_drawn_large_with_a_form_fillers_pen():
    stem = [np.array([[0.5, 0.0], [0.5, 1.0]])]  # a 1 one unit tall
    ink = [written(stem, np.random.default_rng(i)) for i in range(30)]
    widths = [(x > 128).sum(axis=1).max() for x in ink]  # the pen: the stem's width
    heights = [np.ptp(np.flatnonzero(x.max(axis=1) > 128)) + 1 - w for x, w in zip(ink, widths)]  # less the round ends
    pens = np.array(widths) / heights
    assert 55 < min(heights) and max(heights) < 145  # written 60-140 px tall
    assert 0.05 < pens.min() and pens.max() < 0.23 and pens.max() / pens.min() > 1.8  # a pen 7-20% of the height


def test_scanned_style_digits_are_seeded_labelled_and_read_back_by_the_shipped_model():
    from model.nets.store import load_model

    scanned, labels = scanned_style_digits(60, seed=2)
    again, _ = scanned_style_digits(60, seed=2)
    assert scanned.shape == (60, 28, 28) and scanned.dtype == np.uint8 and np.array_equal(scanned, again)
    assert list(labels[:12]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert all(x.max() == 255 for x in scanned)  # every one found and preprocessed
    read = load_model().predict(scanned[..., None] / 255.0, verbose=0).argmax(axis=1)
    assert np.mean(read == labels) > 0.9  # blocky, some stretched, still the digits they were written as
