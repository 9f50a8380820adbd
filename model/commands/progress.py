"""Progress on the command line: one line redrawn in place on a terminal, plain lines now and then otherwise
(a log file gets no escape codes and no flood of updates)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

LIVE_INTERVAL = 0.2  # seconds between redraws of the live line
LOG_INTERVAL = 10.0  # seconds between plain lines when the output is not a terminal


class ProgressLine:
    """Shows the newest progress text of a step on `stream` (stderr by default); `done` ends the step."""

    def __init__(self, stream: TextIO | None = None, log_interval: float = LOG_INTERVAL) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = LIVE_INTERVAL if self.live else log_interval
        self._width = 0  # of the live line on screen, to wipe
        self._unshown = ""  # the newest text, when it was not written
        self._restart()

    def show(self, text: str) -> None:
        """Show `text` if enough time passed since the last update."""
        now = time.monotonic()
        if now - self._last < self.interval:
            self._unshown = text
            return
        self._last = now
        self._unshown = ""
        if self.live:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        """The step ended: wipe the live line (other output follows), or write a log's final state of the step."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
        elif not self.live and self._unshown:
            self.stream.write(self._unshown + "\n")
        self.stream.flush()
        self._width = 0
        self._unshown = ""
        self._restart()

    def _restart(self) -> None:
        """A live line shows the next update at once; a log's first line comes after an interval (the rate it
        gives has settled by then)."""
        self._last = -float("inf") if self.live else time.monotonic()


def duration(seconds: float) -> str:
    """"42 s", "3:05" or "1:02:03"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
