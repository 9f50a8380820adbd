"""What a model takes and gives, in one place: input size and channels, value range, preprocessing kind,
output kind and class names. Built from a Keras model, what Digit Lens stored in its file, a labels file
and the user's choices; everything else (preprocessing, the Inspector, the window, the CLI) reads it."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model.nets.labels import check_count, labels_beside, read_labels

DIGIT_SHAPE = (28, 28, 1)  # MNIST's: models of this shape get digit preprocessing by default
PREPROCESSING = {
    "digit": "digit (ink found, strokes evened, cropped and centred as MNIST's were)",
    "photo": "photo (plain bilinear resize, no crop)",
}
VALUE_RANGES = {"0..1": (1.0, 0.0), "0..255": (255.0, 0.0), "-1..1": (2.0, -1.0)}  # name: (scale, offset) from 0..1
OUTPUTS = ("softmax", "logits", "sigmoid", "logit")  # the last two: one unit (sigmoid applied, or a raw logit)
THRESHOLD = 0.5


class UnusableModelError(Exception):
    """The model cannot be inspected as an image classifier; the message says why."""


@dataclass(frozen=True)
class ModelSpec:
    """A model's input (height, width, channels, value range), preprocessing, output kind and class names."""

    height: int
    width: int
    channels: int
    class_names: tuple[str, ...]
    value_range: str = "0..1"
    preprocessing: str = "digit"
    output: str = "softmax"

    def __post_init__(self) -> None:
        if self.channels not in (1, 3):
            raise UnusableModelError(f"the model expects {self.channels} channels; Digit Lens can feed grey (1) or RGB (3).")
        if min(self.height, self.width) < 8:
            raise UnusableModelError(f"the model's input ({self.height}x{self.width}) is too small to show an image.")
        for value, allowed, what in ((self.value_range, VALUE_RANGES, "value range"),
                                     (self.preprocessing, PREPROCESSING, "preprocessing"), (self.output, OUTPUTS, "output")):
            if value not in allowed:
                raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.height, self.width, self.channels

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def binary(self) -> bool:
        """One output unit, shown as two classes."""
        return self.output in ("sigmoid", "logit")

    @property
    def colour(self) -> bool:
        return self.channels == 3

    @property
    def is_digit_model(self) -> bool:
        """A 28x28 grey model of the ten digits (MNIST's test digits can measure it)."""
        return self.input_shape == DIGIT_SHAPE and self.class_names == tuple(str(i) for i in range(10))

    def with_preprocessing(self, kind: str) -> "ModelSpec":
        return replace(self, preprocessing=kind)

    def to_model_values(self, image: np.ndarray) -> np.ndarray:
        """Pixels in 0..1 to the range the model takes."""
        scale, offset = VALUE_RANGES[self.value_range]
        return np.asarray(image, dtype=np.float32) * scale + offset

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """The model's raw output as one probability per class (two for a single sigmoid unit)."""
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if self.binary:
            p = float(scores[0]) if self.output == "sigmoid" else float(1.0 / (1.0 + np.exp(-scores[0])))
            return np.array([1.0 - p, p])
        if self.output == "softmax" and scores.min() >= 0 and abs(scores.sum() - 1.0) < 1e-3:
            return scores
        shifted = np.exp(scores - scores.max())
        return shifted / shifted.sum()

    def predicted_classes(self, outputs: np.ndarray) -> np.ndarray:
        """The class index of each row of a batch of raw outputs (the threshold for one sigmoid unit)."""
        outputs = np.asarray(outputs)
        if not self.binary:
            return outputs.argmax(axis=1)
        return (outputs[:, 0] >= (THRESHOLD if self.output == "sigmoid" else 0.0)).astype(np.int64)

    def describe_input(self) -> str:
        """One line on the input stage: what image the model receives and in what range."""
        size = f"{self.height}x{self.width} {'colour' if self.colour else 'grey'} image"
        if self.preprocessing == "digit":
            how = "the digit found, cropped, scaled and centred as MNIST's digits were"
            ink = "0 (paper) to 1 (ink)"
        else:
            how = f"the picture resized to {self.height}x{self.width} (bilinear, no crop)"
            ink = "0 (dark) to 1 (bright)"
        values = {"0..1": f"one value per pixel{' and channel' if self.colour else ''} from {ink}",
                  "0..255": "values 0..255 (the model rescales them itself)",
                  "-1..1": "values from -1 to 1, as MobileNet-style models expect"}[self.value_range]
        return f"The {size} the model receives: {how}; {values}."

    def describe_output(self) -> str:
        """How the scores become the prediction (the threshold, for one sigmoid unit)."""
        if self.binary:
            return (f"One {'sigmoid' if self.output == 'sigmoid' else 'logit (sigmoid applied)'} unit: the probability "
                    f"of '{self.class_names[1]}'; '{self.class_names[0]}' gets the rest. "
                    f"Threshold {THRESHOLD:g}: '{self.class_names[1]}' when it is at least {THRESHOLD:g}.")
        return ""

    def to_info(self) -> dict:
        """What `from_model` reads back from a model file's stored info."""
        return {"class_names": list(self.class_names), "value_range": self.value_range,
                "preprocessing": self.preprocessing, "output": self.output}


@dataclass(frozen=True)
class Outline:
    """What the spec reads of a model: its name, input and output shapes (no batch axis), and its first and last
    layers as (Keras class name, configuration). From a keras.Model (`outline_of`) or a file's configuration."""

    name: str
    inputs: tuple[tuple, ...]
    output_shape: tuple
    first: tuple[str, dict]
    last: tuple[str, dict]


def outline_of(model) -> Outline:
    """The outline of a loaded keras.Model."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"] or [None]
    return Outline(model.name, tuple(tuple(tensor.shape[1:]) for tensor in model.inputs), tuple(model.outputs[0].shape[1:]),
                   _described(layers[0]), _described(layers[-1]))


def spec_for(model, info: dict | None = None, model_path: str | os.PathLike | None = None,
             labels: str | os.PathLike | None = None, preprocessing: str | None = None) -> ModelSpec:
    """The spec of a Keras image classifier (a keras.Model or its `Outline`). Class names: `labels` (a file the
    user named) when given, else the names stored in the file by Digit Lens, else a labels.txt beside `model_path`,
    else 0..N-1. Preprocessing: `preprocessing` when given, else what was stored, else digit for 28x28x1 models and
    photo for others."""
    outline = model if isinstance(model, Outline) else outline_of(model)
    info = info or {}
    height, width, channels = _input_shape(outline.inputs)
    units, output = _output_kind(outline)
    output = info.get("output", output) if info.get("output") in OUTPUTS else output
    classes = 2 if output in ("sigmoid", "logit") else units
    names = _class_names(classes, info, model_path, labels)
    if preprocessing is None:
        stored = info.get("preprocessing")
        preprocessing = stored if stored in PREPROCESSING else "digit" if (height, width, channels) == DIGIT_SHAPE else "photo"
    stored_range = info.get("value_range")
    value_range = stored_range if stored_range in VALUE_RANGES else _value_range(outline)
    return ModelSpec(height, width, channels, tuple(names), value_range, preprocessing, output)


def layer_config(layer) -> dict:
    """A Keras layer's configuration ({} for a layer that cannot give one)."""
    try:
        return layer.get_config()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return {}


def _described(layer) -> tuple[str, dict]:
    return ("", {}) if layer is None else (type(layer).__name__, layer_config(layer))


def _input_shape(inputs: tuple[tuple, ...]) -> tuple[int, int, int]:
    if len(inputs) != 1:
        raise UnusableModelError(f"the model has {len(inputs)} inputs; Digit Lens needs exactly one image input.")
    shape = tuple(inputs[0])
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or any(s is None for s in shape):
        raise UnusableModelError(f"the model expects input of shape {shape}; Digit Lens feeds "
                                 "single images of a fixed (height, width, channels) size.")
    return int(shape[0]), int(shape[1]), int(shape[2])


def _output_kind(outline: Outline) -> tuple[int, str]:
    """The number of output units and how to read them."""
    shape = outline.output_shape
    if len(shape) != 1 or not shape[0]:
        raise UnusableModelError(f"the model outputs shape {shape}; Digit Lens needs one vector of class scores "
                                 "(or a single sigmoid unit).")
    units = int(shape[0])
    kind, config = outline.last
    activation = "softmax" if kind == "Softmax" else config.get("activation", "linear")
    if units == 1:
        return 1, "sigmoid" if activation == "sigmoid" else "logit"
    return units, "softmax" if activation == "softmax" else "logits"


def _class_names(classes: int, info: dict, model_path, labels) -> list[str]:
    if labels is not None:
        return check_count(read_labels(labels), classes, f"--labels {Path(labels).name}")
    stored = info.get("class_names")
    if isinstance(stored, list) and len(stored) == classes and all(isinstance(n, str) for n in stored):
        return stored
    beside = labels_beside(model_path)
    if beside is not None:
        return check_count(read_labels(beside), classes, f"{beside.name} beside the model")
    return [str(i) for i in range(classes)]


def _value_range(outline: Outline) -> str:
    """0..255 when the model rescales pixels itself (a leading Rescaling of about 1/255 or 1/127.5), -1..1 for
    Keras' MobileNet models (they take what `mobilenet.preprocess_input` gives), else 0..1."""
    kind, config = outline.first
    if kind == "Rescaling" and np.all(np.asarray(config.get("scale", 1.0), dtype=np.float64) <= 1 / 100):
        return "0..255"
    if outline.name.lower().startswith("mobilenet"):
        return "-1..1"
    return "0..1"
