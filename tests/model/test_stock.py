"""model/data/stock.py: Keras' cached Fashion-MNIST and CIFAR-10 read as Keras keeps them, resized as folders are."""

from __future__ import annotations

import numpy as np
import pytest

from stock_stand_in import write_cifar10, write_fashion_mnist


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_cached_sets_are_found_and_read_at_their_own_shape_with_their_class_names(keras_home):
    from model.data.stock import is_cached, load_stock

    assert not is_cached("fashion_mnist") and not is_cached("cifar10")
    write_fashion_mnist(keras_home)
    fashion = load_stock("fashion_mnist")
    assert fashion.x_train.shape == (300, 28, 28, 1) and fashion.x_test.shape == (50, 28, 28, 1)
    assert fashion.class_names[1] == "Trouser" and set(fashion.y_train.tolist()) == set(range(10))
    assert fashion.test_set() == "the 50 Fashion-MNIST test images"
    (train, _), (held, _) = fashion.split(0.1)
    assert len(train) == 270 and len(held) == 30

    write_cifar10(keras_home)
    cifar = load_stock("cifar10")
    assert cifar.x_train.shape == (500, 32, 32, 3) and cifar.x_train.dtype == np.uint8
    assert cifar.class_names[0] == "airplane" and cifar.subset(40).x_train.shape[0] == 40


def test_pictures_are_resized_and_made_grey_or_colour_as_asked(keras_home):
    from model.data.stock import load_stock

    write_cifar10(keras_home)
    write_fashion_mnist(keras_home)
    grey = load_stock("cifar10", side=16, channels=1)
    assert grey.x_train.shape == (500, 16, 16, 1) and grey.x_test.shape == (30, 16, 16, 1)
    colour = load_stock("fashion_mnist", side=64, channels=3)
    assert colour.x_train.shape == (300, 64, 64, 3)
    assert np.array_equal(colour.x_train[..., 0], colour.x_train[..., 2])  # grey repeated into three channels


def test_tf_keras_2_layout_is_found_too_and_a_damaged_cache_is_one_sentence(keras_home):
    from model.data.mnist import DataError
    from model.data.stock import is_cached, load_stock

    folder = write_cifar10(keras_home)
    old = keras_home / "datasets" / "cifar-10-batches-py"
    folder.rename(old)  # where tf.keras 2 extracted the archive
    assert is_cached("cifar10")
    (old / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="could not be read .*; delete it and download it again"):
        load_stock("cifar10")
    with pytest.raises(DataError, match="is not in Keras' cache .* must be downloaded once"):
        load_stock("fashion_mnist")


@pytest.fixture
def server(tmp_path):
    """A local HTTP server over a folder (the tests never reach the internet)."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "served"
    folder.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_a_download_lands_in_keras_layout_with_progress_and_a_cancel_leaves_no_partial_file(keras_home, server,
                                                                                            monkeypatch, tmp_path):
    import dataclasses

    from model.data import stock

    folder, url = server
    for path in write_fashion_mnist(tmp_path / "upstream").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())  # what the server offers: Keras' four gz files
    monkeypatch.setitem(stock.STOCK_SETS, "fashion_mnist", dataclasses.replace(stock.FASHION_MNIST, origin=url))

    class Cancel(Exception):
        pass

    def cancel() -> None:
        raise Cancel

    with pytest.raises(Cancel):
        stock.download("fashion_mnist", check=cancel)
    assert not stock.is_cached("fashion_mnist")
    assert not list((keras_home / "datasets").rglob("*.part"))

    reports = []
    stock.download("fashion_mnist", lambda done, total: reports.append((done, total)))
    assert stock.is_cached("fashion_mnist")
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == reports[-1][1] == sum(p.stat().st_size for p in folder.iterdir())
    assert stock.load_stock("fashion_mnist").x_train.shape == (300, 28, 28, 1)
