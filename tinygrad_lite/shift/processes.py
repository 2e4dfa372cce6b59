"""Independent pieces of work spread over processes (the capacity table's cells): results in the
order of the work, each worker with its share of the cores for BLAS and its freed memory kept.

Two settings of the worker processes decide most of the table's time on a small machine, and
neither changes a number (the arithmetic is the same, only where it runs and where its memory
comes from):

- BLAS threads. OpenBLAS starts a thread per core in every process, and its threads spin while
  they wait for work. Two workers on two cores then fight four spinning threads: we measured one
  batched matmul of the table at 5 ms with one BLAS thread and 90-160 ms with the default.
  Each worker gets cores // jobs threads, as joblib gives its workers (a thread count the user
  set in the environment wins).
- Freed memory. glibc hands a freed block of more than 128 KiB back to the kernel, so each
  update's arrays of (copies, N-1, N) floats come back as fresh pages, a page fault on the first
  touch of each 4 KiB; on a virtual machine that made a stable log-softmax 1.5x slower. A worker
  asks glibc (`mallopt`) to keep blocks up to 32 MiB and to keep its freed memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def run_in_processes(
    fn: Callable[[Any, Callable[[], Any]], Any], items: Sequence[Any], jobs: int, bar, order: Sequence[int]
) -> list[Any]:
    """[fn(item, tick) for item in items], computed by `jobs` worker processes, which take the
    items in `order` (the longest first keeps every core busy to the end); each tick() a worker
    makes advances `bar` (a tqdm bar) here. `fn` must be a module-level function (it is pickled)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    ticks = context.Queue()
    with _environment(_blas_threads(jobs)):  # every worker starts here, and reads it as it starts
        pool = context.Pool(jobs, initializer=_start_worker, initargs=(ticks,))
    with pool:  # leaving it (Ctrl-C included) ends the workers
        pending = {i: pool.apply_async(_call, (fn, items[i])) for i in order}
        while not all(result.ready() for result in pending.values()):
            _drain(ticks, bar)
            time.sleep(0.2)
        results = [pending[i].get() for i in range(len(items))]  # a worker's error is raised here
        pool.close()
        pool.join()  # the workers end on their own, their last ticks sent
        _drain(ticks, bar)
    return results


def _blas_threads(jobs: int) -> dict[str, str]:
    """The BLAS thread count of each of `jobs` workers, for each variable the user did not set."""
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    return {name: threads for name in BLAS_THREADS if name not in os.environ}


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """os.environ with `variables` set, as it was again afterwards."""
    os.environ.update(variables)
    try:
        yield
    finally:
        for name in variables:
            del os.environ[name]


def _drain(ticks, bar) -> None:
    while not ticks.empty():
        bar.update(ticks.get())


_TICKS = None  # in a worker process: the queue its ticks go to


def _start_worker(ticks) -> None:
    global _TICKS
    _TICKS = ticks
    _keep_freed_memory()


def _call(fn: Callable[[Any, Callable[[], Any]], Any], item: Any) -> Any:
    return fn(item, lambda: _TICKS.put(1))


def _keep_freed_memory() -> None:
    """Ask glibc to serve blocks up to 32 MiB from its heap and to keep up to 1 GiB of freed heap,
    instead of returning them to the kernel (see the module's docstring). Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest allowed value
        mallopt(M_TRIM_THRESHOLD, 1 << 30)
