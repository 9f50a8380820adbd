"""Work-arounds for bugs in the Qt binding, applied when `gui` is imported."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_SINGLETONS = (None, True, False, Ellipsis, NotImplemented)
_PROTECTION = 1 << 40  # references: more calls than any session will make


class _Probe(QObject):
    ping = Signal()


def binding_drops_singleton_references() -> bool:
    """Whether the binding returns None or True to Python without owning a reference to it.

    PySide6 6.12 (shiboken6 6.12) on Python 3.11 does, as if these objects were immortal as
    they are from Python 3.12: every call of a void Qt method (`update()`, `setText()`, ...)
    lowers None's reference count by one and every `emit()` lowers True's. After some
    ten thousand calls the interpreter aborts with "none_dealloc: deallocating None" or
    "bool_dealloc: deallocating True or False", mid-session or at exit.
    """
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(8):
        probe.setObjectName("probe")
        probe.ping.emit()
    return sys.getrefcount(None) <= none_before - 8 or sys.getrefcount(True) <= true_before - 8


def protect_singletons() -> None:
    """Where the binding drops references to None, True, False..., give them enough that they never run out.

    This does what Python 3.12 does for them (immortal objects); from 3.12 on nothing needs doing.
    """
    if sys.version_info < (3, 12) and binding_drops_singleton_references():
        for singleton in _SINGLETONS:
            ctypes.c_ssize_t.from_address(id(singleton)).value += _PROTECTION  # ob_refcnt, the first field
