"""Photo preprocessing: a plain resize to the model's size, exactly as `keras.utils.image_dataset_from_directory`
does it (bilinear, no anti-aliasing, no crop), in colour or grey."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from PIL import Image

from model.inspect.preprocess import Preprocessed, Step

NOTHING_SHOWN = "Nothing to show yet: open, drop or paste a picture (or draw)."


def as_pixels(image: np.ndarray | Image.Image, channels: int) -> np.ndarray:
    """`image` as float32 (H, W, channels) 0..255: alpha dropped (as TensorFlow's decoders do), grey converted
    to RGB by repetition and RGB to grey with `tf.image.rgb_to_grayscale`'s weights."""
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
        raise ValueError(f"expected a grey, RGB or RGBA image, got an array of shape {array.shape}")
    values = array.astype(np.float32)
    if array.dtype != np.uint8 and values.max() <= 1.0:
        values *= 255.0
    if values.ndim == 2:
        values = values[..., np.newaxis]
    values = values[..., :3]
    if channels == 3 and values.shape[2] == 1:
        return np.repeat(values, 3, axis=2)
    if channels == 1 and values.shape[2] == 3:
        return tf.image.rgb_to_grayscale(values).numpy()
    return values


def prepare_photo(image: np.ndarray | Image.Image, input_shape: tuple[int, int, int]) -> Preprocessed:
    """The picture resized to `input_shape` (values 0..1); blank (no input) when every pixel is the same."""
    height, width, channels = input_shape
    pixels = as_pixels(image, channels)
    steps = [Step("picture", pixels / 255.0)]
    if np.ptp(pixels) == 0:
        return Preprocessed(None, steps, NOTHING_SHOWN)
    resized = tf.image.resize(pixels, (height, width), method="bilinear", antialias=False).numpy()
    model_input = np.clip(resized / 255.0, 0.0, 1.0).astype(np.float32)
    steps.append(Step(f"resized to {height}x{width}", model_input))
    return Preprocessed(model_input, steps)
