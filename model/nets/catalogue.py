"""The architectures' names and summaries, without importing Keras (the window starts faster)."""

from __future__ import annotations

SHIPPED_ARCHITECTURE = "cnn_lens"

ARCHITECTURE_SUMMARIES = {
    "mlp": "Multilayer perceptron: every pixel wired to 128 units, no notion of neighbourhood.",
    "cnn_small": "One convolution block: 32 learned 3x3 filters, then a 128-unit dense layer.",
    "cnn_deep": "Two convolution blocks (32 then 64 filters): shapes built out of strokes.",
    "cnn_lens": "The shipped model: three convolutions with batch norm, trained on augmented digits.",
    "colour_cnn": "The classic first colour classifier: two convolution blocks on 64x64 colour images.",
    "cats_dogs": "The classic cats-vs-dogs model: two 64-filter blocks on 50x50 grey photos, one sigmoid unit.",
}
USUAL_SHAPES = {"colour_cnn": (64, 64, 3), "cats_dogs": (50, 50, 1)}  # the tutorials' inputs; the others: MNIST's
