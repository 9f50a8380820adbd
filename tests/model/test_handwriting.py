"""The handwriting-style training digits and the elastic distortion that trains on them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.drawn_digits import TEMPLATES
from model.data.handwriting import MIN_FLAG_RISE, STYLES, draw_page, flag_rise, style_digits, style_names, style_page
from model.data.handwriting import _slant as slant
from model.data.handwriting import _strokes as style_strokes
from model.inspect.preprocess import preprocess

ROOT = Path(__file__).resolve().parents[2]


def test_every_style_draws_a_digit_that_preprocesses_to_28x28():
    needed = {(1, "flag"), (1, "flag-foot"), (7, "crossed"), (4, "one-stroke"), (4, "closed"),
              (9, "hooked"), (9, "curved"), (9, "straight"), (2, "loop"), (2, "plain")}
    assert needed <= set(style_names())
    for label, style in style_names():
        for seed in range(3):
            rng = np.random.default_rng([seed, label])
            page = draw_page(style_strokes(label, style, rng), rng)
            assert page.dtype == np.uint8 and min(page.shape) >= 24
            fed = preprocess(page).model_input
            assert fed is not None, (label, style)
            assert fed.shape == (28, 28, 1) and fed.max() == pytest.approx(1.0)
            assert 30 < (fed > 0.5).sum() < 500, (label, style)  # a stroke, not a speck or a blot


def test_style_digits_are_seeded_labelled_and_differ_between_seeds():
    images, labels = style_digits(30, seed=5)
    again, _ = style_digits(30, seed=5)
    other, _ = style_digits(30, seed=6)
    assert images.shape == (30, 28, 28) and images.dtype == np.uint8
    assert list(labels) == [i % 10 for i in range(30)]
    assert np.array_equal(images, again)
    assert all(not np.array_equal(a, b) for a, b in zip(images, other))
    assert all(image.max() == 255 for image in images)
    assert np.array_equal(style_page(7, 5)[0], style_page(7, 5)[0])


def test_pages_come_in_both_polarities_and_many_sizes():
    pages = [style_page(i, 0)[0] for i in range(60)]
    dark_paper = [np.median(page) < 128 for page in pages]
    assert any(dark_paper) and not all(dark_paper)
    sides = [max(page.shape) for page in pages]
    assert min(sides) < 80 and max(sides) > 300


def _flag(strokes: list[np.ndarray]) -> tuple[float, float]:
    """A flagged 1's flag: length and angle from straight down (degrees), from its start to the stem's top."""
    start = strokes[0][0]
    top = np.array([0.5, 0.0])
    return float(np.linalg.norm(top - start)), float(np.degrees(np.arctan2(top[0] - start[0], start[1] - top[1])))


def _corner_angle(strokes: list[np.ndarray]) -> float:
    """A 7's angle (degrees) between its bar and its stem, where the stem leaves the bar."""
    line = strokes[0]
    corner = int(np.argmax(line[:, 0] > 0.7))  # the bar's right end: every head point is left of it
    bar = line[corner - 1] - line[corner]
    stem = line[corner + 2] - line[corner]
    cos = bar @ stem / np.linalg.norm(bar) / np.linalg.norm(stem)
    return float(np.degrees(np.arccos(cos)))


def test_a_long_nearly_level_stroke_at_the_top_is_drawn_only_as_a_sevens_bar():
    flags = [_flag(STYLES[1][style](np.random.default_rng([seed, 1])))
             for style in ("flag", "straight-flag", "flag-foot") for seed in range(300)]
    lengths, angles = np.array(flags).T
    assert lengths.max() > 0.65 and angles.max() > 65  # long flags, and nearly level short ones
    assert angles[lengths > 0.6].max() < 56  # a long flag stays steep
    corners = [_corner_angle(STYLES[7][style](np.random.default_rng([seed, 7])))
               for style in ("plain", "crossed") for seed in range(300)]
    assert min(corners) > 54 and max(corners) < 100  # never as sharp as a long flag


def test_no_slant_or_rotation_lays_a_flagged_1s_flag_as_flat_as_a_sevens_bar():
    rises = []
    for style in ("flag", "straight-flag", "flag-foot"):
        for seed in range(300):
            template = STYLES[1][style](np.random.default_rng([seed, 1]))
            flag = template[0][[0, np.argmin(template[0][:, 1])]]
            rises.append(flag_rise(flag @ slant(template, 1, style, np.random.default_rng([seed, 2])).T))
    assert min(rises) >= MIN_FLAG_RISE == 20
    assert np.percentile(rises, 10) < 30 and np.percentile(rises, 90) > 60  # still flags of every slope above that


def test_training_digits_do_not_come_from_the_evaluation_generator():
    code = "import sys, model.data.handwriting, model.train.training; print('benchmarks.drawn_digits' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
    assert set(STYLES) == set(TEMPLATES) == set(range(10))


def test_elastic_distortion_keeps_shape_and_dtype_moves_ink_and_is_seeded(mnist):
    import tensorflow as tf

    from model.train.augment import elastic_distortion

    batch = tf.constant(mnist.x_train[:64, ..., None].astype(np.float32) / 255.0)
    seed = tf.constant([3, 4])
    warped = elastic_distortion(batch, seed=seed)
    assert warped.shape == batch.shape and warped.dtype == batch.dtype
    assert float(tf.reduce_min(warped)) >= 0.0 and float(tf.reduce_max(warped)) <= 1.0 + 1e-6
    changed = tf.reduce_mean(tf.abs(warped - batch), axis=[1, 2, 3]).numpy()
    assert (changed > 0.01).all()  # every digit moved...
    assert float(tf.reduce_sum(warped)) == pytest.approx(float(tf.reduce_sum(batch)), rel=0.1)  # ink kept overall
    flat_warped, flat = warped.numpy().reshape(64, -1), batch.numpy().reshape(64, -1)
    assert np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(flat_warped, flat)]) > 0.5  # still the same digits
    assert np.array_equal(elastic_distortion(batch, seed=seed).numpy(), warped.numpy())
    assert not np.array_equal(elastic_distortion(batch, seed=tf.constant([5, 6])).numpy(), warped.numpy())
    assert np.allclose(elastic_distortion(batch, alpha=0.0, seed=seed).numpy(), batch.numpy(), atol=1e-6)
    untouched = elastic_distortion(batch, probability=0.0, seed=seed)
    assert np.allclose(untouched.numpy(), batch.numpy(), atol=1e-6)


def test_some_digits_are_sampled_sparsely_as_a_tablet_records_the_pen():
    longest = [max(float(np.linalg.norm(np.diff(s, axis=0), axis=1).max()) for s in
                   style_strokes(label, style, np.random.default_rng([seed, label])))
               for label, style in ((2, "plain"), (3, "round"), (0, "oval")) for seed in range(100)]
    sparse = np.mean(np.array(longest) > 0.05)
    assert 0.3 < sparse < 0.58  # about 44%: 30% sampled every 0.06-0.25 of the height, 14% as 7-12 points; the rest smooth


def test_sparse_pen_samples_keep_a_sharp_corner():
    from model.data.handwriting import pen_samples, _resample

    corner = _resample(np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 1.0]]))  # a 7's bar and stem, 0.02 apart
    sampled = pen_samples(corner, 0.35)
    assert len(sampled) < 8  # sparse
    assert np.min(np.linalg.norm(sampled - [0.5, 0.0], axis=1)) < 1e-9  # the corner itself is a sample


def test_some_digits_are_kept_as_a_few_points_along_the_path_with_the_pen_lifts_joined():
    made = [style_strokes(7, "crossed", np.random.default_rng([seed, 7])) for seed in range(300)]
    joined = [strokes[0] for strokes in made if len(strokes) == 1]  # the crossbar joined to the 7 by its pen lift
    assert 0.07 < len(joined) / len(made) < 0.25  # about 14%; the rest keep their two strokes
    assert all(7 <= len(path) <= 12 for path in joined)
    steps = [np.linalg.norm(np.diff(path, axis=0), axis=1) for path in joined]
    assert min(float(step.max()) for step in steps) > 0.1  # long straight segments, no smooth curve
