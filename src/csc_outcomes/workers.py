"""Worker processes for work that splits into independent tasks: the load's files, the
report's analyses and its pages.

The workers are forked, so they share what this process has already read and imported
(fork them before opening the store: a forked DuckDB connection is not usable). They
ignore Ctrl-C: the interrupt reaches this process, which stops them at once and reports
it in one line, instead of every worker printing its own traceback. Where ``fork`` is
not available (Windows), or with one worker, :func:`fork_pool` gives None and the caller
does the work itself.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def fork_pool(workers: int) -> Iterator[Pool | None]:
    """A pool of ``workers`` forked processes for the ``with`` block, or None when there
    is only one worker, no ``fork``, or this process is itself a pool's worker. Leaving the block normally waits for the workers'
    tasks; leaving it by an exception (Ctrl-C included) stops them at once."""
    if (workers <= 1 or "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):  # a pool's worker cannot fork
        yield None
        return
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
