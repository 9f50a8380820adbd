"""The stages of a network and what one image makes of them: plain data, no TensorFlow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from model.spec import ModelSpec

if TYPE_CHECKING:
    from model.inspect.preprocess import Preprocessed


@dataclass(frozen=True)
class Stage:
    """One row of the data-flow table."""

    name: str
    kind: str  # the Keras layer class, e.g. "Conv2D"
    input_shape: tuple[int, ...]  # without the batch axis
    output_shape: tuple[int, ...]
    description: str
    parameters: int

    @property
    def shape_text(self) -> str:
        return f"{_shape_text(self.input_shape)} -> {_shape_text(self.output_shape)}"


@dataclass(frozen=True)
class LayerOutput:
    stage: Stage
    values: np.ndarray  # the layer's output for one image, without the batch axis


@dataclass(frozen=True)
class Inspection:
    """What the model made of one image: every layer's output and the class probabilities."""

    layers: list[LayerOutput]
    probabilities: np.ndarray  # (classes,), sums to 1
    class_names: tuple[str, ...] = ()

    @property
    def digit(self) -> int:
        """The index of the top class."""
        return int(np.argmax(self.probabilities))

    @property
    def label(self) -> str:
        """The top class's name."""
        return self.class_names[self.digit] if self.class_names else str(self.digit)

    @property
    def confidence(self) -> float:
        return float(np.max(self.probabilities))


def run_stages(run: Callable[[np.ndarray], list[np.ndarray]], spec: ModelSpec, stages: list[Stage],
               fed_shape: tuple[int, ...], model_input: np.ndarray) -> Inspection:
    """Run an all-stage function (`run`: a batch of one image to the model's output, then each stage's, each with
    its batch axis) on one 0..1 image."""
    image = spec.to_model_values(np.asarray(model_input, dtype=np.float32).reshape(spec.input_shape))
    final, *outputs = run(image.reshape((1, *fed_shape)))
    layers = [LayerOutput(stages[0], image)]
    layers += [LayerOutput(stage, out[0]) for stage, out in zip(stages[1:], outputs)]
    return Inspection(layers, spec.probabilities(final[0]), spec.class_names)


def input_patch(model_input: np.ndarray, row: int, col: int, size: int) -> np.ndarray:
    """The size x size window of the input that a stride-1 'valid' convolution saw for output (row, col):
    (size, size) for a grey input, (size, size, 3) for a colour one."""
    patch = np.asarray(model_input)[row:row + size, col:col + size]
    return patch[..., 0] if patch.shape[2] == 1 else patch


def describe_layer(kind: str, config: dict) -> str:
    """One line, in our own words, on what a layer (its Keras class name and configuration) does to the data."""
    if kind == "Conv2D":
        kh, kw = config.get("kernel_size", ("?", "?"))
        return (f"Slides {config.get('filters', 'its')} learned {kh}x{kw} filters over the image; each map lights up "
                "where its pattern (an edge, a curve, a stroke end) appears.")
    if kind == "BatchNormalization":
        return "Rescales each channel to a steady range learned in training, so later layers see consistent values."
    activation = config.get("activation", "linear")
    activation = activation if isinstance(activation, str) else "a function"
    if kind == "ReLU" or (kind == "Activation" and activation == "relu"):
        return "Keeps positive responses and sets negatives to zero: only evidence that a pattern is present passes."
    if kind == "Activation":
        return f"Applies {activation} to every value."
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        size = "x".join(str(s) for s in config.get("pool_size", (2, 2)))
        how = "strongest" if kind.startswith("Max") else "average"
        return f"Keeps the {how} response in each {size} window: half the resolution, small shifts forgiven."
    if kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return "Collapses each feature map to one number: how much of that pattern the whole image holds."
    if kind == "Flatten":
        return "Lays every value of every map out in one long vector, so dense layers can weigh them all."
    if kind == "Dropout":
        return "Switches random units off while training so no single one is relied on; does nothing when predicting."
    if kind == "Dense":
        units = config.get("units", "its")
        if activation == "softmax":
            return f"Weighs all the evidence into {units} scores and turns them into probabilities that sum to 1."
        if units == 1:
            return "One unit: a weighted sum of every input" + (", squashed by a sigmoid into 0..1." if activation == "sigmoid" else ".")
        if activation == "relu":
            return f"{units} units, each a weighted sum of every input, negatives set to zero."
        return f"{units} units, each a weighted sum of every input."
    if kind == "Softmax":
        return "Turns the scores into probabilities that sum to 1."
    if kind in ("Rescaling", "Normalization"):
        return "Shifts and scales the pixel values into the range the model was trained on."
    if kind == "Reshape":
        return f"Rearranges the values into shape {tuple(config.get('target_shape', ()))} without changing them."
    return f"A {kind} layer."


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


class StagedModel:
    """What every view reads of a model: its spec and stages, its preprocessing, and every stage's output for
    one image (`inspect`). `Inspector` runs a keras.Model; `model.inspect.preview` a file's model before
    TensorFlow is imported (`preview`, and `model` is None)."""

    model = None  # the keras.Model, when there is one
    preview = False

    def __init__(self, name: str, spec: ModelSpec, layer_stages: list[Stage], fed_shape: tuple[int, ...],
                 run: Callable[[np.ndarray], list[np.ndarray]], parameter_count: int) -> None:
        self.spec, self._name, self._fed_shape, self._run = spec, name, fed_shape, run
        self._parameter_count = parameter_count
        self.stages = [self._input_stage(), *layer_stages]
        if spec.binary:  # say how one unit becomes two classes
            last = self.stages[-1]
            self.stages[-1] = replace(last, description=f"{last.description} {spec.describe_output()}")

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(height, width, channels)."""
        return self.spec.input_shape

    @property
    def num_classes(self) -> int:
        return self.spec.num_classes

    @property
    def name(self) -> str:
        return self._name

    @property
    def parameter_count(self) -> int:
        return self._parameter_count

    def preprocess(self, image) -> Preprocessed:
        """The spec's preprocessing (digit or photo) to this model's input shape."""
        if self.spec.preprocessing == "photo":
            from model.inspect.photo import prepare_photo  # TensorFlow's resize

            return prepare_photo(image, self.input_shape)
        from model.inspect.preprocess import preprocess  # scipy: imported with the first drawing

        return preprocess(image, self.input_shape)

    def inspect(self, model_input: np.ndarray) -> Inspection:
        """All stages for one preprocessed image of shape `input_shape` (values 0..1, brought to the model's range)."""
        return run_stages(self._run, self.spec, self.stages, self._fed_shape, model_input)

    def classify(self, image) -> tuple[Preprocessed, Inspection | None]:
        """Preprocess then inspect; the inspection is None when nothing is drawn."""
        prepared = self.preprocess(image)
        return prepared, None if prepared.blank else self.inspect(prepared.model_input)

    def set_preprocessing(self, kind: str) -> None:
        """Switch between digit and photo preprocessing ("digit" or "photo")."""
        self.spec = self.spec.with_preprocessing(kind)
        self.stages[0] = self._input_stage()

    def kernel(self, layer_name: str) -> np.ndarray:
        """A convolution's weights, (kernel_h, kernel_w, in_channels, filters)."""
        raise NotImplementedError

    def _input_stage(self) -> Stage:
        return Stage("input", "InputLayer", self.input_shape, self.input_shape, self.spec.describe_input(), 0)


def numpy_run(forward) -> Callable[[np.ndarray], list[np.ndarray]]:
    """A `run` for `run_stages` from a NumpyForward: the output, then every layer's, each with a batch axis."""
    def run(batch: np.ndarray) -> list[np.ndarray]:
        outputs = [out[None] for out in forward.forward(batch[0])]
        return [outputs[-1], *outputs]
    return run
