"""A folder of one's own images as training data: class names, resizing, skipped files, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from model.data.sample_folder import CLASSES, make_sample_folder as make_folder, shape_photo
from model.nets.architectures import build
from model.data.image_folder import FolderError, load_image_folder
from model.train.training import TrainConfig, evaluate, train


def test_class_names_are_the_subfolders_and_a_corrupt_file_is_skipped_and_named(tmp_path):
    data = load_image_folder(make_folder(tmp_path / "shapes"), size=32, channels=3, validation_split=0.25)
    assert data.class_names == CLASSES and data.images.shape == (48, 32, 32, 3) and data.images.dtype == np.uint8
    assert sorted(np.bincount(data.labels)) == [24, 24]
    assert data.skipped == ("squares/broken.jpg",)
    assert data.skipped_note() == "1 file skipped (not readable as images): squares/broken.jpg"
    assert len(data.x_test) == 12 and len(data.split(0.25)[0][0]) == 36


def test_each_picture_is_resized_as_image_dataset_from_directory_does(tmp_path):
    folder = make_folder(tmp_path / "shapes", per_class=2, corrupt=False)
    data = load_image_folder(folder, size=20, channels=1, validation_split=0.0)
    path = folder / "circles" / "circles00.png"
    decoded = tf.cast(tf.io.decode_png(tf.io.read_file(str(path)), channels=3), tf.float32)
    expected = tf.image.resize(tf.image.rgb_to_grayscale(decoded), (20, 20)).numpy()
    index = next(i for i, image in enumerate(data.images) if data.labels[i] == 0 and np.abs(image - expected).max() < 1)
    np.testing.assert_allclose(data.images[index], expected, atol=0.5 + 1e-4)  # stored as rounded 8-bit values


@pytest.mark.parametrize("layout, message", [
    ({}, "has no subfolders"),
    ({"cats": 3}, "has one class folder (cats); a classifier needs at least two"),
    ({"cats": 3, "dogs": 0}, "no readable images in dogs"),
])
def test_unusable_folders_get_one_clear_sentence(tmp_path, layout, message):
    root = tmp_path / "pets"
    root.mkdir()
    for name, count in layout.items():
        (root / name).mkdir()
        for i in range(count):
            shape_photo("circles", i).save(root / name / f"{i}.png")
    with pytest.raises(FolderError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        load_image_folder(root)
    assert "\n" not in str(raised.value)
    with pytest.raises(FolderError, match="is not a folder"):
        load_image_folder(tmp_path / "nowhere")


def test_two_classes_train_one_sigmoid_unit_with_binary_cross_entropy(tmp_path):
    data = load_image_folder(make_folder(tmp_path / "shapes"), size=32, channels=1, validation_split=0.25)
    model = build("cats_dogs", data.images.shape[1:], len(data.class_names))
    assert model.output_shape == (None, 1)
    result = train(model, data, TrainConfig(epochs=8, batch_size=12, validation_split=0.25))
    assert model.loss == "binary_crossentropy" and len(result.history) == 8
    assert result.history[-1].loss < result.history[0].loss
    accuracy, predicted = evaluate(model, data.x_test, data.y_test)
    assert set(predicted) <= {0, 1} and accuracy >= 0.75
