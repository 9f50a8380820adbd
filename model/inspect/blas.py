"""numpy's matrix products on one thread, for the small ones done on every stroke."""

from __future__ import annotations

from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread():
    """A context in which BLAS uses one thread: products this small are fastest so, and a second thread mostly
    waits, far longer on a busy machine (a drawing-loop p95 of 16 ms instead of 3)."""
    return _controller().limit(limits=1, user_api="blas")
