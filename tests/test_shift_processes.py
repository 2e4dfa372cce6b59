"""Tests for shift/processes.py: work spread over worker processes, results in the order of the work."""

from __future__ import annotations

import os

import pytest

from tinygrad_lite.shift.processes import run_in_processes


class Bar:
    """What run_in_processes needs of a tqdm bar: update(k)."""

    def __init__(self) -> None:
        self.n = 0

    def update(self, k: int = 1) -> None:
        self.n += k


def report(item: int, tick) -> tuple[int, str | None, str | None, int]:
    """In a worker: the item, the worker's BLAS thread settings and its process id."""
    tick()
    tick()
    return item, os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS"), os.getpid()


def fail(item: int, tick) -> int:
    if item == 1:
        raise ValueError(f"item {item} refused")
    return item


def test_results_come_in_the_order_of_the_items_with_each_workers_blas_threads(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # set by the user: kept
    bar = Bar()
    results = run_in_processes(report, [10, 11, 12, 13], 2, bar, order=[3, 2, 1, 0])
    assert [item for item, *_ in results] == [10, 11, 12, 13]
    threads = str(max(1, (os.cpu_count() or 1) // 2))  # the cores shared out between the 2 workers
    assert {(blas, omp) for _, blas, omp, _ in results} == {(threads, "3")}
    assert os.getpid() not in {pid for *_, pid in results}
    assert bar.n == 8  # every tick of every worker reached the bar
    assert "OPENBLAS_NUM_THREADS" not in os.environ  # this process's environment is as it was


def test_an_error_in_a_worker_is_raised_here():
    with pytest.raises(ValueError, match="item 1 refused"):
        run_in_processes(fail, [0, 1], 2, Bar(), order=[0, 1])
