"""What the commands print: one-line failures, strict JSON lines, verdicts in words."""

from __future__ import annotations

import json
import math
import sys


def fail(message: str) -> int:
    print(f"digit-lens: {message}", file=sys.stderr)
    return 2


def answer_text(answer) -> str:
    """"7 (98.2%)", or "7 (54.0%), or maybe 2 (40.1%) — unsure"."""
    text = f"{answer.names[answer.top]} ({answer.confidence:.1%})"
    if answer.unsure:
        text += f", or maybe {answer.names[answer.runner_up]} ({answer.runner_up_confidence:.1%}) — unsure"
    return text


def json_line(record: dict) -> str:
    """One line of strict JSON: numbers that are not finite become null (JSON has no NaN)."""
    def finite(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return [finite(v) for v in value] if isinstance(value, list) else value

    return json.dumps({key: finite(value) for key, value in record.items()}, allow_nan=False)
