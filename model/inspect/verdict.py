"""The answer to show for a set of class probabilities, and whether the model is unsure of it.

A model is unsure when its top probability is under `MIN_CONFIDENCE` or the runner-up is
within `MIN_MARGIN` of it.  The two thresholds were picked from data the shipped model
never trained on (`benchmarks/pick_unsure_thresholds.py`; README, "Unsure answers").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

MIN_CONFIDENCE = 0.50
MIN_MARGIN = 0.80


def unsure_rule() -> str:
    """The rule in words, as the window's tooltip and `classify --help` show it."""
    always, never = max(MIN_CONFIDENCE, MIN_MARGIN), max(MIN_CONFIDENCE, (1 + MIN_MARGIN) / 2)
    return (f"An answer is marked unsure when its top class has under {MIN_CONFIDENCE:.0%} or the runner-up is "
            f"within {MIN_MARGIN * 100:.0f} points of it (so always under {always:.0%}, never at {never:.1%} or "
            f"more); the thresholds were picked on digits the shipped model never trained on.")


@dataclass(frozen=True)
class Verdict:
    """The top class and the runner-up (indices and names), their probabilities, and whether to doubt the top one."""

    top: int
    confidence: float
    runner_up: int
    runner_up_confidence: float
    unsure: bool
    names: tuple[str, ...]

    @property
    def text(self) -> str:
        """"7", or "7, or maybe 2" when unsure."""
        top = self.names[self.top]
        return f"{top}, or maybe {self.names[self.runner_up]}" if self.unsure else top


def verdict(probabilities: np.ndarray, names: Sequence[str] | None = None,
            min_confidence: float = MIN_CONFIDENCE, min_margin: float = MIN_MARGIN) -> Verdict:
    """The verdict on `probabilities` (one per class; names default to "0", "1", ...)."""
    p = np.asarray(probabilities, dtype=float).ravel()
    if p.size < 2:
        raise ValueError("a verdict needs probabilities for at least two classes")
    names = tuple(str(i) for i in range(p.size)) if names is None else tuple(names)
    if len(names) != p.size:
        raise ValueError(f"{len(names)} class names for {p.size} probabilities")
    first = int(np.argmax(p))
    second = int(np.argmax(np.where(np.arange(p.size) == first, -np.inf, p)))
    top, runner = float(p[first]), float(p[second])
    return Verdict(first, top, second, runner, unsure=top < min_confidence or top - runner < min_margin, names=names)
