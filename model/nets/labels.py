"""Class names: read from a labels file (Teachable Machine's `0 cats` lines, or one plain name a line)."""

from __future__ import annotations

import os
import re
from pathlib import Path

LABELS_FILE = "labels.txt"  # looked for beside a model file
_INDEXED = re.compile(r"^\s*(\d+)\s+(.+?)\s*$")


class LabelsError(ValueError):
    """A labels file that cannot be used; the message says why."""


def read_labels(path: str | os.PathLike) -> list[str]:
    """The class names in a labels file, in class order."""
    path = Path(path)
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()]
    except FileNotFoundError:
        raise LabelsError(f"{path}: no such labels file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path.name}: could not be read as a text file of class names ({exc}).") from None
    lines = [line for line in lines if line]
    if not lines:
        raise LabelsError(f"{path.name}: holds no class names.")
    indexed = [_INDEXED.match(line) for line in lines]
    if all(indexed):
        numbers = [int(match.group(1)) for match in indexed]
        if sorted(numbers) != list(range(len(numbers))):
            raise LabelsError(f"{path.name}: its lines are numbered {numbers}, not 0 to {len(numbers) - 1}.")
        names = dict(zip(numbers, (match.group(2) for match in indexed)))
        return [names[i] for i in range(len(names))]
    return lines


def labels_beside(model_path: str | os.PathLike | None) -> Path | None:
    """The `labels.txt` in the model file's folder, if there is one."""
    if model_path is None:
        return None
    candidate = Path(model_path).with_name(LABELS_FILE)
    return candidate if candidate.is_file() else None


def check_count(names: list[str], classes: int, source: str) -> list[str]:
    """`names` if there is one per class; else LabelsError naming `source`."""
    if len(names) != classes:
        raise LabelsError(f"{source} names {len(names)} classes but the model has {classes}.")
    return names
