"""`convolve`: one hand-set kernel through convolution, ReLU, pooling, flatten and dense, printed."""

from __future__ import annotations

import argparse
import sys

from model.commands.report import fail


def run_convolve(args: argparse.Namespace) -> int:
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
        return fail(str(exc))
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
            return fail(f"--npz {args.npz}: cannot write ({exc.strerror or exc}).")
        print(f"Saved {args.npz}.")
    return 0

