"""Which convolution made a feature map, and whether its pixels line up with input windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

# Layers whose channel c is computed from the same channel c of their input.
_CHANNEL_WISE = {"BatchNormalization", "ReLU", "LeakyReLU", "Activation", "MaxPooling2D",
                 "AveragePooling2D", "Dropout", "SpatialDropout2D"}
_SAME_PIXELS = _CHANNEL_WISE - {"MaxPooling2D", "AveragePooling2D"}


@dataclass(frozen=True)
class MapSource:
    """The convolution whose filter c made channel c of a stage's maps."""

    convolution: str  # its layer name
    sees_input: bool  # each map pixel (r, c) is that filter applied to input[r:r+k, c:c+k]


def map_source(stages: Sequence, index: int, kernel_size: Callable[[str], tuple[int, int]]) -> MapSource | None:
    """Where stage `index`'s maps come from; None when no convolution made them channel for channel.

    `stages` are an Inspector's stages (stages[0] the input); `kernel_size(name)` gives a
    convolution's (kh, kw), used to tell a stride-1 'valid' convolution on the input.
    """
    same_pixels = True
    for i in range(index, 0, -1):
        stage = stages[i]
        if stage.kind == "Conv2D":
            kh, kw = kernel_size(stage.name)
            valid_on_input = (i == 1 and stage.input_shape == stages[0].output_shape
                              and stage.output_shape[:2] == (stage.input_shape[0] - kh + 1, stage.input_shape[1] - kw + 1))
            return MapSource(stage.name, same_pixels and valid_on_input)
        if stage.kind not in _CHANNEL_WISE:
            return None
        same_pixels = same_pixels and stage.kind in _SAME_PIXELS
    return None
