"""Pages of made-up digits turned into 28x28 training digits, in chunks over worker processes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

import numpy as np

from model.inspect.preprocess import preprocess
from model.spec import DIGIT_SHAPE

Job = TypeVar("Job")


def on_paper(coverage: np.ndarray, r: np.random.Generator, noise: float) -> np.ndarray:
    """Ink `coverage` (0..1) as a grey page (uint8): dark ink on light paper or the reverse, at random grey levels,
    with grain of up to `noise` grey levels."""
    paper, ink = (r.uniform(170, 255), r.uniform(0, 90)) if r.random() < 0.5 else (r.uniform(0, 70), r.uniform(170, 255))
    grey = paper + (ink - paper) * coverage + r.normal(0.0, r.uniform(0, noise), coverage.shape)
    return np.clip(np.round(grey), 0, 255).astype(np.uint8)


def preprocessed(pages: Iterable[np.ndarray], n: int) -> np.ndarray:
    """`n` pages through the window's preprocessing, as MNIST's 28x28 uint8 (255 = ink; blank where no ink)."""
    out = np.zeros((n, *DIGIT_SHAPE[:2]), dtype=np.uint8)
    for i, page in enumerate(pages):
        fed = preprocess(page).model_input
        if fed is not None:
            out[i] = np.round(fed[..., 0] * 255)
    return out


def made_in_chunks(make: Callable[[Job], np.ndarray], jobs: list[Job], workers: int) -> np.ndarray:
    """`make(job)` of every job (on `workers` spawned processes when more than one), concatenated."""
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(make, jobs))
    else:
        parts = [make(job) for job in jobs]
    return np.concatenate(parts) if parts else np.zeros((0, *DIGIT_SHAPE[:2]), np.uint8)


def numbered_digits(page: Callable[[int, int], np.ndarray], n: int, seed: int, workers: int, chunk: int = 500
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pages `page(index, seed)` for index 0..n-1 (a module-level function: workers are spawned) preprocessed to
    28x28 uint8, `chunk` to a job, and their labels (index % 10)."""
    jobs = [(page, start, min(chunk, n - start), seed) for start in range(0, n, chunk)]
    return made_in_chunks(_numbered_chunk, jobs, workers), (np.arange(n) % 10).astype(np.uint8)


def _numbered_chunk(job: tuple[Callable[[int, int], np.ndarray], int, int, int]) -> np.ndarray:
    page, start, n, seed = job
    return preprocessed((page(start + i, seed) for i in range(n)), n)
