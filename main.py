"""Digit Lens: draw a digit and watch a convolutional network see it.

`python main.py` opens the window; `classify`, `train`, `inspect` and `convolve` work on the command line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python main.py` and the `digit-lens` command."""
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    from model.nets.catalogue import ARCHITECTURE_SUMMARIES, SHIPPED_ARCHITECTURE

    parser = argparse.ArgumentParser(prog="digit-lens", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a .keras or .h5 model (default: the shipped model)")
    parser.set_defaults(run=_run_gui)
    commands = parser.add_subparsers(title="commands", metavar="{gui,classify,train,inspect,convolve}")

    gui = commands.add_parser("gui", help="open the window (the default)")
    gui.add_argument("--model", default=argparse.SUPPRESS, help="a .keras or .h5 model")
    gui.set_defaults(run=_run_gui)

    classify = commands.add_parser("classify", help="classify image files")
    classify.add_argument("images", nargs="+", metavar="IMAGE")
    classify.add_argument("--model", default=argparse.SUPPRESS, help="a .keras or .h5 model")
    classify.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_spec_options(classify)
    classify.set_defaults(run=_run_classify)

    train = commands.add_parser("train", help="train a model on MNIST or on a folder of your own images")
    train.add_argument("--arch", choices=list(ARCHITECTURE_SUMMARIES),
                       help=f"the architecture (default: {SHIPPED_ARCHITECTURE}; colour_cnn with --folder)")
    train.add_argument("--folder", metavar="DIR", help="train on your own images: one subfolder per class, named after "
                                                       "the class (DIR/cats/*.jpg, DIR/dogs/*.jpg)")
    train.add_argument("--size", type=_positive_int, help="with --folder: the images' side in pixels "
                                                          "(default: the architecture's, else 64)")
    channels = train.add_mutually_exclusive_group()
    channels.add_argument("--grey", dest="channels", action="store_const", const=1, help="with --folder: grey images")
    channels.add_argument("--colour", dest="channels", action="store_const", const=3,
                          help="with --folder: colour images (the default unless the architecture is grey)")
    train.add_argument("--epochs", type=_positive_int, default=5)
    train.add_argument("--batch-size", type=_positive_int, default=128)
    train.add_argument("--learning-rate", type=_positive_float, default=1e-3)
    train.add_argument("--validation-split", type=float, default=0.1)
    train.add_argument("--augment", action="store_true", help="random rotations, shifts, scaling, shear, stroke thickness")
    train.add_argument("--cosine", action="store_true", help="decay the learning rate along a cosine")
    train.add_argument("--data", help=".npz or IDX folder (default: $DIGIT_LENS_MNIST, else Keras' download); "
                                      "a folder with class subfolders is read as --folder")
    train.add_argument("--limit", type=_positive_int, help="train on the first N training digits only")
    train.add_argument("--out", default="model.keras", help="where to write the model (default: model.keras)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--styles", type=int, default=0, metavar="N",
                       help="mix N handwriting-style digits (flagged 1, crossed 7, open 4, hooked 9, ...) "
                            "made at train time into the training digits")
    train.add_argument("--init", metavar="MODEL", help="start from this model's weights (fine-tuning) "
                                                        "instead of a fresh --arch model")
    train.set_defaults(run=_run_train)

    inspect = commands.add_parser("inspect", help="show a model's data-flow table")
    inspect.add_argument("image", nargs="?", metavar="IMAGE")
    inspect.add_argument("--model", default=argparse.SUPPRESS, help="a .keras or .h5 model")
    _add_spec_options(inspect)
    inspect.set_defaults(run=_run_inspect)

    convolve = commands.add_parser("convolve", help="one kernel by hand: convolution, ReLU, pooling, flatten, dense")
    convolve.add_argument("image", metavar="IMAGE")
    convolve.add_argument("--kernel", action="append", metavar="NAME|ROWS",
                          help='a preset (e.g. laplacian_4, sobel_x) or rows such as "0,1,0;1,-4,1;0,1,0"; '
                               "repeat for several output channels (default: laplacian_4)")
    convolve.add_argument("--size", type=_positive_int, default=300, help="the grey image's side (default: 300)")
    convolve.add_argument("--stride", type=int, choices=(1, 2, 3), default=1)
    convolve.add_argument("--padding", choices=("same", "valid"), default="same")
    convolve.add_argument("--seed", type=int, default=0, help="seed of the untrained dense layer's weights")
    convolve.add_argument("--npz", metavar="FILE", help="save input, conv, relu, pool, flat and dense (float32, no batch axis; "
                                                        "maps of one channel as 2-D arrays)")
    convolve.set_defaults(run=_run_convolve)
    return parser


def _add_spec_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--preprocess", choices=("digit", "photo"),
                         help="digit: MNIST-style (ink found, cropped, centred); photo: plain resize "
                              "(default: digit for 28x28 grey models, photo otherwise)")
    command.add_argument("--labels", metavar="FILE",
                         help="class names, one per line ('0 cats' as Teachable Machine writes, or plain names)")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _fail(message: str) -> int:
    print(f"digit-lens: {message}", file=sys.stderr)
    return 2


def _run_gui(args: argparse.Namespace) -> int:
    from gui.app import run_app

    return run_app(model_path=args.model)


def _load_inspector(args: argparse.Namespace):
    """The Inspector of --model, its spec from the file, --labels and --preprocess; None after a message."""
    from model.inspect.inspection import Inspector, UnusableModelError
    from model.nets.labels import LabelsError
    from model.spec import spec_for
    from model.nets.store import SHIPPED_MODEL, ModelFileError, load_model, read_info

    try:
        model = load_model(args.model)
        spec = spec_for(model, read_info(args.model), args.model or SHIPPED_MODEL, args.labels, args.preprocess)
        return Inspector(model, spec)
    except (ModelFileError, UnusableModelError, LabelsError) as exc:
        _fail(str(exc))
        return None


def _blank_message(inspector, name: str) -> str:
    if inspector.spec.preprocessing == "digit":
        return f"{name}: no digit found (the image is blank)."
    return f"{name}: the image is one flat colour; there is nothing to classify."


def _run_classify(args: argparse.Namespace) -> int:
    from model.data.images import ImageFileError, load_image
    from model.inspect.verdict import verdict

    inspector = _load_inspector(args)
    if inspector is None:
        return 2
    status = 0
    for name in args.images:
        try:
            prepared, inspection = inspector.classify(load_image(name))
        except ImageFileError as exc:
            print(f"digit-lens: {exc}", file=sys.stderr)
            status = 1
            continue
        if inspection is None:
            print(f"digit-lens: {_blank_message(inspector, name)}", file=sys.stderr)
            status = 1
            continue
        answer = verdict(inspection.probabilities, inspector.spec.class_names)
        if args.json:
            digit = {"digit": inspection.digit} if inspector.spec.is_digit_model else {}
            print(_json_line({"file": name, "label": inspection.label, **digit, "confidence": inspection.confidence,
                              "unsure": answer.unsure, "runner_up": answer.runner_up,
                              "runner_up_label": answer.names[answer.runner_up],
                              "probabilities": [float(p) for p in inspection.probabilities]}), flush=True)
        else:
            print(f"{name}: {_answer_text(answer)}", flush=True)
    return status


def _answer_text(answer) -> str:
    """"7 (98.2%)", or "7 (54.0%), or maybe 2 (40.1%) — unsure"."""
    text = f"{answer.names[answer.top]} ({answer.confidence:.1%})"
    if answer.unsure:
        text += f", or maybe {answer.names[answer.runner_up]} ({answer.runner_up_confidence:.1%}) — unsure"
    return text


def _json_line(record: dict) -> str:
    """One line of strict JSON: numbers that are not finite become null (JSON has no NaN)."""
    def finite(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return [finite(v) for v in value] if isinstance(value, list) else value

    return json.dumps({key: finite(value) for key, value in record.items()}, allow_nan=False)


def _run_train(args: argparse.Namespace) -> int:
    from model.nets.catalogue import SHIPPED_ARCHITECTURE
    from model.data.mnist import DataError, load_mnist
    from model.nets.store import ModelFileError, check_save_path

    try:  # every argument is checked before any training starts
        out = check_save_path(args.out)
    except ModelFileError as exc:
        return _fail(f"--out {args.out}: {exc}")
    if args.data and Path(args.data).is_dir() and any(p.is_dir() for p in Path(args.data).iterdir()):
        args.folder, args.data = args.data, None  # subfolders, not IDX files: a folder of images, one per class
    if args.folder:
        return _train_on_folder(args, out)
    if args.size or args.channels:
        return _fail("--size, --grey and --colour go with --folder (MNIST digits are 28x28 grey).")
    args.arch = args.arch or SHIPPED_ARCHITECTURE
    try:
        data = load_mnist(args.data)
    except DataError as exc:
        return _fail(f"--data: {exc}")
    if args.limit:
        data = data.subset(args.limit)
    try:
        data.split(args.validation_split)
    except ValueError as exc:
        return _fail(f"--validation-split: {exc}")
    return _train_and_save(args, data, out)


def _train_on_folder(args: argparse.Namespace, out: Path) -> int:
    """`train --folder`: the folder's images at the chosen size, then the usual run."""
    from model.nets.catalogue import USUAL_SHAPES
    from model.data.image_folder import DEFAULT_SIDE, FolderError, load_image_folder

    for given, flag in ((args.data, "--data"), (args.init, "--init"), (args.limit, "--limit"),
                        (args.augment, "--augment"), (args.styles, "--styles")):
        if given:
            return _fail(f"{flag} is for MNIST digits; it does not go with --folder.")
    args.arch = args.arch or "colour_cnn"
    side, _, channels = USUAL_SHAPES.get(args.arch, (DEFAULT_SIDE, DEFAULT_SIDE, 3))
    print(f"Reading {args.folder}...", flush=True)
    try:
        data = load_image_folder(args.folder, args.size or side, args.channels or channels,
                                 args.validation_split, args.seed)
        data.split(args.validation_split)
    except FolderError as exc:
        return _fail(f"--folder: {exc}")
    except ValueError as exc:
        return _fail(f"--validation-split: {exc}")
    if data.skipped:
        print(f"digit-lens: {data.skipped_note()}.", file=sys.stderr)
    return _train_and_save(args, data, out)


def _train_and_save(args: argparse.Namespace, data, out: Path) -> int:
    from model.nets.architectures import build
    from model.nets.store import ModelFileError, load_model, save_model_atomic
    from model.train.training import TrainConfig, evaluate, train

    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                         validation_split=args.validation_split, augment=args.augment,
                         cosine_decay=args.cosine, seed=args.seed, styles=max(0, args.styles))
    names = getattr(data, "class_names", None)  # a folder's classes; None for MNIST's digits
    if args.init:
        try:
            model = load_model(args.init)
        except ModelFileError as exc:
            return _fail(f"--init: {exc}")
    else:
        model = build(args.arch, *((data.x_train.shape[1:], len(names)) if names else ((28, 28, 1), 10)))
    what = f"{len(data.x_train):,} images in {len(names)} classes ({', '.join(names)})" if names else \
        f"{len(data.x_train):,} digits"
    print(f"Training {model.name if args.init else args.arch}{f' from {args.init}' if args.init else ''} "
          f"({model.count_params():,} parameters) on {data.source}: "
          f"{what}, {config.validation_split:.0%} held out for validation"
          f"{f', plus {config.styles:,} handwriting-style digits' if config.styles else ''}"
          f"{', augmented' if config.augment else ''}.", flush=True)
    started = time.perf_counter()
    table = _EpochTable(config.epochs, "images/s" if names else "digits/s")
    try:
        result = train(model, data, config, on_batch=table.batch, on_epoch=table.epoch)
    except KeyboardInterrupt:
        print("\nInterrupted: nothing written.", file=sys.stderr)
        return 130
    if result.diverged:
        return _fail(f"{result.message} Nothing written: {out} is unchanged.")
    if result.stopped:
        print(result.message, file=sys.stderr)
    info = _measured_info(model, data, evaluate)
    try:
        save_model_atomic(model, out, info=info)
    except (ModelFileError, OSError) as exc:
        return _fail(f"the trained model could not be written to {out} ({exc}).")
    print(f"Trained in {time.perf_counter() - started:.0f} s; model written to {out}.")
    return 1 if result.stopped and not result.history else 0


def _measured_info(model, data, evaluate) -> dict:
    """Accuracy on the test digits (or a folder's held-out images), printed, and what the saved model keeps."""
    names = getattr(data, "class_names", None)
    if names is None:
        accuracy, _ = evaluate(model, data.x_test, data.y_test)
        print(f"Test accuracy: {accuracy:.2%} on {len(data.x_test):,} MNIST test digits.")
        return {"test_accuracy": accuracy, "test_digits": len(data.x_test)}
    info = {"class_names": list(names), "preprocessing": "photo", "trained_on": data.source}
    if not len(data.x_test):
        print("No images held out (--validation-split 0): accuracy not measured.")
        return info
    accuracy, _ = evaluate(model, data.x_test, data.y_test)
    test_set = f"{len(data.x_test):,} held-out images of {Path(data.source).name}"
    print(f"Held-out accuracy: {accuracy:.2%} on the {test_set}.")
    return {**info, "test_accuracy": accuracy, "test_set": f"the {test_set}"}


class _EpochTable:
    """A Keras progress bar during each epoch (on stderr) and a table row on stdout at its end."""

    HEADER = f"{'epoch':>5}  {'loss':>8}  {'accuracy':>8}  {'val_loss':>8}  {'val_acc':>8}  {'seconds':>7}"

    def __init__(self, epochs: int, unit: str = "digits/s") -> None:
        self.epochs = epochs
        self.unit = unit
        self._bar = None
        print(self.HEADER, flush=True)

    def batch(self, progress) -> None:
        from contextlib import redirect_stdout

        import keras

        with redirect_stdout(sys.stderr):  # the bar on stderr (a live bar when that is a terminal), the table on stdout
            if self._bar is None or progress.batch == 1:
                self._bar = keras.utils.Progbar(progress.batches_per_epoch, interval=0.2, unit_name="batch",
                                                stateful_metrics=["loss", "acc", self.unit])
            self._bar.update(progress.batch, [("loss", progress.loss), ("acc", progress.accuracy),
                                              (self.unit, progress.samples_per_second)])

    def epoch(self, result) -> None:
        self._bar = None
        print(f"{result.epoch:>5}  {result.loss:>8.4f}  {result.accuracy:>8.4f}  {result.val_loss:>8.4f}  "
              f"{result.val_accuracy:>8.4f}  {result.seconds:>7.1f}", flush=True)


def _run_inspect(args: argparse.Namespace) -> int:
    from model.data.images import ImageFileError, load_image
    from model.spec import PREPROCESSING
    from model.inspect.verdict import verdict

    inspector = _load_inspector(args)
    if inspector is None:
        return 2
    spec = inspector.spec
    print(f"{inspector.name}: {inspector.parameter_count:,} parameters")
    print(f"input: {'x'.join(map(str, spec.input_shape))}, values {spec.value_range}; "
          f"preprocessing: {PREPROCESSING[spec.preprocessing]}")
    print(f"classes ({spec.num_classes}): {', '.join(spec.class_names)}" + (f"\n{spec.describe_output()}" if spec.binary else ""))
    width = max(len(stage.name) for stage in inspector.stages)
    shapes = max(len(stage.shape_text) for stage in inspector.stages)
    for stage in inspector.stages:
        print(f"{stage.name:<{width}}  {stage.shape_text:<{shapes}}  {stage.description}")
    if args.image is None:
        return 0
    try:
        prepared, inspection = inspector.classify(load_image(args.image))
    except ImageFileError as exc:
        return _fail(str(exc))
    print(f"\nPreprocessing {Path(args.image).name}:")
    for step in prepared.steps:
        print(f"  {step.name:<16} {step.image.shape[0]}x{step.image.shape[1]}")
    if inspection is None:
        print(prepared.message)
        return 1
    print(f"Prediction: {_answer_text(verdict(inspection.probabilities, spec.class_names))}")
    return 0


def _run_convolve(args: argparse.Namespace) -> int:
    import numpy as np

    from model.data.images import ImageFileError, load_image
    from model.inspect.kernels import Convolution, KernelError, forward, kernel_from_text, to_grey

    try:
        kernels = [kernel_from_text(text) for text in args.kernel or ["laplacian_4"]]
        if len({kernel.shape for kernel in kernels}) > 1:
            raise KernelError("the kernels differ in size ("
                              + ", ".join(f"{k.shape[0]}x{k.shape[1]}" for k in kernels) + "); one layer needs one size")
        image = to_grey(load_image(args.image), args.size)
        stages = forward(image, Convolution(np.stack(kernels), args.stride, args.padding), seed=args.seed)
    except ImageFileError as exc:
        print(f"digit-lens: {exc}", file=sys.stderr)
        return 1
    except KernelError as exc:
        return _fail(str(exc))
    side = f"{kernels[0].shape[0]}x{kernels[0].shape[1]}"
    notes = [f"grey, {args.size}x{args.size}, 0..1", f"{len(kernels)} kernel(s) {side}, stride {args.stride}, "
             f"padding {args.padding}", "negatives set to 0", "2x2 max, stride 2", "",
             f"untrained, random weights (seed {args.seed}), ReLU"]
    for name, shape, note in zip(("input", "conv", "relu", "pool", "flat", "dense"), stages.shapes(), notes):
        print(f"{name:<6} {str(shape):<20} {note}")
    print("first 20 flattened values:", np.array2string(stages.flat[:20], precision=4, suppress_small=True,
                                                         max_line_width=100))
    if args.npz:
        try:
            np.savez(args.npz, **stages.arrays())
        except OSError as exc:
            return _fail(f"--npz {args.npz}: cannot write ({exc.strerror or exc}).")
        print(f"Saved {args.npz}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
