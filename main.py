"""Digit Lens: draw a digit and watch a convolutional network see it.

`python main.py` opens the window; `classify`, `train`, `inspect` and `convolve` work on the command line.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python main.py` and the `digit-lens` command."""
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    from model.inspect.verdict import unsure_rule
    from model.nets.catalogue import ARCHITECTURE_SUMMARIES, SHIPPED_ARCHITECTURE

    parser = argparse.ArgumentParser(prog="digit-lens", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a .keras or .h5 model (default: the shipped model)")
    parser.set_defaults(run=_run_gui)
    commands = parser.add_subparsers(title="commands", metavar="{gui,classify,train,inspect,convolve}")

    gui = commands.add_parser("gui", help="open the window (the default)")
    gui.add_argument("--model", default=argparse.SUPPRESS, help="a .keras or .h5 model")
    gui.set_defaults(run=_run_gui)

    classify = commands.add_parser("classify", help="classify image files", epilog=unsure_rule())
    classify.add_argument("images", nargs="+", metavar="IMAGE")
    classify.add_argument("--model", default=argparse.SUPPRESS, help="a .keras or .h5 model")
    classify.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_spec_options(classify)
    classify.set_defaults(run=_command("classify", "run_classify"))

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
    train.add_argument("--csv", metavar="FILE", help="log every epoch's loss and accuracy to this CSV file as training "
                                                     "goes (Keras' CSVLogger)")
    train.add_argument("--styles", type=int, default=0, metavar="N",
                       help="mix N handwriting-style digits (flagged 1, crossed 7, open 4, hooked 9, ...) "
                            "made at train time into the training digits")
    train.add_argument("--scans", type=int, default=0, metavar="N",
                       help="add N digits scanned as old digit forms were (half of them training digits, half "
                            "style digits written with a form-filler's pen): 14-40 px, often black and white, some "
                            "stretched to fill their box")
    train.add_argument("--init", metavar="MODEL", help="start from this model's weights (fine-tuning) "
                                                        "instead of a fresh --arch model")
    train.set_defaults(run=_command("train", "run_train"))

    inspect = commands.add_parser("inspect", help="show a model's data-flow table")
    inspect.add_argument("image", nargs="?", metavar="IMAGE")
    inspect.add_argument("--model", default=argparse.SUPPRESS, help="a .keras or .h5 model")
    _add_spec_options(inspect)
    inspect.set_defaults(run=_command("classify", "run_inspect"))

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
    convolve.set_defaults(run=_command("convolve", "run_convolve"))
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


def _run_gui(args: argparse.Namespace) -> int:
    from gui.app import run_app

    return run_app(model_path=args.model)


def _command(module: str, function: str):
    """`model.commands.<module>.<function>`, imported when the command runs (so `--help` stays quick)."""
    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(f"model.commands.{module}"), function)(args)
    return run


if __name__ == "__main__":
    sys.exit(main())
