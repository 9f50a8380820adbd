"""Work-arounds for bugs in the Qt binding, applied when `gui` is imported."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_PROTECTION = 1 << 40  # references: more signal emissions than any session will make


class _Probe(QObject):
    ping = Signal()


def emit_drops_a_reference_to_true() -> bool:
    """Whether SignalInstance.emit() from Python returns True without owning a reference to it.

    PySide6 6.12 on Python 3.11 does: every emit, from our code or pyqtgraph's, then lowers
    True's reference count by one, and after some ten thousand the interpreter aborts with
    "bool_dealloc: deallocating True or False" (at once in a small script, at exit or mid-session in the app).
    """
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) <= before - 8


def protect_true_from_emit() -> None:
    """Where emit() drops references to True, give True enough extra ones that it never reaches zero.

    From Python 3.12 True is immortal and nothing needs doing.
    """
    if sys.version_info < (3, 12) and emit_drops_a_reference_to_true():
        ctypes.c_ssize_t.from_address(id(True)).value += _PROTECTION  # ob_refcnt, the object's first field
