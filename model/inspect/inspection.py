"""Every layer's output for one image, from one compiled call."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from model.nets.architectures import describe_layer
from model.inspect.preprocess import InputShapeError, Preprocessed, preprocess


class UnusableModelError(Exception):
    """The model cannot be inspected as an image classifier; the message says why."""


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

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        return float(np.max(self.probabilities))


class Inspector:
    """Wraps a Keras image classifier so one call returns all its stages for one image."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.input_shape = _image_input_shape(model)  # (height, width, channels)
        self._fed_shape = tuple(int(s) for s in model.inputs[0].shape[1:])  # as the model takes it
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if not layers:
            raise UnusableModelError("the model has no layers to inspect.")
        try:
            outputs = [layer.output for layer in layers]
        except (AttributeError, ValueError) as exc:
            raise UnusableModelError(f"the model's layers are not connected to its input ({exc}).") from None
        output_shape = tuple(model.outputs[0].shape[1:])
        if len(output_shape) != 1 or not output_shape[0] or output_shape[0] < 2:
            raise UnusableModelError(f"the model outputs shape {output_shape}; Digit Lens needs one vector of class scores.")
        self.num_classes = int(output_shape[0])
        self.input_scale = expected_input_scale(model)
        self.stages = [self._input_stage()] + [_stage(layer) for layer in layers]
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
    def name(self) -> str:
        return self.model.name

    @property
    def parameter_count(self) -> int:
        return int(self.model.count_params())

    def preprocess(self, image) -> Preprocessed:
        """MNIST-style preprocessing to this model's input shape."""
        return preprocess(image, self.input_shape)

    def inspect(self, model_input: np.ndarray) -> Inspection:
        """All stages for one preprocessed image of shape `input_shape` (values 0..1, scaled to what the model takes)."""
        image = np.asarray(model_input, dtype=np.float32).reshape(self.input_shape) * self.input_scale
        final, *outputs = self._run(tf.constant(image.reshape((1, *self._fed_shape))))
        layer_outputs = [LayerOutput(self.stages[0], image)]
        layer_outputs += [LayerOutput(stage, out.numpy()[0]) for stage, out in zip(self.stages[1:], outputs)]
        return Inspection(layer_outputs, as_probabilities(final.numpy()[0]))

    def classify(self, image) -> tuple[Preprocessed, Inspection | None]:
        """Preprocess then inspect; the inspection is None when nothing is drawn."""
        prepared = self.preprocess(image)
        return prepared, None if prepared.blank else self.inspect(prepared.model_input)

    def kernel(self, layer_name: str) -> np.ndarray:
        """A convolution's weights, (kernel_h, kernel_w, in_channels, filters)."""
        return np.asarray(self.model.get_layer(layer_name).get_weights()[0])

    def _input_stage(self) -> Stage:
        return Stage("input", "InputLayer", self.input_shape, self.input_shape,
                     describe_layer(keras.layers.InputLayer(shape=self.input_shape)), 0)


def expected_input_scale(model: keras.Model) -> float:
    """255 when the model rescales 0..255 pixels itself (it starts with a Rescaling of about 1/255), else 1."""
    first = next((layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)), None)
    if isinstance(first, keras.layers.Rescaling) and np.all(np.asarray(first.scale, dtype=np.float64) <= 1 / 100):
        return 255.0
    return 1.0


def as_probabilities(scores: np.ndarray) -> np.ndarray:
    """Softmax of raw scores, unless they already are probabilities."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.min() >= 0 and abs(scores.sum() - 1.0) < 1e-3:
        return scores
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


def input_patch(model_input: np.ndarray, row: int, col: int, size: int) -> np.ndarray:
    """The size x size window of the input that a stride-1 'valid' convolution saw for output (row, col)."""
    return np.asarray(model_input)[row:row + size, col:col + size, 0]


def _image_input_shape(model: keras.Model) -> tuple[int, int, int]:
    if len(model.inputs) != 1:
        raise UnusableModelError(f"the model has {len(model.inputs)} inputs; Digit Lens needs exactly one image input.")
    shape = tuple(model.inputs[0].shape[1:])
    try:
        preprocess(np.zeros((8, 8), np.float32), shape)  # validates the shape only: a blank image
    except InputShapeError as exc:
        raise UnusableModelError(str(exc)) from None
    return shape if len(shape) == 3 else (*shape, 1)


def _stage(layer: keras.layers.Layer) -> Stage:
    return Stage(layer.name, type(layer).__name__, _shape(layer.input), _shape(layer.output),
                 describe_layer(layer), int(layer.count_params()))


def _shape(tensor) -> tuple[int, ...]:
    if isinstance(tensor, (list, tuple)):
        tensor = tensor[0]
    return tuple(int(s) for s in tensor.shape[1:])


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)
