"""The one worker every piece of TensorFlow work runs on: off the window's thread, in order, below its priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from gui.worker import WORK_NICENESS, Worker


@pytest.fixture
def worker(qtbot):
    worker = Worker("test")
    yield worker
    assert worker.shutdown()


def test_jobs_run_in_order_off_the_windows_thread_and_deliver_on_it(qtbot, worker):
    window_thread = threading.get_ident()
    ran_on, delivered_on, results = [], [], []

    def work(number):
        def job(_job):
            ran_on.append(threading.get_ident())
            return number
        return job

    def done(result):
        delivered_on.append(threading.get_ident())
        results.append(result)

    for number in range(3):
        worker.submit(work(number), done=done)
    qtbot.waitUntil(lambda: len(results) == 3, timeout=5000)
    assert results == [0, 1, 2]
    assert window_thread not in ran_on and set(delivered_on) == {window_thread}
    assert not worker.busy


def test_a_failing_job_reaches_its_caller_as_a_message_and_the_worker_goes_on(qtbot, worker):
    messages, results = [], []

    def broken(_job):
        raise ValueError("no such layer")

    worker.submit(broken, failed=messages.append)
    worker.submit(lambda _job: "next", done=results.append)
    qtbot.waitUntil(lambda: results == ["next"], timeout=5000)
    assert messages == ["ValueError: no such layer"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_work_runs_below_the_windows_priority_so_the_window_keeps_a_core(qtbot, worker):
    window = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = []

    def job(_job):
        started = []
        child = threading.Thread(target=lambda: started.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        child.start()
        child.join()
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), started[0]

    worker.submit(job, done=seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    lower = min(window + WORK_NICENESS, 19)  # Linux's lowest priority is 19
    assert seen == [(lower, lower)]  # and every thread the work starts
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == window


def test_garbage_a_job_leaves_is_collected_on_the_windows_thread(qtbot, worker):
    """A worker that collected cyclic garbage holding Qt objects destroyed them on its own thread and deadlocked
    against the window's thread; the collector (as `run_app` sets it up) runs on the window's thread only."""
    window_thread = threading.get_ident()
    freed_on: list[int] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            freed_on.append(threading.get_ident())

    def job(_job):
        for _ in range(5000):  # far past generation 0's threshold: left alone, this thread would collect
            Cycle()
        return True

    done = []
    worker.submit(job, done=done.append)
    qtbot.waitUntil(lambda: len(freed_on) >= 5000, timeout=10_000)
    assert done == [True] and set(freed_on) == {window_thread}
