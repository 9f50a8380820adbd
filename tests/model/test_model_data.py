"""Loading MNIST from the sources a user may have, and the messages when it goes wrong."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from model.data import mnist as data_module
from model.data.mnist import DataError, load_mnist


def write_idx(path, array: np.ndarray, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path.with_name(path.name + ".gz"), "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


def small_arrays(mnist, n: int = 300) -> dict[str, np.ndarray]:
    return {"x_train": mnist.x_train[:n], "y_train": mnist.y_train[:n],
            "x_test": mnist.x_test[:n // 3], "y_test": mnist.y_test[:n // 3]}


def test_shared_npz_loads_as_full_mnist(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert mnist.x_train.dtype == np.uint8 and set(np.unique(mnist.y_test)) == set(range(10))
    (x_train, _), (x_val, _) = mnist.split(0.1)
    assert len(x_train) == 54000 and len(x_val) == 6000


def test_environment_variable_names_the_copy(mnist_path, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_MNIST", str(mnist_path))
    assert load_mnist().source == str(mnist_path)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder_loads_the_same_digits(mnist, tmp_path, compress):
    arrays = small_arrays(mnist)
    for key, stem in data_module.IDX_NAMES.items():
        write_idx(tmp_path / stem, arrays[key], compress)
    loaded = load_mnist(tmp_path)
    assert np.array_equal(loaded.x_train, arrays["x_train"]) and np.array_equal(loaded.y_test, arrays["y_test"])


def test_corrupt_file_gets_a_clear_error(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"this is not a zip archive at all")
    with pytest.raises(DataError, match="could not be read as a .npz"):
        load_mnist(bad)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("y_test"), "missing y_test"),
    (lambda a: a.update(x_train=a["x_train"][:, :20, :20]), r"x_train has shape \(300, 20, 20\)"),
    (lambda a: a.update(x_test=a["x_test"].astype(np.float32)), "x_test has dtype float32"),
    (lambda a: a.update(y_train=a["y_train"].astype(np.int16) + 5), "labels outside 0..9"),
    (lambda a: a.update(y_train=a["y_train"][:10]), "y_train has shape"),
])
def test_wrong_keys_shapes_dtypes_or_labels_say_what_is_wrong(mnist, tmp_path, change, message):
    arrays = small_arrays(mnist)
    change(arrays)
    path = tmp_path / "broken.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_mnist(path)


def test_missing_path_and_offline_download_explain_both_fixes(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="not found"):
        load_mnist(tmp_path / "nowhere.npz")
    import keras

    def offline():
        raise OSError("URL fetch failure: no network")

    monkeypatch.delenv("DIGIT_LENS_MNIST", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataError) as error:
        load_mnist()
    assert "--data" in str(error.value) and "DIGIT_LENS_MNIST" in str(error.value)
    assert "internet" in str(error.value)
