"""The stock data sets of the classic tutorials, read from Keras' own cache (`keras.datasets`' layout under
`$KERAS_HOME/datasets`, default `~/.keras/datasets`): Fashion-MNIST and CIFAR-10 (MNIST itself: `model.data.mnist`).

Nothing touches the network unless `download` is called (the user asked); its modules are imported only then, so
the window's start-up does not pay for them. A download first checks within seconds
that the server can be reached, so an offline machine gets one clear sentence instead of Keras' long wait.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from model.data.mnist import DataError, hold_out

REACH_SECONDS = 3.0  # how long a download waits to learn whether the server can be reached at all


@dataclass(frozen=True)
class StockSet:
    """What Digit Lens knows of one stock data set: where Keras keeps it and what its classes are called."""

    name: str  # as --dataset takes it: "fashion_mnist"
    title: str  # as people write it: "Fashion-MNIST"
    class_names: tuple[str, ...]
    shape: tuple[int, int, int]  # its pictures' own (height, width, channels)
    megabytes: int  # the download's size
    origin: str  # where Keras downloads it from (a folder of files, or one archive)
    files: tuple[str, ...]  # Fashion-MNIST: the four gz files; CIFAR-10: the archive
    sha256: str | None = None  # of the archive, as Keras checks it


FASHION_MNIST = StockSet(
    "fashion_mnist", "Fashion-MNIST",
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    (28, 28, 1), 30, "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
     "t10k-images-idx3-ubyte.gz"))
CIFAR10 = StockSet(
    "cifar10", "CIFAR-10",
    ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    (32, 32, 3), 163, "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", ("cifar-10-python.tar.gz",),
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
STOCK_SETS = {s.name: s for s in (FASHION_MNIST, CIFAR10)}
DATASETS = ("mnist", *STOCK_SETS)  # what --dataset offers
CIFAR_TARGET = "cifar-10-batches-py-target"  # Keras 3 extracts the archive into this folder (tf.keras 2: straight into datasets/)
CIFAR_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")


@dataclass(frozen=True)
class StockData:
    """A stock set's pictures as uint8 (N, H, W, C) arrays, at the size and channels asked for, with its labels.

    Shaped like `model.data.image_folder.ImageFolder` for `model.train.training.train`: `split` holds out the last
    fraction of the training pictures for validation; `x_test`/`y_test` are the set's own test pictures."""

    stock: StockSet
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.stock.class_names

    @property
    def title(self) -> str:
        return self.stock.title

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def split(self, fraction: float, most: int | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(train, validation): the last `fraction` of the training pictures held out; of the rest the first `most`."""
        (images, labels), validation = hold_out(self.x_train, self.y_train, fraction, f"{self.title} training images")
        return (images[:most], labels[:most]), validation

    def subset(self, n_train: int, n_test: int | None = None) -> "StockData":
        """The first n_train training and n_test test pictures (for quick runs and tests)."""
        n_test = len(self.x_test) if n_test is None else n_test
        return replace(self, x_train=self.x_train[:n_train], y_train=self.y_train[:n_train],
                       x_test=self.x_test[:n_test], y_test=self.y_test[:n_test])

    def test_set(self) -> str:
        """'the 10,000 Fashion-MNIST test images'."""
        return f"the {len(self.x_test):,} {self.title} test images"


def datasets_dir() -> Path:
    """Keras' data set cache: `$KERAS_HOME/datasets`, else `~/.keras/datasets`."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser() / "datasets"


def cached_files(stock: StockSet) -> list[Path] | None:
    """The set's files in Keras' cache (four gz files, or the six CIFAR-10 batches); None when any is missing."""
    root = datasets_dir()
    if stock.name == FASHION_MNIST.name:
        files = [root / "fashion-mnist" / name for name in stock.files]
        return files if all(f.is_file() for f in files) else None
    for folder in (root / CIFAR_TARGET / "cifar-10-batches-py", root / "cifar-10-batches-py"):
        files = [folder / name for name in CIFAR_BATCHES]
        if all(f.is_file() for f in files):
            return files
    return None


def is_cached(name: str) -> bool:
    """Whether `name` ("fashion_mnist", "cifar10") is in Keras' cache, so training on it needs no download."""
    return cached_files(STOCK_SETS[name]) is not None


def load_stock(name: str, side: int | None = None, channels: int | None = None) -> StockData:
    """The stock set `name` from Keras' cache, its pictures resized to `side` (bilinear, no crop, as folders are)
    and made grey (1) or colour (3); DataError in one sentence when it is not there or damaged. Never downloads."""
    stock = STOCK_SETS[name]
    files = cached_files(stock)
    if files is None:
        raise DataError(f"{stock.title} is not in Keras' cache ({datasets_dir()}) and must be downloaded "
                        f"once ({stock.megabytes} MB).")
    try:
        (x_train, y_train), (x_test, y_test) = _read_fashion(files) if stock.name == FASHION_MNIST.name else _read_cifar(files)
    except Exception as exc:  # gz, IDX and pickle files fail in many ways
        raise DataError(f"{stock.title} in Keras' cache ({files[0].parent}) could not be read ({exc}); "
                        "delete it and download it again.") from None
    if len(x_train) != len(y_train) or len(x_test) != len(y_test) or not len(x_train) or not len(x_test):
        raise DataError(f"{stock.title} in Keras' cache ({files[0].parent}) is damaged: its pictures and labels "
                        "do not match; delete it and download it again.")
    side = side or stock.shape[0]
    channels = channels or stock.shape[2]
    return StockData(stock, fitted(x_train, side, channels), y_train.reshape(-1).astype(np.int64),
                     fitted(x_test, side, channels), y_test.reshape(-1).astype(np.int64),
                     f"{stock.title} ({files[0].parent})")


def fitted(images: np.ndarray, side: int, channels: int, chunk: int = 2000) -> np.ndarray:
    """uint8 (N, H, W) or (N, H, W, C) pictures as uint8 (N, side, side, channels): resized as
    `keras.utils.image_dataset_from_directory` does (bilinear, no anti-aliasing), grey made colour by repetition
    and colour made grey with `tf.image.rgb_to_grayscale`'s weights; unchanged pictures are not copied."""
    images = images[..., np.newaxis] if images.ndim == 3 else images
    if images.shape[1:] == (side, side, channels):
        return images
    import tensorflow as tf

    out = np.empty((len(images), side, side, channels), np.uint8)
    for start in range(0, len(images), chunk):
        part = tf.convert_to_tensor(images[start:start + chunk], tf.float32)
        if channels == 3 and part.shape[-1] == 1:
            part = tf.repeat(part, 3, axis=-1)
        elif channels == 1 and part.shape[-1] == 3:
            part = tf.image.rgb_to_grayscale(part)
        if part.shape[1:3] != (side, side):
            part = tf.image.resize(part, (side, side), method="bilinear", antialias=False)
        out[start:start + chunk] = np.clip(np.round(part.numpy()), 0, 255).astype(np.uint8)
    return out


def _read_fashion(files: list[Path]):
    """The four gz IDX files, read at the offsets `keras.datasets.fashion_mnist.load_data` reads them."""
    arrays = []
    for path, offset in zip(files, (8, 16, 8, 16)):
        with gzip.open(path, "rb") as f:
            arrays.append(np.frombuffer(f.read(), np.uint8, offset=offset))
    y_train, x_train, y_test, x_test = arrays
    return (x_train.reshape(len(y_train), 28, 28), y_train), (x_test.reshape(len(y_test), 28, 28), y_test)


def _read_cifar(files: list[Path]):
    """The six extracted batches, read by Keras' own `load_batch` (a restricted unpickler)."""
    from keras.src.datasets.cifar import load_batch

    parts = [load_batch(str(path)) for path in files]
    x_train = np.concatenate([p[0] for p in parts[:5]]).transpose(0, 2, 3, 1)
    y_train = np.concatenate([np.asarray(p[1]) for p in parts[:5]])
    x_test, y_test = parts[5][0].transpose(0, 2, 3, 1), np.asarray(parts[5][1])
    return (np.ascontiguousarray(x_train, np.uint8), y_train), (np.ascontiguousarray(x_test, np.uint8), y_test)


def check_reachable(stock: StockSet, seconds: float = REACH_SECONDS) -> None:
    """DataError in one sentence unless the set's server answers within `seconds` (a lookup that hangs included)."""
    import socket
    import threading
    import urllib.parse

    origin = urllib.parse.urlsplit(stock.origin)
    host, port = origin.hostname, origin.port or (80 if origin.scheme == "http" else 443)
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=seconds).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    probe = threading.Thread(target=connect, daemon=True)
    probe.start()
    probe.join(seconds)
    if not outcome or outcome[0] is not None:
        raise DataError(f"{stock.title} is not in Keras' cache ({datasets_dir()}) and {host} cannot be reached "
                        f"(offline?): connect once to download it ({stock.megabytes} MB).")


def download(name: str, report: Callable[[int, int], None] = lambda done, total: None,
             check: Callable[[], None] = lambda: None) -> None:
    """Download the stock set `name` into Keras' cache, in Keras' own layout, calling `report(done, total)` in bytes
    and `check()` (which raises to cancel) between chunks. The user asked for it; DataError when it fails."""
    import hashlib
    import tarfile

    stock = STOCK_SETS[name]
    check_reachable(stock)
    root = datasets_dir()
    if stock.name == FASHION_MNIST.name:
        folder = root / "fashion-mnist"
        urls = [(stock.origin + f, folder / f) for f in stock.files]
    else:
        urls = [(stock.origin, root / f"{CIFAR_TARGET}_archive")]
    sizes = [0] * len(urls)
    done_before = 0
    for i, (url, target) in enumerate(urls):
        def step(done: int, total: int, i: int = i) -> None:
            sizes[i] = total
            report(done_before + done, sum(sizes) or stock.megabytes * 1_000_000)

        _fetch(url, target, step, check, stock.title)
        done_before += target.stat().st_size
    if stock.name == CIFAR10.name:
        archive = urls[0][1]
        if hashlib.sha256(archive.read_bytes()).hexdigest() != stock.sha256:
            archive.unlink(missing_ok=True)
            raise DataError("the CIFAR-10 download was damaged (its checksum does not match); try again.")
        with tarfile.open(archive) as tar:  # the safe "data" filter where Python has it (3.10.12+, 3.11.4+)
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(root / CIFAR_TARGET, **safe)


def _fetch(url: str, target: Path, report: Callable[[int, int], None], check: Callable[[], None], title: str) -> None:
    import urllib.request

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=20) as response, open(partial, "wb") as out:
            total, done = int(response.headers.get("Content-Length") or 0), 0
            while chunk := response.read(1 << 16):
                check()
                out.write(chunk)
                done += len(chunk)
                report(done, total)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DataError(f"{title} could not be downloaded ({getattr(exc, 'reason', exc)}).") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
