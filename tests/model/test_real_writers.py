"""Real writers: UNIPEN's pen trajectories and its fixed writer-disjoint split, USPS's scans, and trajectories drawn
as the canvas draws them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.data.mnist import DataError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def write_pen_digits(path: Path, digits: list[list[np.ndarray]], labels, writers: list[str], sites: list[str]) -> Path:
    """A small file in unipen_digits.npz's layout."""
    strokes = [s for digit in digits for s in digit]
    names = sorted(set(writers))
    np.savez(path, points=np.concatenate(strokes).astype(np.int32),
             stroke_ends=np.cumsum([len(s) for s in strokes]), digit_ends=np.cumsum([len(d) for d in digits]),
             labels=np.asarray(labels, np.uint8), writers=np.array([names.index(w) for w in writers], np.int32),
             writer_names=np.array(names), sites=np.array(sites))
    return path


@pytest.fixture(scope="module")
def unipen():
    from model.data.unipen import load_unipen

    path = DATA / "unipen_digits.npz"
    if not path.exists():
        pytest.skip(f"no UNIPEN digits at {path}")
    return load_unipen(path)


def test_unipen_holds_13708_digits_by_162_writers_at_9_sites(unipen):
    assert len(unipen) == 13708 and len(set(unipen.writers)) == 162 and len(set(unipen.sites)) == 9
    strokes = unipen.strokes(0)
    assert all(s.ndim == 2 and s.shape[1] == 2 for s in strokes) and np.bincount(unipen.labels).min() >= 1293


def test_held_out_writers_are_disjoint_from_the_training_writers_and_include_whole_sites(unipen):
    from model.data.unipen import HELD_OUT_SITES

    train, held = unipen.split(clean=False)
    assert len(train) + len(held) == len(unipen)
    assert not set(train.writers) & set(held.writers)
    assert len(set(held.writers)) >= 0.2 * len(set(unipen.writers))  # at least a fifth of the writers
    assert not set(train.sites) & set(HELD_OUT_SITES)  # no writer of those sites trains
    for site in HELD_OUT_SITES:
        assert (held.sites == site).sum() == (unipen.sites == site).sum() > 0
    assert set(np.unique(held.labels)) == set(range(10))
    again_train, _ = unipen.split(clean=False)  # fixed: the same every time
    assert np.array_equal(again_train.labels, train.labels) and np.array_equal(again_train.points, train.points)


def test_a_subset_keeps_each_digits_strokes(unipen):
    pick = np.array([5, 17, 9000])
    part = unipen.subset(pick)
    for k, i in enumerate(pick):
        assert all(np.array_equal(a, b) for a, b in zip(part.strokes(k), unipen.strokes(int(i))))
        assert part.labels[k] == unipen.labels[i] and part.writers[k] == unipen.writers[i]


def test_split_of_a_small_file_holds_out_whole_sites_and_one_writer_in_five(tmp_path):
    from model.data.unipen import load_unipen

    loop = [np.array([[0, 0], [3, 0], [3, 4], [0, 4], [0, 0]])]
    writers = [f"w{i:02d}" for i in range(10)] + ["a", "b"] + ["v"]
    sites = ["big"] * 10 + ["aga"] * 2 + ["val"]
    path = write_pen_digits(tmp_path / "u.npz", [loop] * 13, [0] * 13, writers, sites)
    train, held = load_unipen(path).split()
    assert sorted(held.writers) == ["aga/a", "aga/b", "big/w02", "big/w07"]
    assert "val/v" in set(train.writers)  # a site with few writers trains


def test_digits_whose_strokes_are_missing_from_the_file_are_left_out_of_training_and_the_check(tmp_path, unipen):
    from model.data.unipen import load_unipen

    slash = [np.array([[0, 40], [10, 20], [21, 1]])]  # a bare slash: what is left of a slashed 0 without its ring
    stem = [np.array([[5, 0], [5, 20], [6, 40]])]  # the stem of a 4 without its other stroke
    bar = [np.array([[0, 20], [20, 22], [40, 19]])]  # the base of a 2 without its curve, labelled 1
    ring = [np.array([[10, 0], [0, 20], [10, 40], [20, 20], [10, 0]])]
    four = [np.array([[8, 0], [0, 25], [20, 25]]), np.array([[14, 10], [14, 40]])]
    digits, labels = [slash, stem, stem, bar, ring, four, [np.array([[3, 3]])]], [0, 4, 1, 1, 0, 4, 6]
    path = write_pen_digits(tmp_path / "u.npz", digits, labels, ["w"] * 7, ["val"] * 7)
    whole = load_unipen(path)
    assert whole.incomplete().tolist() == [True, True, False, True, False, False, True]  # an upright stem is a 1
    train, held = whole.split()
    assert train.labels.tolist() == [1, 0, 4] and len(held) == 0
    assert len(whole.split(clean=False)[0]) == 7
    # In the real file: 46 of ibm's 0s and 4s (a bare slash, stem or bar), a dot of val's, and 16 of ibm's 1s lying flat.
    missing = unipen.incomplete()
    assert missing.sum() == 63 and (unipen.sites[missing] == "ibm").sum() == 62
    assert set(unipen.labels[missing].tolist()) <= {0, 1, 4, 6} and (missing & (unipen.labels == 1)).sum() == 16


def test_digits_that_are_not_what_the_file_names_are_left_out_only_from_that_file(tmp_path, unipen):
    from model.data.unipen import MISLABELLED, load_unipen

    wrong = unipen.mislabelled()
    assert np.flatnonzero(wrong).tolist() == sorted(MISLABELLED)  # every one found where the list says
    assert unipen.labels[4265] == 8 and unipen.writers[4265] == "ced/AYML3525"  # the "%" sign
    _, held = unipen.split(clean=False)
    assert held.mislabelled().sum() == 4 and sorted(set(held.sites[held.mislabelled()])) == ["aga", "ced"]
    train, checked = unipen.split()
    assert not checked.mislabelled().any() and len(train) + len(checked) == len(unipen) - unipen.left_out().sum()
    # Another file with a digit at one of those places names none: place, writer and label must all match.
    loop = [np.array([[0, 0], [3, 0], [3, 4], [0, 4], [0, 0]])]
    count = max(MISLABELLED) + 1
    path = write_pen_digits(tmp_path / "u.npz", [loop] * count, [8] * count, ["AYML3525"] * count, ["ced"] * count)
    other = load_unipen(path)
    assert other.writers[4265] == "ced/AYML3525" and other.labels[4265] == 8
    assert np.flatnonzero(other.mislabelled()).tolist() == [4265]  # where place, writer and label match
    assert not load_unipen(write_pen_digits(tmp_path / "v.npz", [loop] * 100, [1] * 100, ["w"] * 100,
                                            ["val"] * 100)).mislabelled().any()


def test_unusable_files_are_refused_with_a_message(tmp_path):
    from model.data.unipen import load_unipen
    from model.data.usps import load_usps

    with pytest.raises(DataError, match="does not exist"):
        load_unipen(tmp_path / "none.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(DataError, match="not a UNIPEN digits file"):
        load_unipen(tmp_path / "other.npz")
    with pytest.raises(DataError, match="not a USPS digits file"):
        load_usps(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="could not be read"):
        load_usps(tmp_path / "junk.npz")


def test_usps_digits_reach_the_model_as_centred_28x28_digits():
    from model.data.usps import load_usps, usps_inputs

    path = DATA / "usps.npz"
    if not path.exists():
        pytest.skip(f"no USPS digits at {path}")
    (x_train, y_train), (x_test, y_test) = load_usps(path)
    assert x_train.shape == (7291, 16, 16) and x_test.shape == (2007, 16, 16) and set(y_test) == set(range(10))
    fed = usps_inputs(x_train[:20], seed=3)
    assert fed.shape == (20, 28, 28) and fed.dtype == np.uint8
    assert np.array_equal(fed, usps_inputs(x_train[:20], seed=3))
    for digit in fed:  # ink inside MNIST's 20x20 box, centred by mass as MNIST's are
        rows, cols = np.flatnonzero(digit.max(axis=1) > 30), np.flatnonzero(digit.max(axis=0) > 30)
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) <= 21
        centre = _mass_centre(digit)
        assert np.all(np.abs(centre - 13.5) < 2.0)


def _mass_centre(digit: np.ndarray) -> np.ndarray:
    weights = digit.astype(float)
    grid = np.indices(digit.shape)
    return np.array([(grid[0] * weights).sum(), (grid[1] * weights).sum()]) / weights.sum()


def test_the_canvas_drawing_paints_a_round_brush_of_the_given_width():
    from model.data.pen_canvas import draw_on_canvas

    image = draw_on_canvas([np.array([[60.0, 100.0], [200.0, 100.0]])], brush=20)
    column = image[:, 130] / 255
    assert 19 <= column.sum() <= 21 and image[100, 130] == 255 and image[100 + 12, 130] == 0
    row = image[100] / 255  # round caps reach half a brush beyond each end
    assert 159 <= row.sum() <= 161 and image[100, 52] > 200 and image[100, 48] == 0
    dot = draw_on_canvas([np.array([[140.0, 140.0]])], brush=10)
    assert 70 <= (dot / 255).sum() <= 87  # a click leaves a dot: pi * 5^2


def test_tablet_sampling_keeps_each_strokes_ends_and_the_checks_drawing_is_fixed_by_its_seed():
    from model.data.pen_canvas import pen_digit_inputs, tablet_sampled

    stroke = np.stack([np.linspace(0, 100, 61), 40 * np.sin(np.linspace(0, 3, 61))], axis=1)
    bar = np.array([[0.0, 120.0], [100.0, 120.0]])
    kinds = set()
    for seed in range(40):
        sampled = tablet_sampled([stroke, bar], np.random.default_rng(seed))
        kinds.add(len(sampled))
        assert np.allclose(sampled[0][0], stroke[0]) and np.allclose(sampled[-1][-1], bar[-1])
        assert sum(len(s) for s in sampled) <= 63
    assert kinds == {1, 2}  # sometimes the pen lift is joined, as pendigits keeps a digit
    digits = [[stroke], [stroke, bar]]
    fed = pen_digit_inputs(digits, copies=2, seed=4)
    assert fed.shape == (4, 28, 28) and np.array_equal(fed, pen_digit_inputs(digits, copies=2, seed=4))
    assert not np.array_equal(fed[0], fed[2])  # each copy its own sampling, size, place and brush
    assert np.array_equal(pen_digit_inputs(digits, 1, 4, augment=False), pen_digit_inputs(digits, 1, 4, augment=False))


def test_a_dot_and_a_flat_stroke_are_drawn_whatever_the_sampling():
    from model.data.pen_canvas import canvas_page

    dot = [np.array([[7.0, 7.0], [7.0, 7.0]])]
    flat = [np.array([[0.0, 3.0], [500.0, 3.0]])]  # no height at all (a tablet's units: hundreds)
    for seed in range(30):
        for strokes in (dot, flat):
            assert canvas_page(strokes, np.random.default_rng(seed)).max() == 255
