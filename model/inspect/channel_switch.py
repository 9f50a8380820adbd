"""Switching feature maps off: the model rebuilt once on its own layers, each feature-map output
multiplied by a per-channel keep mask, so a switched-off channel is zero for the rest of the network.

The masks are variables read by the compiled graph: switching a map off or on assigns a 0 or a 1,
and the next call uses it; nothing is rebuilt or traced again.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model.inspect.inspection import Inspection, Stage, run_stages
from model.spec import ModelSpec, spec_for


class ChannelSwitch:
    """`model` with every 4-D (height, width, channels) layer output behind a keep mask; `stages` (an
    Inspector's) label what `inspect` returns.

    The rebuilt graph shares the model's layers (and so its weights). `outputs[name]` is a layer's
    masked output in it and `inputs[name]` what the layer was called on, for graphs built on top
    (model/inspect/attribution.py).
    """

    def __init__(self, model: keras.Model, stages: list[Stage] | None = None, spec: ModelSpec | None = None) -> None:
        self.model = model
        self.stages = stages
        self.spec = spec if spec is not None else spec_for(model)  # input range, output kind, class names
        self._fed_shape = tuple(int(s) for s in model.inputs[0].shape[1:])
        self.input_shape = self._fed_shape if len(self._fed_shape) == 3 else (*self._fed_shape, 1)
        self.keep: dict[str, keras.Variable] = {}
        self.inputs: dict[str, object] = {}
        self.outputs: dict[str, object] = {}
        self._off: dict[str, set[int]] = {}
        if isinstance(model, keras.Sequential):  # clone_model's call_function takes functional models only
            image = keras.Input(tuple(model.inputs[0].shape[1:]))
            x = image
            for layer in model.layers:
                x = self._call(layer, x)
            self.graph = keras.Model(image, x)
        else:
            self.graph = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=self._call)
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        multi = keras.Model(self.graph.inputs, [self.graph.outputs[0], *[self.outputs[layer.name] for layer in layers]])
        signature = [tf.TensorSpec((1, *self._fed_shape), tf.float32)]
        compiled = tf.function(lambda x: multi([x], training=False), input_signature=signature).get_concrete_function()
        self._run = lambda batch: [out.numpy() for out in compiled(tf.constant(batch))]

    def _call(self, layer: keras.layers.Layer, *args, **kwargs):
        """Call `layer` as the original graph does, then mask its output if it is a stack of maps."""
        output = layer(*args, **kwargs)
        self.inputs[layer.name] = args[0] if args else None
        if isinstance(output, keras.KerasTensor) and len(output.shape) == 4 and output.shape[-1]:
            keep = keras.Variable(np.ones(output.shape[-1], np.float32), trainable=False, name=f"{layer.name}_keep")
            self.keep[layer.name] = keep
            output = keras.ops.multiply(output, keep)
        self.outputs[layer.name] = output
        return output

    def can_switch(self, layer_name: str) -> bool:
        """Whether the layer's output is feature maps that can be switched off."""
        return layer_name in self.keep

    def toggle(self, layer_name: str, channel: int) -> bool:
        """Switch one map off, or back on if it was off; returns whether it is off now."""
        self._check(layer_name)
        off = self._off.setdefault(layer_name, set())
        off.symmetric_difference_update({channel})
        self._assign(layer_name)
        return channel in off

    def switch_off(self, layer_name: str, channels) -> None:
        """Switch these maps of the layer off (the others keep their state)."""
        self._check(layer_name)
        self._off.setdefault(layer_name, set()).update(int(c) for c in channels)
        self._assign(layer_name)

    def restore_all(self) -> None:
        """Every map back on."""
        names = list(self._off)
        self._off.clear()
        for name in names:
            self._assign(name)

    def off(self, layer_name: str) -> frozenset[int]:
        """The channels of the layer that are switched off."""
        return frozenset(self._off.get(layer_name, ()))

    @property
    def off_count(self) -> int:
        return sum(len(channels) for channels in self._off.values())

    def inspect(self, model_input: np.ndarray) -> Inspection:
        """Like Inspector.inspect, with the switched-off maps zero (needs `stages`)."""
        return run_stages(self._run, self.spec, self.stages, self._fed_shape, model_input)

    def _check(self, layer_name: str) -> None:
        if layer_name not in self.keep:
            raise ValueError(f"{layer_name} has no feature maps to switch off.")

    def _assign(self, layer_name: str) -> None:
        keep = np.ones(self.keep[layer_name].shape, np.float32)
        keep[sorted(self._off.get(layer_name, ()))] = 0.0
        self.keep[layer_name].assign(keep)
