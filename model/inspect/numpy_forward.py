"""Every layer's output for one image in plain numpy, for the chain-shaped models the window draws on.

For one 28x28 image a TensorFlow call costs more in its own overheads than the arithmetic does, and
TensorFlow takes seconds to import. A model that is a plain chain of the usual layers (convolution,
batch normalisation, activations, pooling, flatten, dense, dropout, rescaling, reshape) is run here
instead, layer by layer, from its Keras configuration and weights: read from a loaded `keras.Model`
(the Inspector then checks it against TensorFlow's own outputs before using it) or straight from a
`.keras` file without importing TensorFlow (the window's first strokes while TensorFlow starts).
Anything else (branches, other layers or options) is `Unsupported`, and TensorFlow runs it.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from model.inspect.blas import use_one_blas_thread

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: np.exp(-np.logaddexp(0, -x)).astype(x.dtype),
    "tanh": np.tanh,
    "softmax": lambda x: _softmax(x),
}


class Unsupported(Exception):
    """The model is not a chain of layers this module can run; the message names what."""


@dataclass(frozen=True)
class Layer:
    """One layer as its Keras configuration describes it, with its weights in Keras' order."""

    kind: str  # the Keras class name, e.g. "Conv2D"
    name: str
    config: dict
    weights: tuple[np.ndarray, ...]


class NumpyForward:
    """A chain of layers run in numpy: `forward(image)` gives every layer's output for one image."""

    def __init__(self, name: str, input_shape: tuple[int, ...], layers: list[Layer]) -> None:
        use_one_blas_thread()  # before the first product, while no other thread is in one
        self.name, self.input_shape, self.layers = name, tuple(input_shape), layers
        self._steps = [_step(layer) for layer in layers]
        self._last: tuple[np.ndarray, list[np.ndarray]] | None = None  # the last image and its outputs

    @classmethod
    def from_keras(cls, model) -> NumpyForward:
        """From a loaded keras.Model (its configuration and current weights)."""
        try:
            config = {"class_name": type(model).__name__, "config": model.get_config()}
        except (NotImplementedError, TypeError, ValueError) as exc:
            raise Unsupported(f"no configuration ({exc})") from None
        chain = _chain(config)
        by_name = {layer.name: layer for layer in model.layers}
        layers = [Layer(entry["class_name"], entry["config"]["name"], entry["config"],
                        tuple(np.asarray(w, np.float32) for w in by_name[entry["config"]["name"]].get_weights()))
                  for entry in chain]
        return cls(model.name, tuple(int(s) for s in model.inputs[0].shape[1:]), layers)

    @classmethod
    def from_keras_file(cls, path: str | Path) -> NumpyForward:
        """From a Keras 3 `.keras` file (a zip of config.json and model.weights.h5), without TensorFlow."""
        import h5py

        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights_file = io.BytesIO(archive.read("model.weights.h5"))
        chain = _chain(config)
        input_shape = _input_shape(config)
        with h5py.File(weights_file, "r") as weights:
            stored = weights["layers"]
            layers = []
            for entry, key in zip(chain, _weight_keys(config, chain)):
                variables = stored[key]["vars"] if key in stored and "vars" in stored[key] else {}
                layers.append(Layer(entry["class_name"], entry["config"]["name"], entry["config"],
                                    tuple(np.asarray(variables[str(i)], np.float32) for i in range(len(variables)))))
        return cls(config["config"].get("name", "model"), input_shape, layers)

    def forward(self, image: np.ndarray) -> list[np.ndarray]:
        """Each layer's output (without a batch axis) for one image of `input_shape`, in the model's value range.
        The same image again (the stroke's attribution after its inspection) gets the same outputs back."""
        image = np.asarray(image, np.float32).reshape(self.input_shape)
        if self._last is not None and np.array_equal(self._last[0], image):
            return self._last[1]
        x, outputs = image, []
        for step in self._steps:
            x = step(x)
            outputs.append(x)
        self._last = (image.copy(), outputs)
        return outputs

    def output_shapes(self) -> list[tuple[int, ...]]:
        return [out.shape for out in self.forward(np.zeros(self.input_shape, np.float32))]


# ---- reading the chain from a configuration ---------------------------------------------------------

def _chain(config: dict) -> list[dict]:
    """The layer entries of a Sequential or Functional configuration, input layer left out, if they form a chain."""
    kind, body = config.get("class_name"), config.get("config", {})
    entries = body.get("layers", [])
    if kind == "Sequential":
        return [entry for entry in entries if entry["class_name"] != "InputLayer"]
    if kind not in ("Functional", "Model"):
        raise Unsupported(f"a {kind} model")
    previous = None
    chain = []
    for entry in entries:
        if entry["class_name"] == "InputLayer":
            if previous is not None:
                raise Unsupported("more than one input")
            previous = entry["config"]["name"]
            continue
        sources = _sources(entry)
        if sources != [previous]:
            raise Unsupported(f"layer {entry['config']['name']} is not fed by the layer before it")
        chain.append(entry)
        previous = entry["config"]["name"]
    outputs = body.get("output_layers") or []
    outputs = [outputs] if outputs and isinstance(outputs[0], str) else outputs  # one output: [name, 0, 0]
    if not chain or len(outputs) != 1 or _layer_name(outputs[0]) != previous:
        raise Unsupported("the output is not the last layer")
    return chain


def _sources(entry: dict) -> list[str]:
    nodes = entry.get("inbound_nodes") or []
    if len(nodes) != 1 or set(nodes[0].get("kwargs") or {}) - {"mask", "training"}:
        return []  # called more than once, or with arguments beyond its input (a mask and the training flag aside)
    args = nodes[0].get("args") or []
    return [arg["config"]["keras_history"][0] for arg in args if isinstance(arg, dict) and "config" in arg]


def _layer_name(reference) -> str | None:
    return reference[0] if isinstance(reference, list) and reference else None


def _input_shape(config: dict) -> tuple[int, ...]:
    entries = config["config"].get("layers", [])
    first = next((entry for entry in entries if entry["class_name"] == "InputLayer"), None)
    shape = (first["config"].get("batch_shape") if first else None) or config["config"].get("build_input_shape")
    if shape is None or any(s is None for s in shape[1:]):
        raise Unsupported("no fixed input shape")
    return tuple(int(s) for s in shape[1:])


def _weight_keys(config: dict, chain: list[dict]) -> list[str]:
    """Where Keras 3 keeps each chain layer's weights in model.weights.h5: the snake-case class name,
    numbered in layer order (conv2d, conv2d_1, ...), input layer included in the count."""
    seen: Counter[str] = Counter()
    keys = {}
    for entry in config["config"].get("layers", []):
        base = _snake_case(entry["class_name"])
        keys[entry["config"]["name"]] = base if not seen[base] else f"{base}_{seen[base]}"
        seen[base] += 1
    return [keys[entry["config"]["name"]] for entry in chain]


def _snake_case(name: str) -> str:
    """Keras' own `to_snake_case` (ReLU -> re_lu, MaxPooling2D -> max_pooling2d)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# ---- the layers -----------------------------------------------------------------------------------

def _step(layer: Layer) -> Callable[[np.ndarray], np.ndarray]:
    config, weights = layer.config, layer.weights
    if config.get("data_format", "channels_last") != "channels_last":
        raise Unsupported(f"{layer.name}: channels-first data")
    make = _MAKERS.get(layer.kind)
    if make is None:
        raise Unsupported(f"{layer.name}: a {layer.kind} layer")
    return make(layer, config, weights)


def _activation(layer: Layer, name) -> Callable[[np.ndarray], np.ndarray]:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise Unsupported(f"{layer.name}: the {name} activation")
    return ACTIVATIONS[name]


def _conv2d(layer: Layer, config: dict, weights) -> Callable:
    if tuple(config.get("dilation_rate", (1, 1))) != (1, 1) or config.get("groups", 1) != 1:
        raise Unsupported(f"{layer.name}: dilated or grouped convolution")
    kernel = weights[0]
    kh, kw, channels, filters = kernel.shape
    matrix = np.ascontiguousarray(kernel.reshape(kh * kw * channels, filters))
    bias = weights[1] if config.get("use_bias", True) else None
    strides, padding = tuple(config.get("strides", (1, 1))), config.get("padding", "valid")
    activation = _activation(layer, config.get("activation", "linear"))

    def run(x: np.ndarray) -> np.ndarray:
        x = _pad_same(x, (kh, kw), strides) if padding == "same" else x
        windows = sliding_window_view(x, (kh, kw), axis=(0, 1))[::strides[0], ::strides[1]]  # (oh, ow, c, kh, kw)
        windows = windows.transpose(0, 1, 3, 4, 2)  # the kernel's order: the copy below reads channels in runs
        rows, cols = windows.shape[:2]
        out = windows.reshape(rows * cols, -1) @ matrix
        if bias is not None:
            out += bias
        return activation(out.reshape(rows, cols, filters))
    return run


def _pool(layer: Layer, config: dict, weights, reduce) -> Callable:
    size = tuple(config.get("pool_size", (2, 2)))
    strides = tuple(config.get("strides") or size)
    if config.get("padding", "valid") != "valid":
        raise Unsupported(f"{layer.name}: 'same' pooling")

    def run(x: np.ndarray) -> np.ndarray:
        if strides == size and reduce is np.max:  # the usual case: the larger of each window's pixels, pairwise
            rows, cols = x.shape[0] // size[0], x.shape[1] // size[1]
            corners = [x[i:rows * size[0]:size[0], j:cols * size[1]:size[1]]
                       for i in range(size[0]) for j in range(size[1])]
            return functools.reduce(np.maximum, corners)  # three times as fast as np.max over two block axes
        if strides == size:  # crop to whole windows and reduce blocks
            rows, cols = x.shape[0] // size[0], x.shape[1] // size[1]
            blocks = x[:rows * size[0], :cols * size[1]].reshape(rows, size[0], cols, size[1], -1)
            return reduce(blocks, axis=(1, 3))
        windows = sliding_window_view(x, size, axis=(0, 1))[::strides[0], ::strides[1]]
        return reduce(windows, axis=(3, 4))
    return run


def _batch_norm(layer: Layer, config: dict, weights) -> Callable:
    if config.get("axis", -1) not in (-1, 3, [3], [-1]):
        raise Unsupported(f"{layer.name}: normalisation over another axis")
    weights = list(weights)
    gamma = weights.pop(0) if config.get("scale", True) else 1.0
    beta = weights.pop(0) if config.get("center", True) else 0.0
    mean, variance = weights
    factor = (gamma / np.sqrt(variance + config.get("epsilon", 1e-3))).astype(np.float32)
    shift = (beta - mean * factor).astype(np.float32)
    return lambda x: x * factor + shift


def _relu(layer: Layer, config: dict, weights) -> Callable:
    if config.get("negative_slope", 0.0) or config.get("threshold", 0.0):
        raise Unsupported(f"{layer.name}: a leaky or thresholded ReLU")
    top = config.get("max_value")
    return (lambda x: np.maximum(x, 0)) if top is None else (lambda x: np.clip(x, 0, top))


def _dense(layer: Layer, config: dict, weights) -> Callable:
    kernel = weights[0]
    bias = weights[1] if config.get("use_bias", True) else 0.0
    activation = _activation(layer, config.get("activation", "linear"))
    return lambda x: activation(x @ kernel + bias)


def _rescaling(layer: Layer, config: dict, weights) -> Callable:
    scale, offset = config.get("scale", 1.0), config.get("offset", 0.0)
    if isinstance(scale, dict) or isinstance(offset, dict):
        raise Unsupported(f"{layer.name}: a rescaling by a tensor")
    scale, offset = np.asarray(scale, np.float32), np.asarray(offset, np.float32)
    return lambda x: x * scale + offset


def _global_pool(layer: Layer, config: dict, weights, reduce) -> Callable:
    keep = config.get("keepdims", False)
    return lambda x: reduce(x, axis=(0, 1), keepdims=keep)


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _pad_same(x: np.ndarray, kernel: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Zero padding as TensorFlow's 'same' (the odd pixel at the bottom and right)."""
    pads = []
    for size, k, s in zip(x.shape[:2], kernel, strides):
        total = max((-(-size // s) - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, (*pads, (0, 0)))


_MAKERS: dict[str, Callable[[Layer, dict, tuple], Callable[[np.ndarray], np.ndarray]]] = {
    "Conv2D": _conv2d,
    "BatchNormalization": _batch_norm,
    "ReLU": _relu,
    "Activation": lambda layer, config, weights: _activation(layer, config.get("activation")),
    "Softmax": lambda layer, config, weights: _softmax,
    "MaxPooling2D": lambda layer, config, weights: _pool(layer, config, weights, np.max),
    "AveragePooling2D": lambda layer, config, weights: _pool(layer, config, weights, np.mean),
    "GlobalMaxPooling2D": lambda layer, config, weights: _global_pool(layer, config, weights, np.max),
    "GlobalAveragePooling2D": lambda layer, config, weights: _global_pool(layer, config, weights, np.mean),
    "Flatten": lambda layer, config, weights: lambda x: x.reshape(-1),
    "Reshape": lambda layer, config, weights: lambda x: x.reshape(config["target_shape"]),
    "Dropout": lambda layer, config, weights: lambda x: x,
    "Dense": _dense,
    "Rescaling": _rescaling,
}


# ---- the gradient of a class score, back to a layer's output (for Grad-CAM) -------------------------------

def score_gradient(forward: NumpyForward, outputs: list[np.ndarray], layer_index: int, class_index: int,
                   one_unit: bool) -> np.ndarray:
    """d(class logit) / d(output of layer `layer_index`), from the layers' `outputs` for one image. The logit is
    the last layer's pre-softmax (or pre-sigmoid) value; one unit's classes are -z and z. Unsupported when a layer
    after `layer_index` has no backward rule here."""
    layers = forward.layers
    last = layers[-1]
    activation = last.config.get("activation", "linear") if last.kind in ("Dense", "Activation") else "linear"
    logits_given_by_input = last.kind == "Softmax" or (last.kind == "Activation" and activation in ("softmax", "sigmoid"))
    grad = np.zeros(outputs[-1].shape, np.float32)
    grad[..., 0 if one_unit else class_index] = (2 * class_index - 1) if one_unit else 1.0
    top = len(layers) - 1
    if logits_given_by_input:  # the logits are the last layer's input
        top -= 1
    elif last.kind == "Dense" and activation in ("softmax", "sigmoid"):  # the logits are its pre-activation
        grad = grad @ last.weights[0].T
        top -= 1
    for index in range(top, layer_index, -1):
        before = outputs[index - 1] if index > 0 else None
        grad = _backward(layers[index], before, outputs[index], grad)
    return grad


def _backward(layer: Layer, inputs: np.ndarray | None, output: np.ndarray, grad: np.ndarray) -> np.ndarray:
    config, kind = layer.config, layer.kind
    if kind in ("Dropout", "Flatten", "Reshape"):
        return grad.reshape(inputs.shape)
    if kind == "ReLU":
        top = config.get("max_value")
        return grad * ((output > 0) & (True if top is None else output < top))
    if kind in ("Activation", "Dense"):
        activation = config.get("activation", "linear")
        if activation == "relu":
            grad = grad * (output > 0)
        elif activation != "linear":
            raise Unsupported(f"{layer.name}: no gradient for {activation} here")
        return grad if kind == "Activation" else grad @ layer.weights[0].T
    if kind == "BatchNormalization":
        weights = list(layer.weights)
        gamma = weights[0] if config.get("scale", True) else 1.0
        return grad * (gamma / np.sqrt(weights[-1] + config.get("epsilon", 1e-3)))
    if kind == "Rescaling":
        return grad * np.asarray(config.get("scale", 1.0), np.float32)
    if kind == "MaxPooling2D":
        return _max_pool_backward(layer, inputs, grad)
    if kind == "GlobalAveragePooling2D":
        return np.broadcast_to(grad.reshape(1, 1, -1) / (inputs.shape[0] * inputs.shape[1]), inputs.shape).copy()
    raise Unsupported(f"{layer.name}: no gradient for a {kind} layer here")


def _max_pool_backward(layer: Layer, inputs: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Each window's gradient to its first largest input (row by row), as TensorFlow routes it."""
    size = tuple(layer.config.get("pool_size", (2, 2)))
    if tuple(layer.config.get("strides") or size) != size:
        raise Unsupported(f"{layer.name}: overlapping pooling windows")
    rows, cols, channels = grad.shape
    blocks = inputs[:rows * size[0], :cols * size[1]].reshape(rows, size[0], cols, size[1], channels)
    windows = blocks.transpose(0, 2, 1, 3, 4).reshape(rows, cols, size[0] * size[1], channels)
    routed = np.zeros_like(windows)
    np.put_along_axis(routed, windows.argmax(axis=2)[:, :, None, :], grad[:, :, None, :], axis=2)
    out = np.zeros(inputs.shape, np.float32)
    out[:rows * size[0], :cols * size[1]] = (routed.reshape(rows, cols, size[0], size[1], channels)
                                             .transpose(0, 2, 1, 3, 4).reshape(rows * size[0], cols * size[1], channels))
    return out
