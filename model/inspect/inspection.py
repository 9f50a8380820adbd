"""Every layer's output for one image, from one compiled call."""

from __future__ import annotations

from dataclasses import dataclass, replace

import keras
import numpy as np
import tensorflow as tf

from model.nets.architectures import describe_layer
from model.inspect.photo import prepare_photo
from model.inspect.preprocess import Preprocessed, preprocess
from model.spec import ModelSpec, UnusableModelError, spec_for  # noqa: F401 (UnusableModelError re-exported)


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


class Inspector:
    """Wraps a Keras image classifier so one call returns all its stages for one image."""

    def __init__(self, model: keras.Model, spec: ModelSpec | None = None) -> None:
        self.model = model
        self.spec = spec if spec is not None else spec_for(model)  # checks the input and output shapes
        self._fed_shape = tuple(int(s) for s in model.inputs[0].shape[1:])  # as the model takes it
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if not layers:
            raise UnusableModelError("the model has no layers to inspect.")
        try:
            outputs = [layer.output for layer in layers]
        except (AttributeError, ValueError) as exc:
            raise UnusableModelError(f"the model's layers are not connected to its input ({exc}).") from None
        self.stages = [self._input_stage()] + [_stage(layer) for layer in layers]
        if self.spec.binary:  # say how one unit becomes two classes
            last = self.stages[-1]
            self.stages[-1] = replace(last, description=f"{last.description} {self.spec.describe_output()}")
        multi = keras.Model(model.inputs, [model.outputs[0], *outputs])
        signature = [tf.TensorSpec((1, *self._fed_shape), tf.float32)]
        # A graph called as a concrete function, skipping tf.function's argument binding. Not XLA: for
        # one small image it is no faster per call here, and compiling it cost a second at start-up.
        self._run = tf.function(lambda x: multi([x], training=False),
                                input_signature=signature).get_concrete_function()
        probe = self._run(tf.zeros((1, *self._fed_shape)))[0].numpy()  # warm it up now, not on the first stroke
        if not np.all(np.isfinite(probe)):
            raise UnusableModelError("its outputs are not finite numbers (NaN or infinity): its weights are broken, "
                                     "as after a training run that diverged.")

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(height, width, channels)."""
        return self.spec.input_shape

    @property
    def num_classes(self) -> int:
        return self.spec.num_classes

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def parameter_count(self) -> int:
        return int(self.model.count_params())

    def preprocess(self, image) -> Preprocessed:
        """The spec's preprocessing (digit or photo) to this model's input shape."""
        if self.spec.preprocessing == "photo":
            return prepare_photo(image, self.input_shape)
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
        return np.asarray(self.model.get_layer(layer_name).get_weights()[0])

    def _input_stage(self) -> Stage:
        return Stage("input", "InputLayer", self.input_shape, self.input_shape, self.spec.describe_input(), 0)


def run_stages(run, spec, stages: list[Stage], fed_shape: tuple[int, ...], model_input: np.ndarray) -> Inspection:
    """Run a compiled all-stage function (`run`: the model's output, then each stage's) on one 0..1 image."""
    image = spec.to_model_values(np.asarray(model_input, dtype=np.float32).reshape(spec.input_shape))
    final, *outputs = run(tf.constant(image.reshape((1, *fed_shape))))
    layers = [LayerOutput(stages[0], image)]
    layers += [LayerOutput(stage, out.numpy()[0]) for stage, out in zip(stages[1:], outputs)]
    return Inspection(layers, spec.probabilities(final.numpy()[0]), spec.class_names)


def input_patch(model_input: np.ndarray, row: int, col: int, size: int) -> np.ndarray:
    """The size x size window of the input that a stride-1 'valid' convolution saw for output (row, col):
    (size, size) for a grey input, (size, size, 3) for a colour one."""
    patch = np.asarray(model_input)[row:row + size, col:col + size]
    return patch[..., 0] if patch.shape[2] == 1 else patch


def _stage(layer: keras.layers.Layer) -> Stage:
    return Stage(layer.name, type(layer).__name__, _shape(layer.input), _shape(layer.output),
                 describe_layer(layer), int(layer.count_params()))


def _shape(tensor) -> tuple[int, ...]:
    if isinstance(tensor, (list, tuple)):
        tensor = tensor[0]
    return tuple(int(s) for s in tensor.shape[1:])


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)
