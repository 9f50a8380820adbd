"""TensorFlow, imported once and quietly.

TensorFlow's native code logs through absl before anything initialises absl's log, so those lines reach stderr
whatever TF_CPP_MIN_LOG_LEVEL says: the note that "all log messages before absl::InitializeLog() is called are
written to STDERR", oneDNN and CUDA notes, and on a machine without a GPU "failed call to cuInit", which reads as a
failure. `import_tensorflow` imports TensorFlow and Keras and lets CUDA look for devices with the process's stderr
passed through a filter that drops the native log lines below TF_CPP_MIN_LOG_LEVEL; every other line (Python's
warnings and tracebacks from any thread) goes through unchanged. The command line sets the level to 3 unless the
user set it or asked for `--verbose`.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

LEVELS = {b"I": 0, b"W": 1, b"E": 2, b"F": 3}
_NATIVE_LINE = re.compile(  # absl's "I0000 00:00:1796599360.819951 7172 port.cc:153] ..." and TensorFlow's own
    rb"^(?:(?P<absl>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\] "  # "2024-05-01 12:00:00.000000: I tensorflow/...]"
    rb"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<tf>[IWEF]) \S+\] )")
_ABSL_NOTE = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_lock = threading.Lock()


def import_tensorflow() -> ModuleType:
    """The `tensorflow` module, imported (with Keras) the first time it is asked for, its start-up log filtered."""
    with _lock:
        if "keras" in sys.modules and "tensorflow" in sys.modules:
            return sys.modules["tensorflow"]
        with native_log_filtered(min_log_level()):
            import keras  # noqa: F401 (Keras 3 imports TensorFlow, its backend)
            import tensorflow as tf

            tf.config.list_physical_devices()  # CUDA's probe (cuInit) logs here, inside the filter
        # TensorFlow and Keras leave some 280,000 objects that live as long as the process; every full collection
        # scanned them all (0.2 s holding the GIL: a freeze of the window, whichever thread collected).
        gc.freeze()
        return tf


def min_log_level() -> int:
    """TF_CPP_MIN_LOG_LEVEL as TensorFlow reads it (0, everything, when unset or not a number)."""
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def kept(line: bytes, min_level: int) -> bool:
    """Whether a line written to stderr passes: native log lines only at or above `min_level`."""
    if line.rstrip(b"\r") == _ABSL_NOTE:
        return min_level < 1
    native = _NATIVE_LINE.match(line)
    return native is None or LEVELS[native.group("absl") or native.group("tf")] >= min_level


@contextmanager
def native_log_filtered(min_level: int) -> Iterator[None]:
    """Within the block, the process's stderr (file descriptor 2, what native code writes to) goes through `kept`."""
    if min_level <= 0:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):  # no stderr (a windowed process): nothing to filter
        yield
        return
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    thread = threading.Thread(target=_forward, args=(read_end, saved, min_level), name="stderr-filter", daemon=True)
    thread.start()
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 2)  # the pipe's last write end closes: the filter reads to its end, forwards the rest, stops
        thread.join()
        os.close(saved)


def _forward(read_end: int, out: int, min_level: int) -> None:
    pending = b""
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            *lines, pending = (pending + chunk).split(b"\n")
            passed = b"".join(line + b"\n" for line in lines if kept(line, min_level))
            if passed:
                os.write(out, passed)
    if pending and kept(pending, min_level):
        os.write(out, pending)
