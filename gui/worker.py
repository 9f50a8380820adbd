"""One way to run TensorFlow work off the GUI thread: a long-lived `Worker` that runs queued jobs in order.

Why a Python loop in `run()` rather than slots on a moved QObject: PySide gives each queued slot call on
a QThread a fresh Python thread state and drops it when the slot returns. TensorFlow keeps thread-local
state from its import onward, so importing it inside such a slot left dangling state that crashed the
next model load. Here the thread's Python state lives as long as the thread: started once, stopped on close.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

SHUTDOWN_WAIT_MS = 60_000  # the longest a close waits for the step in progress (a batch, a model load)
WORK_NICENESS = 5  # how much lower than the window the work runs (Linux), so the window is never starved of a core


class Cancelled(Exception):
    """Raised by `Job.check()` inside work whose job was cancelled; ends the job quietly."""


class Job:
    """One piece of work: `work(job)` runs on the worker's thread; its result, error or progress reach the
    GUI thread through the callbacks. Long work calls `job.check()` (or reads `job.cancelled`) between steps."""

    def __init__(self, worker: "Worker", work: Callable[["Job"], Any], done: Callable[[Any], None] | None,
                 failed: Callable[[str], None] | None, progress: Callable[[Any], None] | None) -> None:
        self.worker = worker
        self.work = work
        self.done = done
        self.failed = failed
        self.progress = progress
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; its result, if any, is then not delivered."""
        self._cancelled.set()

    def check(self) -> None:
        """Raise `Cancelled` if the job was cancelled (call between steps of long work)."""
        if self.cancelled:
            raise Cancelled

    def report(self, value: Any) -> None:
        """Send a progress value to the GUI thread (dropped once cancelled)."""
        if not self.cancelled:
            self.worker._progressed.emit(self, value)


class Worker(QThread):
    """A thread that runs jobs one after another: it starts with the first job and ends with `shutdown()`
    (called by its owner on close, and at the latest when the application quits); it never restarts."""

    _delivered = Signal(object, object)  # job, result
    _raised = Signal(object, str)  # job, message
    _progressed = Signal(object, object)  # job, value

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._pending: set[Job] = set()
        self._closed = False
        self._delivered.connect(self._deliver)
        self._raised.connect(self._fail)
        self._progressed.connect(self._progress)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, work: Callable[[Job], Any], done: Callable[[Any], None] | None = None,
               failed: Callable[[str], None] | None = None, progress: Callable[[Any], None] | None = None) -> Job:
        """Queue `work(job)`; `done(result)`, `failed(message)` and `progress(value)` run on the GUI thread."""
        if self._closed:
            raise RuntimeError(f"the {self.objectName()} worker has been shut down")
        job = Job(self, work, done, failed, progress)
        self._pending.add(job)
        self._queue.put(job)
        if not self.isRunning():
            self.start()
        return job

    @property
    def busy(self) -> bool:
        """Whether any job is queued or running."""
        return bool(self._pending)

    def run(self) -> None:  # the worker thread: one Python frame for the thread's whole life
        yield_to_the_window()
        while (job := self._queue.get()) is not None:
            if job.cancelled:
                self._raised.emit(job, "")
                continue
            try:
                result = job.work(job)
            except Cancelled:
                self._raised.emit(job, "")
            except Exception as exc:  # any failure reaches the user as a message, never a crash
                self._raised.emit(job, error_message(exc))
            else:
                self._delivered.emit(job, result)

    def shutdown(self, wait_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Cancel every job, end the thread and wait for it; False if it is still busy after `wait_ms`."""
        for job in list(self._pending):
            job.cancel()
        if not self._closed:
            self._closed = True
            self._queue.put(None)
        if not self.isRunning():
            return True
        if self.wait(wait_ms):
            return True
        print(f"digit-lens: the {self.objectName()} thread is still busy after {wait_ms / 1000:.0f} s.", file=sys.stderr)
        return False

    @Slot(object, object)
    def _deliver(self, job: Job, result: Any) -> None:
        self._pending.discard(job)
        if not job.cancelled and job.done is not None:
            job.done(result)

    @Slot(object, str)
    def _fail(self, job: Job, message: str) -> None:
        self._pending.discard(job)
        if message and not job.cancelled and job.failed is not None:
            job.failed(message)

    @Slot(object, object)
    def _progress(self, job: Job, value: Any) -> None:
        if not job.cancelled and job.progress is not None:
            job.progress(value)


def collect_garbage_on_the_window_thread():
    """From now on, Python's cyclic garbage is collected on this (the window's) thread only, by a timer, with
    pyqtgraph's `GarbageCollector` (keep what it returns). Left to itself the collector runs on whichever thread
    allocates at the wrong moment: on a worker, the Qt objects it frees are destroyed there, and the destructor waits
    for the GIL while holding a Qt lock the window's thread, holding the GIL, waits for: both stop for good."""
    from pyqtgraph.util.garbage_collector import GarbageCollector

    return GarbageCollector(interval=1.0)


def yield_to_the_window() -> None:
    """Lower this thread's CPU priority by `WORK_NICENESS` (Linux schedules threads as tasks; every thread it starts,
    TensorFlow's pools and tf.data's included, inherits it): where the work wants every core, the window's thread
    still gets one the moment it has something to draw. Qt's own thread priorities do nothing under Linux's
    default scheduler."""
    if sys.platform.startswith("linux"):
        try:
            thread = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + WORK_NICENESS, 19))
        except OSError:  # not allowed here: the work runs at the window's priority
            pass


def error_message(exc: BaseException) -> str:
    """The whole message of an exception; our own error types speak for themselves, others are named."""
    text = str(exc).strip()
    if type(exc).__module__.startswith("model.") and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
