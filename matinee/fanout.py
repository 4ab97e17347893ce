"""Split one large job into shares run by forked processes, one per core; a pool for many small ones.

`fan_out` runs a few big shares; `process_pool` hands many small items to workers. Both are
sized by the cores this process may use (its CPU affinity, not the machine's count), and their
workers end when the build that started them does, even one killed by SIGKILL.

Forked children inherit the parent's memory: the built model, the compiled layouts and the
planned outputs reach them without being copied or pickled, and only each share's small
result comes back. Forking is only done from a single-threaded process (a `serve` build
stays in one process: another thread may hold a lock the child would wait on for ever).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
Tick = Callable[[], None]  # a share calls it for each item done

MIN_SHARE = 100  # work items (pages to render) below which a fork costs more than it saves
_PR_SET_PDEATHSIG = 1  # Linux prctl(): a signal for this process when its parent dies
_work: Callable[[int, int, Tick], Any] | None = None  # the job the forked children run
_done: Any = None  # items done, one counter per share, in memory the children share


def _c_library() -> Any:
    """The C library, through the process's own symbols (finding it by name asks ldconfig:
    a subprocess at every start); None where that is not possible."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):
        return None


_libc = _c_library()


def cores() -> int:
    """Return how many cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def shares_for(items: int) -> int:
    """Return into how many shares to split `items` work items: 1 means in this process."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(cores(), items // MIN_SHARE))


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing).

    Unpickling parsed sources leaves about 6 MB of freed heap per 1,000 posts that the
    process would otherwise hold to its end, and that each worker forked after counts in its
    resident memory: the build's peak. Called before forking and after each batch of parsing
    with many sources: it walks the whole heap (about 10 ms at 10,000 posts), so not for the
    few sources a `serve` rebuild parses.
    """
    if _libc is not None and hasattr(_libc, "malloc_trim"):  # glibc only
        _libc.malloc_trim(0)


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Return a pool of `workers` processes (default: one per core) that die with this process."""
    trim_heap()
    return ProcessPoolExecutor(workers or cores(), initializer=die_with_parent, initargs=(os.getpid(),))


def fan_out(
    work: Callable[[int, int, Tick], T], shares: int, progress: Callable[[int], None] = lambda done: None
) -> list[T]:
    """Return [work(0, shares, tick), ..., work(shares - 1, ...)], each in a forked child when shares > 1.

    Each share calls its `tick` per item done; `progress` hears the total so far. An exception
    in a child is raised here, as it would be from a call in this process.
    """
    global _work, _done
    if shares <= 1:
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            progress(done)

        return [work(0, 1, tick)]
    trim_heap()
    context = multiprocessing.get_context("fork")
    _work, _done = work, context.Array("q", shares, lock=False)
    try:
        with context.Pool(shares, die_with_parent, (os.getpid(),)) as pool:
            result = pool.map_async(_run_share, [(share, shares) for share in range(shares)], chunksize=1)
            while not result.ready():
                result.wait(0.1)
                progress(sum(_done))
            return result.get()
    finally:
        _work = _done = None


def _run_share(share: tuple[int, int]) -> Any:
    assert _work is not None, "fan_out sets the job before forking"
    number, shares = share

    def tick() -> None:
        _done[number] += 1  # this share's own counter: no lock needed

    return _work(number, shares, tick)


def die_with_parent(parent: int) -> None:
    """Make a child process end when its build does, even one killed by SIGKILL.

    Forked children hold both ends of their task pipe, so they never see it close: without
    this, a killed build leaves them waiting for work for ever.
    """
    try:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: a killed build may leave idle children
        return
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)
