"""The kernel playground's maths against scipy.ndimage.correlate and tf.nn.conv2d, and its shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from model.inspect.kernels import (PRESET_NAMES, Convolution, KernelError, forward, kernel_from_text, max_pool, parse_rows,
                           preset, to_grey)


def photo(width: int = 97, height: int = 83) -> Image.Image:
    """A small colour picture with edges, a gradient and a disc (odd sizes on purpose)."""
    gradient = np.linspace(0, 255, width, dtype=np.float32)[None, :, None] * np.ones((height, 1, 3), np.float32)
    image = Image.fromarray((gradient * [1.0, 0.6, 0.3]).astype(np.uint8))
    pen = ImageDraw.Draw(image)
    pen.ellipse((10, 12, 50, 60), fill=(240, 230, 40))
    pen.rectangle((55, 20, 90, 70), fill=(20, 40, 200))
    return image


@pytest.fixture(scope="module")
def grey() -> np.ndarray:
    return to_grey(photo(), 37)


@pytest.fixture(scope="module")
def tf():
    import tensorflow

    return tensorflow


@pytest.mark.parametrize("side", [3, 5])
@pytest.mark.parametrize("name", PRESET_NAMES)
def test_convolution_matches_tensorflow_for_every_preset_stride_and_padding(grey, tf, name, side):
    kernel = preset(name, side)
    for stride in (1, 2, 3):
        for padding in ("same", "valid"):
            ours = Convolution(kernel[None], stride, padding).apply(grey)
            theirs = tf.nn.conv2d(grey[None], kernel[:, :, None, None], strides=stride, padding=padding.upper())
            assert ours.shape == tuple(theirs.shape[1:]), (stride, padding)
            np.testing.assert_allclose(ours, theirs.numpy()[0], atol=1e-5, err_msg=f"{stride} {padding}")


@pytest.mark.parametrize("side", [3, 5])
@pytest.mark.parametrize("name", PRESET_NAMES)
def test_same_stride_one_equals_scipy_correlate_with_zeros_outside(grey, name, side):
    kernel = preset(name, side)
    ours = Convolution(kernel[None]).apply(grey)[:, :, 0]
    expected = ndimage.correlate(grey[:, :, 0].astype(np.float64), kernel.astype(np.float64), mode="constant", cval=0.0)
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_uneven_kernels_and_several_kernels_stack_as_channels(grey, tf):
    kernels = np.stack([preset("sobel_x"), preset("sobel_y")])
    for stride in (1, 2, 3):
        for padding in ("same", "valid"):
            ours = Convolution(kernels, stride, padding).apply(grey)
            theirs = tf.nn.conv2d(grey[None], np.moveaxis(kernels, 0, -1)[:, :, None, :], stride, padding.upper())
            np.testing.assert_allclose(ours, theirs.numpy()[0], atol=1e-5)
    wide = parse_rows("1,2;3,-4;0,5")  # 3x2, an even width
    for padding in ("same", "valid"):
        ours = Convolution(wide[None], 2, padding).apply(grey)
        theirs = tf.nn.conv2d(grey[None], wide[:, :, None, None], 2, padding.upper())
        np.testing.assert_allclose(ours, theirs.numpy()[0], atol=1e-5)


def test_colour_applies_each_kernel_to_each_channel_like_a_depthwise_convolution(tf):
    rgb = to_grey(photo(), 40, colour=True)
    kernels = np.stack([preset("laplacian_4"), preset("emboss")])
    ours = Convolution(kernels, 2, "same").apply(rgb)
    depthwise = np.stack([np.moveaxis(kernels, 0, -1)] * 3, axis=2)  # (3, 3, 3 channels, 2 per channel)
    theirs = tf.nn.depthwise_conv2d(rgb[None], depthwise, [1, 2, 2, 1], "SAME")
    assert ours.shape == (20, 20, 6)
    np.testing.assert_allclose(ours, theirs.numpy()[0], atol=1e-5)


def test_max_pool_matches_tensorflow_and_drops_an_odd_edge(tf):
    values = np.random.default_rng(1).normal(size=(15, 12, 2)).astype(np.float32)
    pooled = max_pool(values)
    assert pooled.shape == (7, 6, 2)
    np.testing.assert_array_equal(pooled, tf.nn.max_pool2d(values[None], 2, 2, "VALID").numpy()[0])


def test_a_300_pixel_photo_has_the_tutorials_shapes():
    stages = forward(to_grey(photo(640, 480)), Convolution(preset("laplacian_4")[None]))
    assert stages.shapes() == [(1, 300, 300, 1), (1, 300, 300, 1), (1, 300, 300, 1), (1, 150, 150, 1), (1, 22500), (1, 64)]
    assert stages.shape_chain() == "(1, 300, 300, 1) -> (1, 300, 300, 1) -> (1, 150, 150, 1) -> (1, 22500) -> (1, 64)"
    assert stages.input.min() >= 0 and stages.input.max() <= 1 and stages.relu.min() == 0
    assert stages.conv.min() < 0  # the Laplacian has negative responses for ReLU to remove
    again = forward(stages.input, Convolution(preset("laplacian_4")[None]))
    np.testing.assert_array_equal(again.dense, stages.dense)  # seeded: the same untrained layer every time
    assert forward(stages.input, Convolution(preset("laplacian_4")[None]), seed=7).dense.tolist() != stages.dense.tolist()


def test_stride_and_padding_change_the_shapes():
    image = to_grey(photo(), 300)
    shapes = {(s, p): forward(image, Convolution(preset("sobel_x", 5)[None], s, p)).shapes()
              for s in (1, 2, 3) for p in ("same", "valid")}
    assert shapes[2, "same"][1:5] == [(1, 150, 150, 1), (1, 150, 150, 1), (1, 75, 75, 1), (1, 5625)]
    assert shapes[3, "same"][1] == (1, 100, 100, 1) and shapes[3, "valid"][1] == (1, 99, 99, 1)
    assert shapes[1, "valid"][1] == (1, 296, 296, 1) and shapes[1, "valid"][3] == (1, 148, 148, 1)


def test_the_patch_products_sum_to_the_output_pixel(grey):
    for stride, padding in [(1, "same"), (3, "same"), (2, "valid")]:
        conv = Convolution(np.stack([preset("sobel_x", 5), preset("sharpen", 5)]), stride, padding)
        out = conv.apply(grey)
        for row, column, channel in [(0, 0, 0), (5, 7, 1), (out.shape[0] - 1, out.shape[1] - 1, 1)]:
            explained = conv.explain(grey, row, column, channel)
            np.testing.assert_array_equal(explained.products, explained.patch * explained.kernel)
            assert explained.total == pytest.approx(out[row, column, channel], abs=1e-5)
            top, left = explained.corner
            inside = grey[max(top, 0):top + 5, max(left, 0):left + 5, channel // 2]
            assert np.isin(inside, explained.patch).all() and explained.patch.shape == (5, 5)


def test_grey_conversion_resizes_and_scales():
    image = photo(640, 480)
    grey = to_grey(image, 120)
    assert grey.shape == (120, 120, 1) and grey.dtype == np.float32
    expected = np.asarray(image.convert("L").resize((120, 120), Image.Resampling.BILINEAR), np.float32) / 255
    np.testing.assert_allclose(grey[:, :, 0], expected)
    transparent = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    assert to_grey(transparent, 10).min() == 1.0  # laid on white paper
    assert to_grey(np.full((28, 28), 255, np.uint8), 56).shape == (56, 56, 1)


@pytest.mark.parametrize("text, message", [
    ("0,1,0;1,-4;0,1,0", "row 2 has 2 values, row 1 has 3"),
    ("0,1,0;1,x,1;0,1,0", "row 2: 'x' is not a number"),
    ("1,2;;3,4", "row 2 of the kernel is empty"),
    ("", "the kernel is empty"),
    ("nonsense", "unknown kernel 'nonsense'"),
])
def test_malformed_kernels_name_the_problem(text, message):
    with pytest.raises(KernelError, match=message.replace("(", r"\(")):
        kernel_from_text(text)


def test_kernels_by_name_or_rows():
    np.testing.assert_array_equal(kernel_from_text("Laplacian-4"), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(kernel_from_text(" 0, 1, 0; 1 -4 1 ;0,1,0"), preset("laplacian_4"))
    assert kernel_from_text("2").shape == (1, 1)
