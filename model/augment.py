"""Random distortions of MNIST batches, so models learn digits as people draw them.

Everything runs as TensorFlow ops on whole batches inside the tf.data pipeline: one
random affine warp per image (rotation, scale, shear, shift) and a random change of
stroke thickness (grey dilation or erosion blended in by a random amount).
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


def augment_batch(images: tf.Tensor, settings: AugmentSettings = AugmentSettings()) -> tf.Tensor:
    """Distort a float batch (N, 28, 28, 1) in 0..1; returns the same shape."""
    return change_thickness(random_affine(images, settings), settings.thickness_probability)


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
