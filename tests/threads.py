"""Racing requests in tests: start every worker together on its own database connection.

Concurrency tests (marked `postgres`) call this to make workers meet at a barrier and then run
at once, each thread closing its connection when done; they inspect what every worker returned
or raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_at_once(workers: list[Callable[[], Any]]) -> list[Any]:
    """Start every worker together; collect each one's return value or exception."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(i: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = work()
        except Exception as exc:  # the test inspects what each thread met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def same_at_once(work: Callable[[], Any], times: int) -> list[Any]:
    """The same request sent `times` times at once (a double click reaching several workers)."""
    return run_at_once([work] * times)
