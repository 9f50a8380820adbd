"""One description of what a model takes and gives: shapes, value range, preprocessing, output kind, class names."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from model.nets.architectures import build
from model.inspect.inspection import Inspector, UnusableModelError
from model.nets.labels import LabelsError, read_labels
from model.spec import ModelSpec, spec_for
from model.nets.store import load_model, read_info, save_model_atomic


def tiny_model(shape, units: int, activation: str | None, name: str = "tiny") -> keras.Model:
    inputs = keras.Input(shape)
    x = layers.Conv2D(4, 3, activation="relu")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(units, activation=activation)(x), name=name)


def test_digit_models_get_digit_preprocessing_and_others_photo():
    assert spec_for(build("cnn_small")).preprocessing == "digit"
    assert spec_for(tiny_model((64, 64, 3), 10, "softmax")).preprocessing == "photo"
    assert spec_for(tiny_model((50, 50, 1), 1, "sigmoid")).preprocessing == "photo"
    assert spec_for(build("cnn_small"), preprocessing="photo").preprocessing == "photo"


def test_one_sigmoid_unit_is_two_classes_with_both_probabilities_and_a_stated_threshold():
    model = tiny_model((50, 50, 1), 1, "sigmoid", "cats_dogs")
    inspector = Inspector(model, spec_for(model, {"class_names": ["cats", "dogs"]}))
    assert inspector.num_classes == 2 and inspector.spec.output == "sigmoid"
    image = np.random.default_rng(0).random((50, 50, 1), dtype=np.float32)
    result = inspector.inspect(image)
    p = float(model(image[None])[0, 0])
    np.testing.assert_allclose(result.probabilities, [1 - p, p], atol=1e-6)
    assert result.label == ("dogs" if p >= 0.5 else "cats")
    assert "Threshold 0.5" in inspector.stages[-1].description and "'dogs'" in inspector.stages[-1].description


def test_a_single_raw_logit_gets_the_sigmoid_and_logits_get_softmax():
    spec = spec_for(tiny_model((32, 32, 3), 1, None))
    assert spec.output == "logit"
    np.testing.assert_allclose(spec.probabilities(np.array([0.0])), [0.5, 0.5])
    np.testing.assert_allclose(spec.predicted_classes(np.array([[-1.0], [2.0]])), [0, 1])
    logits = spec_for(tiny_model((32, 32, 3), 3, None))
    assert logits.output == "logits"
    np.testing.assert_allclose(logits.probabilities(np.log([1.0, 1.0, 2.0])), [0.25, 0.25, 0.5])


def test_value_range_from_a_rescaling_layer_or_a_mobilenet():
    inputs = keras.Input((64, 64, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    rescaling = keras.Model(inputs, layers.Dense(2, activation="softmax")(layers.Flatten()(x)))
    assert spec_for(rescaling).value_range == "0..255"
    mobile = tiny_model((96, 96, 3), 5, "softmax", name="mobilenetv2_1.00_96")
    spec = spec_for(mobile)
    assert spec.value_range == "-1..1"
    np.testing.assert_allclose(spec.to_model_values(np.array([0.0, 0.5, 1.0])), [-1.0, 0.0, 1.0])
    assert "-1 to 1" in spec.describe_input()


def test_the_input_stage_says_size_colour_and_preprocessing():
    colour = Inspector(tiny_model((64, 64, 3), 10, "softmax"))
    assert colour.stages[0].description.startswith("The 64x64 colour image the model receives: the picture resized")
    digit = Inspector(build("mlp"))
    assert digit.stages[0].description.startswith("The 28x28 grey image the model receives: the digit found")


def test_teachable_machine_and_plain_labels_files(tmp_path):
    (tmp_path / "tm.txt").write_text("0 cats\n1 dogs\n2 guinea pigs\n")
    (tmp_path / "plain.txt").write_text("cats\ndogs\n\n")
    (tmp_path / "bad.txt").write_text("0 cats\n2 dogs\n")
    assert read_labels(tmp_path / "tm.txt") == ["cats", "dogs", "guinea pigs"]
    assert read_labels(tmp_path / "plain.txt") == ["cats", "dogs"]
    with pytest.raises(LabelsError, match="numbered"):
        read_labels(tmp_path / "bad.txt")
    with pytest.raises(LabelsError, match="no such"):
        read_labels(tmp_path / "missing.txt")


def test_class_names_from_stored_info_else_labels_beside_else_numbers(tmp_path):
    model = tiny_model((32, 32, 3), 3, "softmax")
    path = save_model_atomic(model, tmp_path / "m.keras")
    assert spec_for(model, read_info(path), path).class_names == ("0", "1", "2")
    (tmp_path / "labels.txt").write_text("0 red\n1 green\n2 blue\n")
    assert spec_for(model, read_info(path), path).class_names == ("red", "green", "blue")
    stored = save_model_atomic(model, tmp_path / "s.keras", info={"class_names": ["a", "b", "c"]})
    assert spec_for(load_model(stored), read_info(stored), stored).class_names == ("a", "b", "c")
    (tmp_path / "two.txt").write_text("x\ny\n")
    with pytest.raises(LabelsError, match="names 2 classes but the model has 3"):
        spec_for(model, {}, path, labels=tmp_path / "two.txt")


def test_a_spec_round_trips_through_the_model_file(tmp_path):
    model = tiny_model((50, 50, 1), 1, "sigmoid")
    spec = spec_for(model, {"class_names": ["cats", "dogs"]})
    path = save_model_atomic(model, tmp_path / "cd.keras", info=spec.to_info())
    assert spec_for(load_model(path), read_info(path), path) == spec


def test_unusable_inputs_are_refused_with_a_reason():
    with pytest.raises(UnusableModelError, match="channels"):
        ModelSpec(32, 32, 2, ("a", "b"))
    with pytest.raises(UnusableModelError, match="fixed"):
        spec_for(keras.Model(i := keras.Input((None, None, 3)), layers.Dense(2)(layers.GlobalAveragePooling2D()(i))))
