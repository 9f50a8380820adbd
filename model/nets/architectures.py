"""The architectures people learn with, each with readable layer names and descriptions."""

from __future__ import annotations

from typing import Callable

import keras
from keras import layers

from model.nets.catalogue import ARCHITECTURE_SUMMARIES, SHIPPED_ARCHITECTURE, USUAL_SHAPES  # noqa: F401 (re-exported)
from model.spec import DIGIT_SHAPE

NUM_CLASSES = 10


def _classifier_head(x, classes: int, dropout: float = 0.0, units: int = 128, relu: bool = True):
    """Dense `units` (ReLU) -> Dense: softmax over `classes`, or one sigmoid unit for two classes."""
    x = layers.Dense(units, name="dense")(x)
    if relu:
        x = layers.ReLU(name="dense_relu")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    if classes == 2:
        return layers.Dense(1, activation="sigmoid", name="output")(x)
    return layers.Dense(classes, activation="softmax", name="output")(x)


def _conv_block(x, filters: int, index: int, pool: bool = True, batch_norm: bool = False):
    x = layers.Conv2D(filters, 3, use_bias=not batch_norm, name=f"conv{index}")(x)
    if batch_norm:
        x = layers.BatchNormalization(momentum=0.9, name=f"norm{index}")(x)
    x = layers.ReLU(name=f"relu{index}")(x)
    if pool:
        x = layers.MaxPooling2D(2, name=f"pool{index}")(x)
    return x


def build_mlp(input_shape: tuple[int, int, int], classes: int) -> keras.Model:
    """Flatten (784) -> Dense 128 ReLU -> Dense 10 softmax."""
    inputs = keras.Input(input_shape, name="image")
    x = layers.Flatten(name="flatten")(inputs)
    return keras.Model(inputs, _classifier_head(x, classes), name="mlp")


def build_cnn_small(input_shape: tuple[int, int, int], classes: int) -> keras.Model:
    """One block: Conv 32 3x3 -> ReLU -> MaxPool -> Flatten (5408) -> Dense 128 ReLU -> Dense 10."""
    inputs = keras.Input(input_shape, name="image")
    x = _conv_block(inputs, 32, 1)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, _classifier_head(x, classes), name="cnn_small")


def build_cnn_deep(input_shape: tuple[int, int, int], classes: int, name: str = "cnn_deep") -> keras.Model:
    """Two Conv/ReLU/MaxPool blocks (32 then 64 filters) -> Flatten (1600) -> Dense 128 -> Dense 10."""
    inputs = keras.Input(input_shape, name="image")
    x = _conv_block(inputs, 32, 1)
    x = _conv_block(x, 64, 2)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, _classifier_head(x, classes), name=name)


def build_colour_cnn(input_shape: tuple[int, int, int], classes: int) -> keras.Model:
    """The classic first colour classifier: 64x64x3 -> Conv 32 3x3 -> MaxPool -> Conv 64 3x3 -> MaxPool ->
    Flatten (12544) -> Dense 128 ReLU -> Dense 10 softmax (the same blocks as cnn_deep, at 64x64 in colour)."""
    return build_cnn_deep(input_shape, classes, name="colour_cnn")


def build_cats_dogs(input_shape: tuple[int, int, int], classes: int) -> keras.Model:
    """The classic cats-vs-dogs tutorial model: 50x50 grey -> Conv 64 3x3 -> ReLU -> MaxPool -> Conv 64 3x3 ->
    ReLU -> MaxPool -> Flatten (7744) -> Dense 64 -> Dense 1 sigmoid."""
    inputs = keras.Input(input_shape, name="image")
    x = _conv_block(inputs, 64, 1)
    x = _conv_block(x, 64, 2)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, _classifier_head(x, classes, units=64, relu=False), name="cats_dogs")


def build_cnn_lens(input_shape: tuple[int, int, int], classes: int) -> keras.Model:
    """The shipped model: three convolutions with batch normalisation, then dropout.

    28x28x1 -> 26x26x32 -> 13x13x32 -> 11x11x64 -> 9x9x64 -> 4x4x64 -> 1024 -> 128 -> 10.
    """
    inputs = keras.Input(input_shape, name="image")
    x = _conv_block(inputs, 32, 1, batch_norm=True)
    x = _conv_block(x, 64, 2, pool=False, batch_norm=True)
    x = _conv_block(x, 64, 3, batch_norm=True)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, _classifier_head(x, classes, dropout=0.4), name="cnn_lens")


ARCHITECTURES: dict[str, Callable[[tuple[int, int, int], int], keras.Model]] = {
    "mlp": build_mlp,
    "cnn_small": build_cnn_small,
    "cnn_deep": build_cnn_deep,
    "cnn_lens": build_cnn_lens,
    "colour_cnn": build_colour_cnn,
    "cats_dogs": build_cats_dogs,
}
DEFAULT_CLASSES = {"cats_dogs": 2}


def build(name: str, input_shape: tuple[int, int, int] | None = None, classes: int | None = None) -> keras.Model:
    """A fresh, untrained model of the named architecture, at its usual input shape and class count unless
    given (two classes give one sigmoid unit, more a softmax)."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](tuple(input_shape or USUAL_SHAPES.get(name, DIGIT_SHAPE)),
                               classes or DEFAULT_CLASSES.get(name, NUM_CLASSES))


def build_for(name: str, data) -> keras.Model:
    """A fresh model of the named architecture for `data`'s training images: one class per name and the
    pictures' size and channels for a folder or stock set (`data.class_names`; a folder's `image_shape`, read
    from no picture), ten classes at DIGIT_SHAPE for MNIST."""
    names = getattr(data, "class_names", None)
    if not names:
        return build(name, DIGIT_SHAPE, NUM_CLASSES)
    return build(name, getattr(data, "image_shape", None) or data.x_train.shape[1:], len(names))
