"""Every layer's output for one image of a Keras model: in numpy when it gives the same, else one compiled call."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model.inspect.numpy_forward import NumpyForward, Unsupported
from model.inspect.stages import (Inspection, LayerOutput, Stage, StagedModel, describe_layer, input_patch,  # noqa: F401 (re-exported)
                                  numpy_run, run_stages)
from model.spec import ModelSpec, UnusableModelError, layer_config, spec_for  # noqa: F401 (UnusableModelError re-exported)


class Inspector(StagedModel):
    """Wraps a Keras image classifier so one call returns all its stages for one image: in numpy when the model is
    a chain of layers `NumpyForward` runs and gives TensorFlow's outputs, else from one compiled TensorFlow call.
    The numpy pass copies the weights: `use_numpy=False` for a model whose weights still change (training, replay)."""

    def __init__(self, model: keras.Model, spec: ModelSpec | None = None, use_numpy: bool = True) -> None:
        self.model = model
        spec = spec if spec is not None else spec_for(model)  # checks the input and output shapes
        fed_shape = tuple(int(s) for s in model.inputs[0].shape[1:])  # as the model takes it
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if not layers:
            raise UnusableModelError("the model has no layers to inspect.")
        try:
            outputs = [layer.output for layer in layers]
        except (AttributeError, ValueError) as exc:
            raise UnusableModelError(f"the model's layers are not connected to its input ({exc}).") from None
        multi = keras.Model(model.inputs, [model.outputs[0], *outputs])
        signature = [tf.TensorSpec((1, *fed_shape), tf.float32)]
        # A graph called as a concrete function, skipping tf.function's argument binding. Not XLA: for
        # one small image it is no faster per call here, and compiling it cost a second at start-up.
        compiled = tf.function(lambda x: multi([x], training=False), input_signature=signature).get_concrete_function()
        probe = compiled(tf.zeros((1, *fed_shape)))[0].numpy()  # warm it up now, not on the first stroke
        if not np.all(np.isfinite(probe)):
            raise UnusableModelError("its outputs are not finite numbers (NaN or infinity): its weights are broken, "
                                     "as after a training run that diverged.")
        run = lambda batch: [out.numpy() for out in compiled(tf.constant(batch))]  # noqa: E731
        self.numpy_forward = matching_numpy_forward(model, run, fed_shape) if use_numpy else None
        super().__init__(model.name, spec, [_stage(layer) for layer in layers], fed_shape,
                         run if self.numpy_forward is None else numpy_run(self.numpy_forward), int(model.count_params()))

    def kernel(self, layer_name: str) -> np.ndarray:
        """A convolution's weights, (kernel_h, kernel_w, in_channels, filters)."""
        return np.asarray(self.model.get_layer(layer_name).get_weights()[0])


def matching_numpy_forward(model: keras.Model, run, fed_shape: tuple[int, ...], tries: int = 2) -> NumpyForward | None:
    """The model run in numpy, if it can be and gives what TensorFlow gives (every stage, on random inputs)."""
    try:
        forward = NumpyForward.from_keras(model)
    except Unsupported:
        return None
    rng = np.random.default_rng(0)
    for _ in range(tries):
        batch = rng.uniform(0, 1, (1, *fed_shape)).astype(np.float32)
        expected = run(batch)[1:]
        got = forward.forward(batch[0])
        if len(got) != len(expected) or not all(
                out.shape == want.shape[1:] and np.allclose(out, want[0], rtol=1e-3, atol=1e-4 * (1 + np.abs(want).max()))
                for out, want in zip(got, expected)):
            return None
    return forward


def _stage(layer: keras.layers.Layer) -> Stage:
    kind = type(layer).__name__
    return Stage(layer.name, kind, _shape(layer.input), _shape(layer.output), describe_layer(kind, layer_config(layer)),
                 int(layer.count_params()))


def _shape(tensor) -> tuple[int, ...]:
    if isinstance(tensor, (list, tuple)):
        tensor = tensor[0]
    return tuple(int(s) for s in tensor.shape[1:])
