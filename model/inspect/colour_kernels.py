"""First-layer kernels of colour models as colour pictures: what colour pattern each filter looks for."""

from __future__ import annotations

import numpy as np


def as_colour(kernels: np.ndarray) -> np.ndarray:
    """Kernels (n, h, w, 3) (or one, (h, w, 3)) as RGB in 0..1, each scaled on its own so that a zero weight is
    mid-grey, the strongest weight reaches 0 or 1, and a filter's colour is the colour it responds to most."""
    weights = np.asarray(kernels, dtype=np.float32)
    single = weights.ndim == 3
    if single:
        weights = weights[np.newaxis]
    bound = np.abs(weights).max(axis=(1, 2, 3), keepdims=True)
    colour = 0.5 + 0.5 * weights / np.where(bound > 0, bound, 1.0)
    return colour[0] if single else colour
