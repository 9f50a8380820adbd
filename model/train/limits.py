"""The ranges a training setting may take: one home for the Train tab's boxes and the `train` command's checks."""

from __future__ import annotations

EPOCHS = (1, 500)
BATCH_SIZES = (1, 4096)
IMAGE_SIDES = (8, 256)  # a folder's pictures are resized to SIDE x SIDE
LIMIT = (1, 60000)  # the first N training digits
EXTRA_DIGITS = (0, 500_000)  # --styles and --scans: made in memory (28x28 each) before training starts
