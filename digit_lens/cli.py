"""Digit Lens: draw a digit and watch a convolutional network see it.

`digit-lens` (or `python main.py` in a checkout) opens the window; `classify`, `train`, `inspect`, `convolve` and
`watch` work on the command line. Every number and path a command is given is checked here, before anything is read or
allocated; a bad one is refused in one line.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import NoReturn

QUIET_TF_LOG_LEVEL = "3"  # TensorFlow's C++ log (cuInit errors on machines without a GPU included) stays quiet


def main(argv: list[str] | None = None) -> int:
    """Entry point of `digit-lens`, `python -m digit_lens` and `python main.py`."""
    args = _parser().parse_args(argv)
    if args.verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
    else:  # a user's own TF_CPP_MIN_LOG_LEVEL wins
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", QUIET_TF_LOG_LEVEL)
    return args.run(args)


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is said in one line (the usage is one `--help` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from model.inspect.kernels import SIZES
    from model.inspect.verdict import unsure_rule
    from model.nets.catalogue import ARCHITECTURE_SUMMARIES, SHIPPED_ARCHITECTURE
    from model.train import limits

    parser = _Parser(prog="digit-lens", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=_existing_file, help="a .keras or .h5 model (default: the shipped model)")
    parser.add_argument("--verbose", action="store_true", help="let TensorFlow's own log through to stderr")
    entry = parser.add_mutually_exclusive_group()
    entry.add_argument("--install-desktop-entry", dest="run", action="store_const", const=_desktop_entry("install"),
                       help="add Digit Lens to this user's applications menu (no root needed; safe to repeat)")
    entry.add_argument("--remove-desktop-entry", dest="run", action="store_const", const=_desktop_entry("remove"),
                       help="take it out of the menu again")
    parser.set_defaults(run=_run_gui)
    commands = parser.add_subparsers(title="commands", metavar="{gui,classify,train,inspect,convolve,watch}",
                                     parser_class=_Parser)

    def command(name: str, run, help: str, **kwargs) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, **kwargs)
        sub.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="let TensorFlow's own log through to stderr")
        sub.set_defaults(run=run)
        return sub

    gui = command("gui", _run_gui, "open the window (the default)")
    gui.add_argument("--model", type=_existing_file, default=argparse.SUPPRESS, help="a .keras or .h5 model")

    classify = command("classify", _command("classify", "run_classify"), "classify image files",
                       epilog=unsure_rule())
    classify.add_argument("images", nargs="+", metavar="IMAGE")
    classify.add_argument("--model", type=_existing_file, default=argparse.SUPPRESS, help="a .keras or .h5 model")
    classify.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_spec_options(classify)

    train = command("train", _command("train", "run_train"),
                    "train a model on MNIST, a stock data set or a folder of your own images")
    train.add_argument("--arch", choices=list(ARCHITECTURE_SUMMARIES),
                       help=f"the architecture (default: {SHIPPED_ARCHITECTURE}; colour_cnn with --folder or "
                            "--dataset cifar10, cnn_small with --dataset fashion_mnist)")
    train.add_argument("--folder", metavar="DIR", type=_existing_folder,
                       help="train on your own images: one subfolder per class, named after the class "
                            "(DIR/cats/*.jpg, DIR/dogs/*.jpg)")
    train.add_argument("--dataset", choices=("mnist", "fashion_mnist", "cifar10"), default="mnist",
                       help="a stock data set from Keras' cache (~/.keras/datasets or $KERAS_HOME; downloaded once "
                            "when it is not there): mnist (the default), fashion_mnist (28x28 grey, 10 kinds of "
                            "clothing) or cifar10 (32x32 colour, 10 classes of objects)")
    train.add_argument("--size", type=_int_in(*limits.IMAGE_SIDES),
                       help="with --folder or a stock set: the images' side in pixels (default: the architecture's, "
                            "else 64 for a folder and the set's own)")
    channels = train.add_mutually_exclusive_group()
    channels.add_argument("--grey", dest="channels", action="store_const", const=1,
                          help="with --folder or a stock set: grey images")
    channels.add_argument("--colour", dest="channels", action="store_const", const=3,
                          help="with --folder or a stock set: colour images (the default for a folder unless the "
                               "architecture is grey; a stock set's own otherwise)")
    train.add_argument("--epochs", type=_int_in(*limits.EPOCHS), default=5)
    train.add_argument("--batch-size", type=_int_in(*limits.BATCH_SIZES), default=128)
    train.add_argument("--learning-rate", type=_positive_float, default=1e-3)
    train.add_argument("--validation-split", type=_fraction, default=0.1, help="the share held out (0 to under 1)")
    train.add_argument("--augment", action="store_true", help="random rotations, shifts, scaling, shear, stroke thickness")
    train.add_argument("--cosine", action="store_true", help="decay the learning rate along a cosine")
    train.add_argument("--data", type=_existing_path,
                       help=".npz or IDX folder (default: $DIGIT_LENS_MNIST, else Keras' download); "
                            "a folder with class subfolders is read as --folder")
    train.add_argument("--limit", type=_int_in(*limits.LIMIT), help="train on the first N training digits only")
    train.add_argument("--out", default="model.keras", help="where to write the model (default: model.keras)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--csv", metavar="FILE", help="log every epoch's loss and accuracy to this CSV file as training "
                                                     "goes (Keras' CSVLogger)")
    train.add_argument("--run-dir", metavar="DIR", help="record the run into DIR as digit_lens.recorder does (metrics, "
                                                         "weight snapshots, run.json, the probe), to watch it")
    train.add_argument("--styles", type=_int_in(*limits.EXTRA_DIGITS), default=0, metavar="N",
                       help="mix N handwriting-style digits (flagged 1, crossed 7, open 4, hooked 9, ...) "
                            "made at train time into the training digits")
    train.add_argument("--scans", type=_int_in(*limits.EXTRA_DIGITS), default=0, metavar="N",
                       help="add N digits scanned as old digit forms were (half of them training digits, half "
                            "style digits written with a form-filler's pen): 14-40 px, often black and white, some "
                            "stretched to fill their box")
    train.add_argument("--unipen", metavar="NPZ", type=_existing_file,
                       help="add real pen handwriting: the training writers of a unipen_digits.npz (UNIPEN; its "
                            "held-out writers are never used), each digit drawn on the canvas as the window draws it")
    train.add_argument("--unipen-copies", type=_int_in(1, 100), default=2, metavar="K",
                       help="with --unipen: draw each digit K times, each with its own sampling, size, place and "
                            "brush (default 2)")
    train.add_argument("--usps", metavar="NPZ", type=_existing_file,
                       help="add the training digits of a usps.npz (USPS zip-code scans)")
    train.add_argument("--init", metavar="MODEL", type=_existing_file,
                       help="start from this model's weights (fine-tuning) instead of a fresh --arch model")
    train.add_argument("--devices", type=_device_choice, default="all", metavar="all|cpu|N",
                       help="where to train: all (default) mirrors the model on every visible GPU with "
                            "tf.distribute.MirroredStrategy (the CPU when there is none), cpu the CPU alone, N the first "
                            "N GPUs. --batch-size is the global batch: each step's batch is split evenly over the "
                            "devices (128 on 2 GPUs: 64 each); multiply it by N to give each device as much as one had")

    inspect = command("inspect", _command("classify", "run_inspect"), "show a model's data-flow table")
    inspect.add_argument("image", nargs="?", metavar="IMAGE")
    inspect.add_argument("--model", type=_existing_file, default=argparse.SUPPRESS, help="a .keras or .h5 model")
    _add_spec_options(inspect)

    convolve = command("convolve", _command("convolve", "run_convolve"),
                       "one kernel by hand: convolution, ReLU, pooling, flatten, dense")
    convolve.add_argument("image", metavar="IMAGE")
    convolve.add_argument("--kernel", action="append", metavar="NAME|ROWS",
                          help='a preset (e.g. laplacian_4, sobel_x) or rows such as "0,1,0;1,-4,1;0,1,0"; '
                               "repeat for several output channels (default: laplacian_4)")
    convolve.add_argument("--size", type=_int_in(*SIZES), default=300,
                          help=f"the grey image's side, {SIZES[0]} to {SIZES[1]} (default: 300)")
    convolve.add_argument("--stride", type=int, choices=(1, 2, 3), default=1)
    convolve.add_argument("--padding", choices=("same", "valid"), default="same")
    convolve.add_argument("--seed", type=int, default=0, help="seed of the untrained dense layer's weights")
    convolve.add_argument("--npz", metavar="FILE", type=_writable_file,
                          help="save input, conv, relu, pool, flat and dense (float32, no batch axis; "
                               "maps of one channel as 2-D arrays)")

    watch = command("watch", _run_watch, "follow a training run's folder (written by digit_lens.recorder, or by "
                                         "Keras' CSVLogger, ModelCheckpoint and TensorBoard callbacks)")
    watch.add_argument("folder", metavar="DIR", type=_existing_folder)
    watch.add_argument("--print", action="store_true", help="print one JSON object per epoch in the terminal, until "
                                                            "the run's recorder marks its end or Ctrl-C")
    watch.add_argument("--model", type=_existing_file, default=argparse.SUPPRESS,
                       help="the model Draw & Inspect starts with")
    return parser


def _add_spec_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--preprocess", choices=("digit", "photo"),
                         help="digit: MNIST-style (ink found, cropped, centred); photo: plain resize "
                              "(default: digit for 28x28 grey models, photo otherwise)")
    command.add_argument("--labels", metavar="FILE", type=_existing_file,
                         help="class names, one per line ('0 cats' as Teachable Machine writes, or plain names)")


def _int_in(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is out of range: {low:,} to {high:,}")
        return value
    parse.__name__ = "number"  # what argparse names in its message for a value it cannot convert
    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _device_choice(text: str) -> str:
    from model.train.devices import DeviceError, check_choice

    try:
        return check_choice(text.lower())
    except DeviceError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive_float(text: str) -> float:
    value = _number(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _fraction(text: str) -> float:
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not from 0 to under 1")
    return value


def _existing_file(text: str) -> str:
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"{text}: {'a folder, not a file' if os.path.isdir(text) else 'not found'}")
    return text


def _existing_folder(text: str) -> str:
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text}: {'a file, not a folder' if os.path.exists(text) else 'not found'}")
    return text


def _existing_path(text: str) -> str:
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"{text}: not found")
    return text


def _writable_file(text: str) -> str:
    folder = os.path.dirname(os.path.abspath(text))
    if os.path.isdir(text) or not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
        raise argparse.ArgumentTypeError(f"{text}: cannot write a file there")
    return text


def _desktop_entry(action: str):
    """`digit_lens.desktop_entry.<action>` (install or remove) as a command: it prints what it did."""
    def run(args: argparse.Namespace) -> int:
        from digit_lens import desktop_entry

        for line in getattr(desktop_entry, action)():
            print(line)
        return 0
    return run


def _run_gui(args: argparse.Namespace) -> int:
    from gui.app import run_app

    return run_app(model_path=args.model)


def _run_watch(args: argparse.Namespace) -> int:
    if args.print:
        from model.commands.watch import run_watch_print

        return run_watch_print(args)
    from gui.app import run_app

    return run_app(model_path=args.model, watch=args.folder)


def _command(module: str, function: str):
    """`model.commands.<module>.<function>`, imported when the command runs (so `--help` stays quick)."""
    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(f"model.commands.{module}"), function)(args)
    return run


if __name__ == "__main__":
    sys.exit(main())
