"""Run one function in several threads released at the same instant: races between requests, for real.

Each thread has its own database connection (closed when it ends). An exception in a thread fails the test
here instead of passing silently; the results come back in the order the threads finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_at_once(work: Callable[[], T], *, threads: int) -> list[T]:
    barrier = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    assert not errors, errors
    return results
