"""Random distortions of MNIST batches, so models learn digits as people draw them.

Everything runs as TensorFlow ops on whole batches inside the tf.data pipeline: one
random affine warp per image (rotation, scale, shear, shift), an elastic distortion
(Simard et al. 2003: a random displacement field smoothed by a Gaussian) for a share of
them, and a random change of stroke thickness (grey dilation or erosion blended in by a
random amount).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentSettings:
    """Ranges of the random distortions (angles in degrees, shifts in pixels)."""

    rotation: float = 12.0
    scale: tuple[float, float] = (0.85, 1.12)
    shear: float = 0.25
    shift: float = 2.5
    thickness_probability: float = 0.6
    elastic_alpha: float = 34.0  # displacement scale, pixels (Simard's value at 28x28)
    elastic_sigma: float = 4.0  # smoothing of the displacement field, pixels
    elastic_probability: float = 0.5


def augment_batch(images: tf.Tensor, settings: AugmentSettings = AugmentSettings()) -> tf.Tensor:
    """Distort a float batch (N, 28, 28, 1) in 0..1; returns the same shape."""
    warped = random_affine(images, settings)
    warped = elastic_distortion(warped, settings.elastic_alpha, settings.elastic_sigma, settings.elastic_probability)
    return change_thickness(warped, settings.thickness_probability)


def _gaussian_kernel(sigma: float) -> tf.Tensor:
    radius = max(1, int(round(3.0 * sigma)))
    x = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-0.5 * (x / sigma) ** 2)
    return kernel / tf.reduce_sum(kernel)


def elastic_distortion(images: tf.Tensor, alpha: float = 34.0, sigma: float = 4.0, probability: float = 1.0,
                       seed: tf.Tensor | None = None) -> tf.Tensor:
    """Simard's elastic distortion of a float batch (N, H, W, C) for a random `probability` share of it.

    Each pixel moves by a random field: uniform noise in -1..1, smoothed by a Gaussian of
    `sigma` pixels and scaled by `alpha`; the image is resampled bilinearly (zero outside).
    `seed` (a shape-[2] int tensor) makes the draw repeatable.
    """
    shape = tf.shape(images)
    n, h, w = shape[0], shape[1], shape[2]
    seeds = tf.random.split(seed, 2) if seed is not None else None
    if seeds is None:
        noise = tf.random.uniform([n, h, w, 2], -1.0, 1.0)
        chosen = tf.cast(tf.random.uniform([n, 1, 1, 1]) < probability, tf.float32)
    else:
        noise = tf.random.stateless_uniform([n, h, w, 2], seeds[0], -1.0, 1.0)
        chosen = tf.cast(tf.random.stateless_uniform([n, 1, 1, 1], seeds[1]) < probability, tf.float32)
    kernel = _gaussian_kernel(sigma)
    size = tf.shape(kernel)[0]
    channels = tf.ones([1, 1, 2, 1])
    rows = tf.reshape(kernel, [size, 1, 1, 1]) * channels
    cols = tf.reshape(kernel, [1, size, 1, 1]) * channels
    field = tf.nn.depthwise_conv2d(noise, rows, [1, 1, 1, 1], "SAME")
    field = tf.nn.depthwise_conv2d(field, cols, [1, 1, 1, 1], "SAME") * alpha * chosen
    grid_y, grid_x = tf.meshgrid(tf.range(h, dtype=tf.float32), tf.range(w, dtype=tf.float32), indexing="ij")
    return _bilinear(images, grid_y + field[..., 0], grid_x + field[..., 1])


def _bilinear(images: tf.Tensor, y: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
    """images (N, H, W, C) sampled at float positions y, x (N, H, W); zero outside the image."""
    shape = tf.shape(images)
    n, h, w, c = shape[0], shape[1], shape[2], shape[3]
    flat = tf.reshape(images, [n, h * w, c])
    y0, x0 = tf.floor(y), tf.floor(x)
    out = tf.zeros_like(images)
    for dy, dx in ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)):
        yy, xx = y0 + dy, x0 + dx
        weight = (1.0 - tf.abs(y - yy)) * (1.0 - tf.abs(x - xx))
        inside = (yy >= 0) & (yy <= tf.cast(h - 1, tf.float32)) & (xx >= 0) & (xx <= tf.cast(w - 1, tf.float32))
        index = tf.cast(tf.clip_by_value(yy, 0.0, tf.cast(h - 1, tf.float32)), tf.int32) * w \
            + tf.cast(tf.clip_by_value(xx, 0.0, tf.cast(w - 1, tf.float32)), tf.int32)
        picked = tf.reshape(tf.gather(flat, tf.reshape(index, [n, h * w]), batch_dims=1), [n, h, w, c])
        out += picked * (weight * tf.cast(inside, tf.float32))[..., tf.newaxis]
    return out


def random_affine(images: tf.Tensor, settings: AugmentSettings) -> tf.Tensor:
    n = tf.shape(images)[0]
    size = tf.cast(tf.shape(images)[1], tf.float32)
    angle = tf.random.uniform([n], -1.0, 1.0) * settings.rotation * math.pi / 180.0
    scale = tf.random.uniform([n], *settings.scale)
    shear = tf.random.uniform([n], -settings.shear, settings.shear)
    shift = tf.random.uniform([n, 2], -settings.shift, settings.shift)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Forward map A = R(angle) @ Shear @ S(scale); the transform op wants output -> input, so invert.
    a00, a01 = scale * cos, scale * (cos * shear - sin)
    a10, a11 = scale * sin, scale * (sin * shear + cos)
    det = a00 * a11 - a01 * a10
    i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
    centre = (size - 1.0) / 2.0
    cx, cy = centre + shift[:, 0], centre + shift[:, 1]
    # input = inv @ (output - (centre + shift)) + centre
    tx = centre - (i00 * cx + i01 * cy)
    ty = centre - (i10 * cx + i11 * cy)
    zeros = tf.zeros_like(angle)
    transforms = tf.stack([i00, i01, tx, i10, i11, ty, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def change_thickness(images: tf.Tensor, probability: float) -> tf.Tensor:
    """Thicken or thin strokes of a random share of the batch by up to about one pixel."""
    n = tf.shape(images)[0]
    thick = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thin = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    amount = tf.random.uniform([n, 1, 1, 1], 0.0, 1.0)
    which = tf.random.uniform([n, 1, 1, 1])
    target = tf.where(which < 0.5, thick, thin)
    chosen = tf.cast(tf.random.uniform([n, 1, 1, 1]) < probability, tf.float32)
    mixed = images + chosen * amount * (target - images)
    # Thinning can fade a stroke; bring the strongest ink back to full.
    peak = tf.reduce_max(mixed, axis=[1, 2, 3], keepdims=True)
    return tf.clip_by_value(mixed / tf.maximum(peak, 1e-3), 0.0, 1.0)
