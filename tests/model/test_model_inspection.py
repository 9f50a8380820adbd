"""One call shows every layer: for our architectures and for a user's own models."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from model.nets.architectures import build
from model.inspect.inspection import Inspector, UnusableModelError
from model.nets.store import ModelFileError, load_model, save_model_atomic


def test_every_layer_output_matches_keras_and_probabilities_sum_to_one(mnist):
    model = build("cnn_small")
    inspector = Inspector(model)
    image = mnist.x_test[0].astype(np.float32)[..., None] / 255.0
    result = inspector.inspect(image)
    assert [out.stage.name for out in result.layers] == [s.name for s in inspector.stages]
    for out in result.layers:
        assert out.values.shape == out.stage.output_shape
    conv = keras.Model(model.inputs, model.get_layer("conv1").output)([image[None]])[0]
    np.testing.assert_allclose(result.layers[1].values, conv, atol=1e-4)
    np.testing.assert_allclose(result.probabilities, model(image[None])[0], atol=1e-5)
    assert result.probabilities.sum() == pytest.approx(1.0)
    assert result.digit == int(np.argmax(result.probabilities))


def test_data_flow_table_reads_stage_shapes_and_descriptions():
    stages = Inspector(build("cnn_small")).stages
    assert stages[1].shape_text == "28x28x1 -> 26x26x32"
    assert stages[4].shape_text == "13x13x32 -> 5408"
    assert "3x3" in stages[1].description and stages[1].parameters == 32 * 9 + 32


def functional_rgb_model() -> keras.Model:
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(8, 5, activation="relu")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10)(x), name="user_rgb")  # logits, no softmax


def test_users_own_rgb_model_with_logits_is_fed_and_softmaxed(tmp_path):
    path = save_model_atomic(functional_rgb_model(), tmp_path / "user.keras")
    inspector = Inspector(load_model(path))
    assert inspector.input_shape == (32, 32, 3)
    page = np.zeros((200, 200), np.uint8)
    page[40:160, 95:105] = 255
    prepared, result = inspector.classify(page)
    assert prepared.model_input.shape == (32, 32, 3)
    assert [out.values.shape for out in result.layers[1:]] == [(28, 28, 8), (8,), (10,)]
    assert result.probabilities.sum() == pytest.approx(1.0) and result.probabilities.min() >= 0


def test_h5_sequential_model_loads_and_inspects(tmp_path):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    path = tmp_path / "seq.h5"
    model.save(path)
    inspector = Inspector(load_model(path))
    assert inspector.input_shape == (28, 28, 1)
    result = inspector.inspect(np.zeros((28, 28, 1), np.float32))
    assert result.layers[-1].values.shape == (10,)


def test_models_that_are_not_image_classifiers_are_refused_clearly():
    a, b = keras.Input((28, 28, 1)), keras.Input((28, 28, 1))
    two_inputs = keras.Model([a, b], layers.Dense(10)(layers.Flatten()(layers.Add()([a, b]))))
    with pytest.raises(UnusableModelError, match="2 inputs"):
        Inspector(two_inputs)
    vector_in = keras.Model(c := keras.Input((100,)), layers.Dense(10)(c))
    with pytest.raises(UnusableModelError):
        Inspector(vector_in)
    image_out = keras.Model(d := keras.Input((28, 28, 1)), layers.Conv2D(1, 3)(d))
    with pytest.raises(UnusableModelError, match="class scores"):
        Inspector(image_out)


def test_broken_model_files_get_a_clear_error(tmp_path):
    garbage = tmp_path / "model.keras"
    garbage.write_bytes(b"\x00not a zip")
    with pytest.raises(ModelFileError, match="could not be loaded"):
        load_model(garbage)
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    with pytest.raises(ModelFileError, match="not a Keras model file"):
        load_model(notes)
    with pytest.raises(ModelFileError, match="no such model"):
        load_model(tmp_path / "missing.keras")


def test_atomic_save_never_leaves_a_broken_model(tmp_path, monkeypatch):
    path = save_model_atomic(build("mlp"), tmp_path / "m.keras")
    before = path.read_bytes()
    model = build("mlp")
    monkeypatch.setattr(model, "save", lambda target: (open(target, "wb").write(b"half"), 1 / 0))
    with pytest.raises(ZeroDivisionError):
        save_model_atomic(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_model_that_rescales_0_255_pixels_itself_is_fed_0_255(mnist):
    inputs = keras.Input((28, 28, 1))
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(layers.Flatten()(x)))
    inspector = Inspector(model)
    assert inspector.spec.value_range == "0..255" and Inspector(build("mlp")).spec.value_range == "0..1"
    image = mnist.x_test[0].astype(np.float32)[..., None] / 255.0
    result = inspector.inspect(image)
    assert result.layers[0].values.max() == pytest.approx(255.0)
    np.testing.assert_allclose(result.layers[1].values, image, atol=1e-6)  # the model's own rescaling undoes it
