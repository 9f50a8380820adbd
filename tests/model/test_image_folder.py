"""A folder of one's own images as a streaming tf.data pipeline: class names, Keras' resize, broken files found in
the parallel read, named and skipped, pictures cached (in memory or on disk) so later epochs read nothing."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest

from benchmarks.pet_folder import BROKEN, make_pet_folder
from model.data.sample_folder import CLASSES, make_sample_folder as make_folder, shape_photo
from model.nets.architectures import build
from model.data import image_folder
from model.data.image_folder import CACHE_ENV, FolderError, open_image_folder
from model.train.training import TrainConfig, evaluate, train


def read_all(dataset) -> int:
    return sum(len(labels) for _, labels in dataset)


def test_class_names_are_the_subfolders_and_a_corrupt_file_is_skipped_and_named(tmp_path):
    data = open_image_folder(make_folder(tmp_path / "shapes"), size=32, channels=3, validation_split=0.25)
    assert data.class_names == CLASSES and data.image_shape == (32, 32, 3) and len(data.files) == 49
    assert data.ignored == ("squares/notes.txt",) and data.skipped == ()  # listing opens no picture
    assert read_all(data.training_dataset(8)) + len(data.x_test) == 48
    assert data.x_test.dtype == np.uint8 and data.x_test.shape[1:] == (32, 32, 3)
    assert data.skipped == ("squares/broken.jpg",)
    assert data.skipped_note() == "1 file skipped (not readable as images): squares/broken.jpg"


def test_petimages_odd_files_are_read_by_what_they_are_and_broken_ones_named_in_the_parallel_read(tmp_path):
    folder = make_pet_folder(tmp_path / "pets", 16)
    data = open_image_folder(folder, size=50, channels=1, validation_split=0.0)
    assert data.ignored == ("Cat/Thumbs.db",) and len(data.files) == 16 + 5
    batches = list(data.training_dataset(4, binary=True))
    pictures = np.concatenate([x.numpy() for x, _ in batches])
    assert pictures.shape == (16 + 3, 50, 50, 1) and pictures.dtype == np.float32  # CMYK, PNG and GIF named .jpg read
    assert 0.0 <= pictures.min() and pictures.max() <= 1.0
    assert data.skipped == tuple(sorted(BROKEN)) and data.progress.done == len(data.files)
    assert data.skipped_note() == "2 files skipped (not readable as images): Cat/empty.jpg, Dog/truncated.jpg"


@pytest.mark.parametrize("color_mode, channels", [("grayscale", 1), ("rgb", 3)])
def test_pictures_are_read_and_resized_as_image_dataset_from_directory_does(tmp_path, color_mode, channels):
    folder = make_pet_folder(tmp_path / "pets", 12, odd_files=False)
    expected = keras.utils.image_dataset_from_directory(folder, image_size=(50, 50), color_mode=color_mode,
                                                        shuffle=False, batch_size=64, verbose=False)
    keras_pictures = next(iter(expected))[0].numpy()
    data = open_image_folder(folder, size=50, channels=channels, validation_split=0.0)
    ours = {int(label): [] for label in (0, 1)}
    for pictures, labels in data.training_dataset(64):
        for picture, label in zip(pictures.numpy(), labels.numpy()):
            ours[int(label)].append(picture * 255.0)
    for keras_picture, keras_label in zip(keras_pictures, next(iter(expected))[1].numpy()):
        nearest = min(np.abs(picture - keras_picture).max() for picture in ours[int(keras_label)])
        assert nearest <= 0.5 + 1e-3  # Keras' very pixels, kept as rounded 8-bit values
    # The Pillow reader, for the files TensorFlow's decoders refuse, resizes the same way.
    pillow = np.stack([data.picture(os.path.relpath(path, folder)) for path in expected.file_paths]).astype(np.float32)
    assert np.abs(pillow - keras_pictures).mean() < (0.3 if channels == 1 else 1.5)


def test_later_epochs_read_the_cache_in_memory_or_on_disk_beyond_the_budget(tmp_path, monkeypatch):
    folder = make_pet_folder(tmp_path / "pets", 20)
    for budget_mb, on_disk in (("2048", False), ("0", True)):
        monkeypatch.setenv(CACHE_ENV, budget_mb)
        data = open_image_folder(folder, size=24, channels=1, validation_split=0.2)
        dataset = data.training_dataset(5)
        counts = [read_all(dataset) for _ in range(3)]
        assert counts[0] == counts[1] == counts[2] and data.progress.decodes == data.n_train
        cache_dir = data._cache_dir
        assert (cache_dir is not None and any(os.scandir(cache_dir))) == on_disk
        assert len(data.x_test) + counts[0] == 20 + 3 and data.progress.decodes == len(data.files)
        (everything, labels), _ = data.split()
        (first, first_labels), (held, _) = data.split(most=4)  # what the novelty index asks for: a few, no copy
        assert len(everything) == counts[0] and np.array_equal(first, everything[:4])
        assert np.array_equal(first_labels, labels[:4]) and len(held) == len(data.x_test)
        assert data.progress.decodes == len(data.files)  # read from the cache, not decoded again
        data.close()
        assert cache_dir is None or not os.path.exists(cache_dir)


def test_no_pipeline_is_autotuned_so_an_epochs_end_never_waits_for_the_tuning_thread(tmp_path):
    # With tf.data's autotuning, Keras dropping an iterator (after every evaluation, at the end of fit) waited idle
    # for its tuning thread: 18 s of each 40 s epoch on 25,000 pictures (benchmarks/bench_folder.py).
    from model.train.training import training_dataset

    data = open_image_folder(make_pet_folder(tmp_path / "pets", 20), size=24, channels=1, validation_split=0.2)
    digits = training_dataset(np.zeros((8, 28, 28), np.uint8), np.zeros(8, np.int64), 4, augment=True)
    for dataset in (data.training_dataset(5), data.validation_dataset(5), digits):
        assert dataset.options().autotune.enabled is False
    data.close()


def test_the_first_batch_comes_before_the_folder_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(image_folder, "SHUFFLE_WINDOW", 8)
    root = tmp_path / "many"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(150):
            shape_photo("circles" if name == "a" else "squares", i, size=(40, 30)).save(root / name / f"{i}.png")
    data = open_image_folder(root, size=16, channels=1, validation_split=0.0)
    first = next(iter(data.training_dataset(4)))
    assert len(first[1]) == 4 and data.progress.done < 300


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
        open_image_folder(root)
    assert "\n" not in str(raised.value)
    with pytest.raises(FolderError, match="is not a folder"):
        open_image_folder(tmp_path / "nowhere")


def test_two_classes_train_one_sigmoid_unit_with_binary_cross_entropy(tmp_path):
    data = open_image_folder(make_folder(tmp_path / "shapes"), size=32, channels=1, validation_split=0.25)
    model = build("cats_dogs", data.image_shape, len(data.class_names))
    assert model.output_shape == (None, 1)
    result = train(model, data, TrainConfig(epochs=8, batch_size=12, validation_split=0.25))
    assert model.loss == "binary_crossentropy" and len(result.history) == 8
    assert all(epoch.complete for epoch in result.history)
    assert result.history[-1].loss < result.history[0].loss
    accuracy, predicted = evaluate(model, data.x_test, data.y_test)
    assert set(predicted) <= {0, 1} and accuracy >= 0.75
    assert data.skipped == ("squares/broken.jpg",) and data.progress.decodes == len(data.files)
