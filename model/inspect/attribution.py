"""Where the model looks: Grad-CAM on the last convolution and integrated gradients on the input pixels.

Both run as compiled TensorFlow (a `tf.GradientTape` inside a `tf.function` with an input
signature, traced once per model) on a ChannelSwitch's graph, so switched-off maps count. For a
model the Inspector runs in numpy, Grad-CAM runs in numpy too while no map is off: the gradient
back to the last convolution by hand (`numpy_forward.score_gradient`), checked against the
compiled one when the Attributor is built.
The class score is the pre-softmax (or pre-sigmoid) logit when the last layer makes it visible;
one sigmoid unit is read as two classes, 1 - p (logit -z) and p (logit z).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from model.inspect.channel_switch import ChannelSwitch
from model.inspect.numpy_forward import NumpyForward, Unsupported, score_gradient

GRAD_CAM = "grad_cam"
INTEGRATED_GRADIENTS = "integrated_gradients"
IG_STEPS = 16  # integrated gradients: points on the path from a blank input, one batch (8 missed the score change by
# up to 15% on MNIST test digits, 16 by at most 7%)
CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)
_SAME_GEOMETRY = ("BatchNormalization", "ReLU", "LeakyReLU", "Activation", "Dropout", "SpatialDropout2D",
                  "Rescaling", "Normalization", "GaussianNoise", "Identity")
NO_CONVOLUTION = "Grad-CAM is unavailable: it weighs a convolution's maps, and this model has no convolution."


@dataclass(frozen=True)
class Attribution:
    """How much each input pixel pushed one class's score up (> 0) or down (< 0)."""

    method: str
    class_index: int
    values: np.ndarray  # (height, width) over the model input; Grad-CAM is >= 0


class Attributor:
    """Grad-CAM (when the model has a convolution) and integrated gradients for one model."""

    def __init__(self, switch: ChannelSwitch, forward: NumpyForward | None = None) -> None:
        """`forward`: the model run in numpy (the Inspector's), for Grad-CAM without TensorFlow while no map is off."""
        model = switch.model
        self._switch = switch
        self.input_shape = switch.input_shape
        self.spec = switch.spec
        self._fed_shape = tuple(int(s) for s in model.inputs[0].shape[1:])
        logits, self._one_unit = _logits(switch)
        self.num_classes = 2 if self._one_unit else int(logits.shape[-1])
        convolution = next((layer for layer in reversed(model.layers) if isinstance(layer, CONVOLUTIONS)
                            and layer.name in switch.outputs and len(switch.outputs[layer.name].shape) == 4), None)
        self.convolution = None if convolution is None else convolution.name
        image_spec = tf.TensorSpec((1, *self._fed_shape), tf.float32)
        class_spec = tf.TensorSpec((), tf.int32)
        scores = keras.Model(switch.graph.inputs, logits)
        self._integrated = tf.function(lambda x, c: self._integrated_gradients(scores, x, c),
                                       input_signature=[image_spec, class_spec]).get_concrete_function()
        self._grad_cam = None
        if convolution is not None:
            taps = keras.Model(switch.graph.inputs, [switch.outputs[convolution.name], logits])
            rows, columns = _resampling(model, convolution, self.input_shape[:2])
            self._grad_cam = tf.function(lambda x, c: self._cam(taps, x, c, rows, columns),
                                         input_signature=[image_spec, class_spec]).get_concrete_function()
        self._numpy = None if self._grad_cam is None or forward is None else self._numpy_grad_cam(forward, rows, columns)

    @property
    def grad_cam_in_numpy(self) -> bool:
        """Whether Grad-CAM runs in numpy (while no map is off) rather than in TensorFlow."""
        return self._numpy is not None

    @property
    def methods(self) -> list[str]:
        return ([GRAD_CAM] if self._grad_cam is not None else []) + [INTEGRATED_GRADIENTS]

    def unavailable(self, method: str) -> str:
        """One sentence on why `method` cannot run on this model ("" when it can)."""
        return NO_CONVOLUTION if method == GRAD_CAM and self._grad_cam is None else ""

    def attribute(self, model_input: np.ndarray, class_index: int, method: str) -> Attribution:
        """`method`'s map for class `class_index` of one preprocessed image (values 0..1, `input_shape`)."""
        if method not in self.methods:
            raise ValueError(self.unavailable(method) or f"unknown attribution method {method!r}")
        if not 0 <= class_index < self.num_classes:
            raise ValueError(f"class {class_index} is not one of the model's {self.num_classes} classes")
        image = self.spec.to_model_values(np.asarray(model_input, np.float32)).reshape((1, *self._fed_shape))
        if method == GRAD_CAM and self._numpy is not None and not self._switch.off_count:
            return Attribution(method, class_index, self._numpy(image[0], class_index))
        run = self._grad_cam if method == GRAD_CAM else self._integrated
        return Attribution(method, class_index, run(tf.constant(image), tf.constant(class_index, tf.int32)).numpy())

    def _numpy_grad_cam(self, forward: NumpyForward, rows: tf.Tensor, columns: tf.Tensor):
        """Grad-CAM as `_cam` computes it, in numpy (the gradient back to the last convolution by hand): None when
        a layer after it has no backward rule in numpy, or the result differs from TensorFlow's on random inputs."""
        index = next(i for i, layer in enumerate(forward.layers) if layer.name == self.convolution)
        blank = forward.forward(np.zeros(forward.input_shape, np.float32))[index]
        rows, columns = rows.numpy(), columns.numpy()

        def cam(image: np.ndarray, class_index: int) -> np.ndarray:
            outputs = forward.forward(image)
            grad = score_gradient(forward, outputs, index, class_index, self._one_unit)
            weights = grad.mean(axis=(0, 1))
            return rows @ np.maximum(((outputs[index] - blank) * weights).sum(axis=-1), 0.0) @ columns.T

        rng = np.random.default_rng(0)
        try:
            for class_index in range(min(self.num_classes, 3)):
                image = rng.uniform(0, 1, (1, *self._fed_shape)).astype(np.float32)
                expected = self._grad_cam(tf.constant(image), tf.constant(class_index, tf.int32)).numpy()
                if not np.allclose(cam(image[0], class_index), expected, rtol=1e-3, atol=1e-5 * (1 + np.abs(expected).max())):
                    return None
        except Unsupported:
            return None
        return cam

    def _class_score(self, logits: tf.Tensor, class_index: tf.Tensor) -> tf.Tensor:
        """The chosen class's logit for each image of the batch."""
        if self._one_unit:
            return logits[:, 0] * tf.cast(2 * class_index - 1, tf.float32)  # class 1: z, class 0: -z
        return tf.gather(logits, class_index, axis=1)

    def _integrated_gradients(self, scores: keras.Model, image: tf.Tensor, class_index: tf.Tensor) -> tf.Tensor:
        """(image - blank) x the mean gradient at IG_STEPS points from blank to the image, summed over channels."""
        alphas = (tf.range(IG_STEPS, dtype=tf.float32) + 0.5) / IG_STEPS
        path = alphas[:, None] * tf.reshape(image, (1, -1))
        path = tf.reshape(path, (IG_STEPS, *self._fed_shape))
        with tf.GradientTape() as tape:
            tape.watch(path)
            total = tf.reduce_sum(self._class_score(scores(path, training=False), class_index))
        gradients = tf.reduce_mean(tape.gradient(total, path), axis=0)
        return tf.reduce_sum(tf.reshape(image[0] * gradients, self.input_shape), axis=-1)

    def _cam(self, taps: keras.Model, image: tf.Tensor, class_index: tf.Tensor, rows: tf.Tensor,
             columns: tf.Tensor) -> tf.Tensor:
        """Grad-CAM against a blank input: what the drawing changed in the last convolution's maps, weighted by
        each map's mean gradient, ReLU, resampled to the input. (A map's response to blank paper is left out:
        batch normalisation makes it large everywhere, and it would light up the empty page.)"""
        with tf.GradientTape() as tape:
            maps, logits = taps(tf.concat([image, tf.zeros_like(image)], axis=0), training=False)
            score = tf.reduce_sum(self._class_score(logits[:1], class_index))
        weights = tf.reduce_mean(tape.gradient(score, maps)[0], axis=(0, 1))  # (channels,)
        cam = tf.nn.relu(tf.reduce_sum((maps[0] - maps[1]) * weights, axis=-1))
        return rows @ cam @ tf.transpose(columns)


def _logits(switch: ChannelSwitch) -> tuple[object, bool]:
    """The class logits in the switch's graph (before the last softmax or sigmoid when there is one to
    undo), and whether the model has one output unit."""
    graph_output = switch.graph.outputs[0]
    last = next(layer for layer in reversed(switch.model.layers)
                if switch.outputs.get(layer.name) is graph_output)
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    logits = graph_output
    if isinstance(last, keras.layers.Dense) and activation in ("softmax", "sigmoid"):
        logits = keras.ops.matmul(switch.inputs[last.name], last.kernel)
        if last.use_bias:
            logits = keras.ops.add(logits, last.bias)
    elif isinstance(last, keras.layers.Softmax) or (isinstance(last, keras.layers.Activation)
                                                    and activation in ("softmax", "sigmoid")):
        logits = switch.inputs[last.name]
    return logits, int(graph_output.shape[-1]) == 1


def _resampling(model: keras.Model, convolution: keras.layers.Layer, size: tuple[int, int]) -> tuple[tf.Tensor, tf.Tensor]:
    """Matrices R_rows (H, h) and R_columns (W, w) so that R_rows @ cam @ R_columns.T places the (h, w) map
    over the (H, W) input, each map pixel at the centre of the input window it sees: linear in between, fading to
    zero over one map pixel beyond the outermost ones."""
    out_shape = tuple(int(s) for s in convolution.output.shape[1:3])
    geometry = _receptive_geometry(model, convolution)
    matrices = []
    for axis in (0, 1):
        if geometry is None:  # unknown layers on the way: stretch the map evenly over the input
            stride = size[axis] / out_shape[axis]
            offset = (stride - 1) / 2
        else:
            stride, offset = geometry[axis]
        position = (np.arange(size[axis]) - offset) / stride  # in map pixels
        last = out_shape[axis] - 1
        low = np.clip(np.floor(position).astype(int), 0, last)
        high = np.minimum(low + 1, last)
        share = np.clip(position - low, 0, 1)  # linear between the two nearest map pixels
        fade = np.clip(1 - np.maximum(-position, position - last), 0, 1)  # beyond the edge: to 0 over one map pixel
        matrix = np.zeros((size[axis], out_shape[axis]), np.float32)
        np.add.at(matrix, (np.arange(size[axis]), low), (1 - share) * fade)
        np.add.at(matrix, (np.arange(size[axis]), high), share * fade)
        matrices.append(tf.constant(matrix))
    return matrices[0], matrices[1]


def _receptive_geometry(model: keras.Model, convolution: keras.layers.Layer) -> list[tuple[float, float]] | None:
    """Per axis (stride, offset): the convolution's output pixel i is centred on input pixel stride * i + offset.
    None unless the layers up to it run one after another and each is a convolution, pooling or per-pixel layer."""
    geometry = [(1.0, 0.0), (1.0, 0.0)]
    previous = model.inputs[0]
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if layer.input is not previous:
            return None
        previous = layer.output
        kind = type(layer).__name__
        if isinstance(layer, CONVOLUTIONS) or kind in ("MaxPooling2D", "AveragePooling2D"):
            sizes = layer.kernel_size if isinstance(layer, CONVOLUTIONS) else layer.pool_size
            dilation = getattr(layer, "dilation_rate", (1, 1))
            in_shape, out_shape = layer.input.shape[1:3], layer.output.shape[1:3]
            for axis in (0, 1):
                span = (sizes[axis] - 1) * dilation[axis] + 1
                step = layer.strides[axis]
                padding = 0 if layer.padding == "valid" else max((out_shape[axis] - 1) * step + span - in_shape[axis], 0) // 2
                stride, offset = geometry[axis]
                geometry[axis] = (stride * step, offset + stride * ((span - 1) / 2 - padding))
        elif kind not in _SAME_GEOMETRY:
            return None
        if layer is convolution:
            return geometry
    return None
