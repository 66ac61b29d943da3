"""How many processes the slow parts (mes-add1 steps, MES votes-needed searches) may fork."""

from __future__ import annotations

import os


def default_workers() -> int:
    import multiprocessing
    import threading

    # Forking a process that runs other threads (a web server, a test live server) can deadlock
    # the children on locks those threads held: only a single-threaded process forks.
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return min(2, os.cpu_count() or 1)
