"""numpy's matrix products on one thread, set once for the whole process.

The products done on every stroke are small: one thread does them fastest, and a second one mostly waits,
far longer on a busy machine (a drawing-loop p95 of 16 ms instead of 3). The count is set the first time a
model is read for numpy and never changed again: it is one number for the whole process, and changing it
while another thread (a worker building the index of training digits) is inside a product is not safe.
"""

from __future__ import annotations

from functools import cache

from threadpoolctl import threadpool_limits


@cache
def use_one_blas_thread() -> None:
    """Limit numpy's BLAS to one thread from now on (only the first call does anything)."""
    threadpool_limits(limits=1, user_api="blas")
