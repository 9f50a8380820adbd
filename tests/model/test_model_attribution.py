"""Where the model looks and maps switched off, in model/ (no Qt): checked against Keras computed another way."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from model.nets.architectures import build
from model.inspect.attribution import GRAD_CAM, INTEGRATED_GRADIENTS, Attributor
from model.inspect.channel_switch import ChannelSwitch
from model.inspect.inspection import Inspector
from model.nets.store import load_model


@pytest.fixture(scope="module")
def shipped():
    model = load_model()
    switch = ChannelSwitch(model, Inspector(model).stages)
    return model, switch, Attributor(switch)


def zeroed_copy(model: keras.Model, layer_name: str) -> keras.Model:
    """The model with one layer's weights (kernel and bias) all zero: its output is zero everywhere."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    layer = copy.get_layer(layer_name)
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    return copy


def logit(model: keras.Model, image: np.ndarray, class_index: int) -> float:
    """The pre-softmax score of one class, from the last Dense layer's input and weights."""
    last = model.layers[-1]
    features = keras.Model(model.inputs, last.input)([image[None]], training=False).numpy()[0]
    return float(features @ last.kernel.numpy()[:, class_index] + last.bias.numpy()[class_index])


def test_all_first_layer_maps_off_is_a_zero_first_layer_and_restoring_gives_the_original(shipped, mnist):
    model, switch, _ = shipped
    image = mnist.x_test[0].astype(np.float32)[..., None] / 255
    original = switch.inspect(image).probabilities
    np.testing.assert_allclose(original, model(image[None], training=False).numpy()[0], atol=1e-6)
    switch.switch_off("conv1", range(32))
    off = switch.inspect(image)
    assert not off.layers[1].values.any()  # conv1's own maps show zero
    np.testing.assert_allclose(off.probabilities, zeroed_copy(model, "conv1")(image[None], training=False)[0], atol=1e-6)
    assert np.abs(off.probabilities - original).max() > 0.1
    switch.restore_all()
    np.testing.assert_array_equal(switch.inspect(image).probabilities, original)
    assert switch.toggle("conv2", 3) and not switch.toggle("conv2", 3) and switch.off_count == 0
    with pytest.raises(ValueError, match="dense"):
        switch.toggle("dense", 0)


def test_one_map_off_zeroes_it_for_every_later_layer_of_a_small_cnn(mnist):
    model = build("cnn_small")
    switch = ChannelSwitch(model, Inspector(model).stages)
    image = mnist.x_test[1].astype(np.float32)[..., None] / 255
    switch.toggle("relu1", 4)
    result = switch.inspect(image)
    pool = result.layers[3].values
    assert not pool[..., 4].any() and pool[..., 5].any()
    masked = keras.Model(model.inputs, model.get_layer("relu1").output)([image[None]]).numpy()
    masked[..., 4] = 0
    after = keras.Sequential([model.get_layer(name) for name in ("pool1", "flatten", "dense", "dense_relu", "output")])
    np.testing.assert_allclose(result.probabilities, after(masked)[0], atol=1e-6)


def test_integrated_gradients_add_up_to_the_change_in_the_class_score(shipped, mnist):
    model, _, attributor = shipped
    for index in range(3):
        image = mnist.x_test[index].astype(np.float32)[..., None] / 255
        digit = int(mnist.y_test[index])
        values = attributor.attribute(image, digit, INTEGRATED_GRADIENTS).values
        change = logit(model, image, digit) - logit(model, np.zeros_like(image), digit)
        assert values.sum() == pytest.approx(change, rel=0.1)
        assert not values[image[..., 0] == 0].any()  # blank pixels are the baseline: no share


def test_grad_cam_lies_over_the_digit_and_differs_by_class(shipped, mnist):
    _, _, attributor = shipped
    image = mnist.x_test[0].astype(np.float32)[..., None] / 255  # a 7
    seven = attributor.attribute(image, 7, GRAD_CAM).values
    assert seven.shape == (28, 28) and seven.min() >= 0
    from scipy import ndimage

    near_ink = ndimage.binary_dilation(image[..., 0] > 0.2, iterations=3)
    assert seven[near_ink].sum() > 0.6 * seven.sum()
    assert not np.allclose(attributor.attribute(image, 1, GRAD_CAM).values, seven)


def test_one_sigmoid_unit_reads_as_two_classes():
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = layers.Flatten()(x)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid", name="p")(x))
    image = np.random.default_rng(0).random((28, 28, 1)).astype(np.float32)
    attributor = Attributor(ChannelSwitch(model))
    assert attributor.num_classes == 2 and attributor.methods == [GRAD_CAM, INTEGRATED_GRADIENTS]
    yes = attributor.attribute(image, 1, INTEGRATED_GRADIENTS).values
    np.testing.assert_allclose(attributor.attribute(image, 0, INTEGRATED_GRADIENTS).values, -yes, atol=1e-6)
    p = float(model(image[None])[0, 0])
    p_blank = float(model(np.zeros((1, 28, 28, 1)))[0, 0])
    log_odds = np.log(p / (1 - p)) - np.log(p_blank / (1 - p_blank))
    assert yes.sum() == pytest.approx(log_odds, rel=0.1, abs=1e-3)
    cams = [attributor.attribute(image, c, GRAD_CAM).values for c in (0, 1)]
    assert all(cam.shape == (28, 28) and np.isfinite(cam).all() for cam in cams)
    with pytest.raises(ValueError, match="not one of"):
        attributor.attribute(image, 2, GRAD_CAM)


def test_a_model_without_convolution_gets_saliency_only_and_a_reason():
    attributor = Attributor(ChannelSwitch(build("mlp")))
    assert attributor.methods == [INTEGRATED_GRADIENTS] and attributor.convolution is None
    assert "no convolution" in attributor.unavailable(GRAD_CAM)
    assert attributor.unavailable(INTEGRATED_GRADIENTS) == ""
    with pytest.raises(ValueError, match="Grad-CAM is unavailable"):
        attributor.attribute(np.zeros((28, 28, 1)), 0, GRAD_CAM)


@pytest.mark.parametrize("name", ["cnn_small", "cnn_deep", "cnn_lens", "colour_cnn", "cats_dogs"])
def test_grad_cam_in_numpy_is_tensorflows_grad_cam_until_a_map_is_switched_off(name):
    import tensorflow as tf
    from test_numpy_forward import randomised

    model = randomised(build(name))
    inspector = Inspector(model)
    switch = ChannelSwitch(model, inspector.stages, inspector.spec)
    attributor = Attributor(switch, inspector.numpy_forward)
    assert attributor.grad_cam_in_numpy  # checked against TensorFlow when built
    image = np.random.default_rng(3).uniform(0, 1, inspector.input_shape).astype(np.float32)
    fed = inspector.spec.to_model_values(image).reshape((1, *model.inputs[0].shape[1:]))
    for class_index in range(attributor.num_classes):
        expected = attributor._grad_cam(tf.constant(fed), tf.constant(class_index, tf.int32)).numpy()
        shown = attributor.attribute(image, class_index, GRAD_CAM).values
        np.testing.assert_allclose(shown, expected, rtol=1e-3, atol=1e-5 * (1 + np.abs(expected).max()))
    switch.toggle(attributor.convolution, 0)  # a map off: TensorFlow's masked graph, not the numpy copy
    masked = attributor._grad_cam(tf.constant(fed), tf.constant(0, tf.int32)).numpy()
    np.testing.assert_array_equal(attributor.attribute(image, 0, GRAD_CAM).values, masked)
