"""`train`: a model trained on MNIST, a stock data set or a folder of images, with a progress bar and an epoch table;
a model of a folder or stock set also gets its index of training pictures for "how unlike the training data"."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from model.commands.report import fail


def run_train(args: argparse.Namespace) -> int:
    from model.data.mnist import DataError
    from model.data.stock import STOCK_SETS, check_reachable, is_cached
    from model.runtime import import_tensorflow

    if args.dataset in STOCK_SETS:
        problem = _stock_options_problem(args)
        if problem:
            return fail(problem)
    if args.dataset in STOCK_SETS and not is_cached(args.dataset):
        try:  # offline: one sentence within seconds, before TensorFlow's start-up and not after Keras' long wait
            check_reachable(STOCK_SETS[args.dataset])
        except DataError as exc:
            return fail(f"--dataset {args.dataset}: {exc}")
    import_tensorflow()
    from model.train.devices import split_cpu_from_env

    split_cpu_from_env()  # $DIGIT_LENS_LOGICAL_CPUS, before TensorFlow sets up its devices
    from model.nets.catalogue import SHIPPED_ARCHITECTURE
    from model.data.mnist import DataError, load_mnist
    from model.nets.store import ModelFileError, check_save_path

    try:  # every argument is checked before any training starts
        out = check_save_path(args.out)
    except ModelFileError as exc:
        return fail(f"--out {args.out}: {exc}")
    if args.csv and not (Path(args.csv).parent.is_dir() and os.access(Path(args.csv).parent, os.W_OK)):
        return fail(f"--csv {args.csv}: cannot write a file there.")
    if args.run_dir:
        try:
            Path(args.run_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return fail(f"--run-dir {args.run_dir}: cannot create the folder ({exc.strerror}).")
        if not os.access(args.run_dir, os.W_OK):
            return fail(f"--run-dir {args.run_dir}: cannot write there.")
    if args.data and Path(args.data).is_dir() and any(p.is_dir() for p in Path(args.data).iterdir()):
        args.folder, args.data = args.data, None  # subfolders, not IDX files: a folder of images, one per class
    if args.folder:
        return _train_on_folder(args, out)
    if args.dataset != "mnist":
        return _train_on_stock(args, out)
    if args.size or args.channels:
        return fail("--size, --grey and --colour go with --folder or a stock set (MNIST digits are 28x28 grey).")
    args.arch = args.arch or SHIPPED_ARCHITECTURE
    problem = _check_real_writers(args)
    if problem:
        return fail(problem)
    try:
        data = load_mnist(args.data)
    except DataError as exc:
        return fail(f"--data: {exc}")
    return _subset_split_and_train(args, data, out)


def _subset_split_and_train(args: argparse.Namespace, data, out: Path) -> int:
    """--limit, the validation split, then the run: MNIST and the stock sets alike."""
    if args.limit:
        data = data.subset(args.limit)
    try:
        data.split(args.validation_split)
    except ValueError as exc:
        return fail(f"--validation-split: {exc}")
    return _train_and_save(args, data, out)


def _train_on_folder(args: argparse.Namespace, out: Path) -> int:
    """`train --folder`: the folder's files listed (no picture read yet), then the usual run, which decodes them."""
    from model.nets.catalogue import USUAL_SHAPES
    from model.data.image_folder import DEFAULT_SIDE, FolderError, open_image_folder

    for given, flag in ((args.data, "--data"), (args.init, "--init"), (args.limit, "--limit"),
                        (args.augment, "--augment"), (args.styles, "--styles"), (args.scans, "--scans"),
                        (args.unipen, "--unipen"), (args.usps, "--usps")):
        if given:
            return fail(f"{flag} is for MNIST digits; it does not go with --folder.")
    args.arch = args.arch or "colour_cnn"
    side, _, channels = USUAL_SHAPES.get(args.arch, (DEFAULT_SIDE, DEFAULT_SIDE, 3))
    try:
        data = open_image_folder(args.folder, args.size or side, args.channels or channels,
                                 args.validation_split, args.seed)
    except FolderError as exc:
        return fail(f"--folder: {exc}")
    except ValueError as exc:
        return fail(f"--validation-split: {exc}")
    if data.ignored:
        print(f"digit-lens: {len(data.ignored)} file{'s' if len(data.ignored) > 1 else ''} without a picture's name "
              f"ignored: {', '.join(data.ignored[:3])}{', ...' if len(data.ignored) > 3 else ''}.", file=sys.stderr)
    try:
        return _train_and_save(args, data, out)
    finally:
        data.close()


def _train_on_stock(args: argparse.Namespace, out: Path) -> int:
    """`train --dataset fashion_mnist|cifar10`: the set from Keras' cache (downloaded first when it is not there)."""
    from model.data.mnist import DataError
    from model.data.stock import STOCK_SETS, download, is_cached, load_stock
    from model.nets.catalogue import USUAL_SHAPES

    stock = STOCK_SETS[args.dataset]
    args.arch = args.arch or ("colour_cnn" if stock.shape[2] == 3 else "cnn_small")
    side, _, channels = USUAL_SHAPES.get(args.arch, stock.shape)
    try:
        if not is_cached(stock.name):
            print(f"Downloading {stock.title} ({stock.megabytes} MB) into Keras' cache (once)...", file=sys.stderr, flush=True)
            download(stock.name)
        data = load_stock(stock.name, args.size or side, args.channels or channels)
    except DataError as exc:
        return fail(f"--dataset {args.dataset}: {exc}")
    return _subset_split_and_train(args, data, out)


def _stock_options_problem(args: argparse.Namespace) -> str | None:
    """What does not go with --dataset fashion_mnist|cifar10, in one sentence; None when all does."""
    if args.folder:
        return f"--dataset {args.dataset} and --folder are two sources of training pictures: choose one."
    for given, flag in ((args.data, "--data"), (args.init, "--init"), (args.augment, "--augment"),
                        (args.styles, "--styles"), (args.scans, "--scans"), (args.unipen, "--unipen"),
                        (args.usps, "--usps")):
        if given:
            return f"{flag} is for MNIST digits; it does not go with --dataset {args.dataset}."
    return None


def _check_real_writers(args: argparse.Namespace) -> str | None:
    """Why --unipen or --usps cannot be used (read now, before any training), or None."""
    from model.data.mnist import DataError
    from model.data.unipen import load_unipen
    from model.data.usps import load_usps

    for path, flag, load in ((args.unipen, "--unipen", load_unipen), (args.usps, "--usps", load_usps)):
        if path:
            try:
                load(path)
            except DataError as exc:
                return f"{flag}: {exc}"
    return None


def _train_and_save(args: argparse.Namespace, data, out: Path) -> int:
    from model.nets.architectures import build_for
    from model.nets.store import ModelFileError, load_model, save_model_atomic
    from model.train.devices import DeviceError, describe, strategy_for
    from model.train.training import TrainConfig, evaluate, train

    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                         validation_split=args.validation_split, augment=args.augment,
                         cosine_decay=args.cosine, seed=args.seed, styles=max(0, args.styles), scans=max(0, args.scans),
                         unipen=args.unipen, unipen_copies=args.unipen_copies, usps=args.usps, csv_log=args.csv)
    names = getattr(data, "class_names", None)  # a folder's classes; None for MNIST's digits
    try:
        strategy = strategy_for(args.devices)
    except DeviceError as exc:
        return fail(f"--devices: {exc}")
    with strategy.scope():  # the model's variables on every device the run uses
        if args.init:
            try:
                model = load_model(args.init)
            except ModelFileError as exc:
                return fail(f"--init: {exc}")
        else:
            model = build_for(args.arch, data)
    if hasattr(data, "files"):  # a folder, listed: which files are pictures shows as they are read
        what = f"{len(data.files):,} picture files in {len(names)} classes ({', '.join(names)})"
    else:
        what = f"{len(data.x_train):,} images in {len(names)} classes ({', '.join(names)})" if names else \
            f"{len(data.x_train):,} digits"
    print(f"Training {model.name if args.init else args.arch}{f' from {args.init}' if args.init else ''} "
          f"({model.count_params():,} parameters) on {data.source}: "
          f"{what}, {config.validation_split:.0%} held out for validation"
          f"{f', plus {config.styles:,} handwriting-style digits' if config.styles else ''}"
          f"{f', plus {config.scans:,} scanned small' if config.scans else ''}"
          f"{f', plus UNIPEN training writers drawn {config.unipen_copies}x on the canvas' if config.unipen else ''}"
          f"{', plus USPS training digits' if config.usps else ''}"
          f"{', augmented' if config.augment else ''}; on {describe(strategy, config.batch_size)}.", flush=True)
    started = time.perf_counter()
    table = _EpochTable(config.epochs, config.batch_size, "images/s" if names else "digits/s", getattr(data, "progress", None))
    try:
        recording = []
        if args.run_dir:
            from model.train.run_folder import recorder_for

            recording.append(recorder_for(args.run_dir, data))
        result = train(model, data, config, on_batch=table.batch, on_epoch=table.epoch, extra_callbacks=recording)
    except KeyboardInterrupt:
        table.interrupted()
        print("\nInterrupted: nothing written.", file=sys.stderr)
        return 130
    if getattr(data, "skipped", ()):
        print(f"digit-lens: {data.skipped_note()}.", file=sys.stderr)
    if result.diverged:
        return fail(f"{result.message} Nothing written: {out} is unchanged.")
    if result.stopped:
        print(result.message, file=sys.stderr)
    info = _measured_info(model, data, evaluate, result, config.batch_size)
    try:
        save_model_atomic(model, out, info=info)
    except (ModelFileError, OSError) as exc:
        return fail(f"the trained model could not be written to {out} ({exc}).")
    print(f"Trained in {time.perf_counter() - started:.0f} s; model written to {out}.")
    if names and result.history:
        _index_training_pictures(model, data, config.validation_split)
    return 1 if result.stopped and not result.history else 0


def _index_training_pictures(model, data, validation_split: float) -> None:
    """Keep the training pictures that "how unlike the training data" compares with (their features are computed
    when the model is first opened in the window)."""
    from model.inspect.novelty import NoveltyUnavailable, keep_training_pictures, training_title

    try:
        path, kept, held_out = keep_training_pictures(model, data, validation_split)
    except NoveltyUnavailable as exc:
        print(f"digit-lens: {exc}", file=sys.stderr)
        return
    where = f"in {path} ({path.stat().st_size / 1e6:.1f} MB)" if path else "nowhere (the cache cannot be written)"
    print(f"Kept {kept:,} {training_title(data)} and {held_out:,} held-out pictures for 'how unlike the training "
          f"data' {where}; compared with once the model is opened in the window.")


def _measured_info(model, data, evaluate, result, batch_size: int) -> dict:
    """Accuracy on the test digits (or a folder's held-out images), printed, and what the saved model keeps."""
    names = getattr(data, "class_names", None)
    if names is None:
        accuracy, _ = evaluate(model, data.x_test, data.y_test)
        print(f"Test accuracy: {accuracy:.2%} on {len(data.x_test):,} MNIST test digits.")
        return {"test_accuracy": accuracy, "test_digits": len(data.x_test)}
    info = {"class_names": list(names), "preprocessing": "photo", "trained_on": data.source}
    if hasattr(data, "stock"):  # a stock set: its own test pictures, and Sample draws from them
        accuracy, _ = evaluate(model, data.x_test, data.y_test)
        print(f"Test accuracy: {accuracy:.2%} on {data.test_set()}.")
        return {**info, "dataset": data.stock.name, "test_accuracy": accuracy, "test_set": data.test_set()}
    if not len(data.x_test):
        print("No images held out (--validation-split 0): accuracy not measured.")
        return info
    last = result.history[-1] if result.history else None
    if last is not None and last.complete and last.val_accuracy == last.val_accuracy:
        accuracy = last.val_accuracy  # Keras measured it on these very images after the last batch
    else:
        accuracy, _ = evaluate(model, data.x_test, data.y_test, batch_size=batch_size)
    test_set = f"{len(data.x_test):,} held-out images of {Path(data.source).name}"
    print(f"Held-out accuracy: {accuracy:.2%} on the {test_set}.")
    return {**info, "test_accuracy": accuracy, "test_set": f"the {test_set}"}


class _EpochTable:
    """A progress line during each epoch (on stderr: redrawn on a terminal, a plain line every few seconds in a
    log), with a folder's reading figures while its pictures are first read, and a table row on stdout at its end."""

    HEADER = f"{'epoch':>5}  {'loss':>8}  {'accuracy':>8}  {'val_loss':>8}  {'val_acc':>8}  {'seconds':>7}"

    def __init__(self, epochs: int, batch_size: int, unit: str = "digits/s", reading=None) -> None:
        from model.commands.progress import ProgressLine

        self.epochs = epochs
        self.batch_size = batch_size
        self.unit = unit
        self.reading = reading  # model.data.image_folder.ReadProgress, or None
        self._line = ProgressLine()
        print(self.HEADER, flush=True)

    def batch(self, progress) -> None:
        from model.commands.progress import duration

        left = (progress.batches_per_epoch - progress.batch) * self.batch_size / max(progress.samples_per_second, 1e-9)
        settled = progress.batch >= 3  # the first batches' rate includes setting the epoch up
        reading = self.reading is not None and not self.reading.finished
        self._line.show(f"epoch {progress.epoch + 1}/{self.epochs}  batch {progress.batch}/{progress.batches_per_epoch}"
                        f"  loss {progress.loss:.4f}  acc {progress.accuracy:.4f}"
                        + (f"  {progress.samples_per_second:,.0f} {self.unit}  epoch ETA {duration(max(left, 0))}"
                           if settled else "")
                        + (f"  | {self.reading.line()}" if reading else ""))

    def epoch(self, result) -> None:
        self._line.done()
        print(f"{result.epoch:>5}  {result.loss:>8.4f}  {result.accuracy:>8.4f}  {result.val_loss:>8.4f}  "
              f"{result.val_accuracy:>8.4f}  {result.seconds:>7.1f}", flush=True)

    def interrupted(self) -> None:
        self._line.done()
