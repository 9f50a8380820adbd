"""Reading remembered settings defensively: a value of the wrong type or shape is ignored, never a crash."""

from __future__ import annotations

import sys
from typing import Any, Callable, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")


def read_setting(stored: QSettings, key: str, default: T, valid: Callable[[T], bool] = lambda value: True) -> T:
    """`stored[key]` converted to the type of `default`; the default (and one line on stderr) when it is
    missing, of another type, or not `valid`. Settings written by another version or by hand cannot crash."""
    if not stored.contains(key):
        return default
    raw: Any = stored.value(key)
    try:
        value = _converted(raw, type(default))
        if valid(value):
            return value
    except (TypeError, ValueError, OverflowError):
        pass
    print(f"digit-lens: ignoring the setting {key}={raw!r} in {stored.fileName()} (not a valid "
          f"{type(default).__name__}).", file=sys.stderr)
    return default


def _converted(raw: Any, kind: type) -> Any:
    if kind is QByteArray:
        if not isinstance(raw, (QByteArray, bytes, bytearray)):
            raise TypeError(type(raw).__name__)
        return QByteArray(raw)
    if kind is bool and not isinstance(raw, bool):
        if str(raw).lower() not in ("true", "false"):
            raise ValueError(raw)
        return str(raw).lower() == "true"
    if not isinstance(raw, (str, int, float, bool)):
        raise TypeError(type(raw).__name__)
    return kind(raw)
