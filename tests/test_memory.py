"""Memory stays flat: each training step's graph is freed by reference counting alone.

Python's cycle collector is switched off for these tests, so a graph that sits in a
reference cycle (say, a backward closure that holds its op's output node) is never
freed, and `tracemalloc` sees it pile up. The measurements keep their numbers in
preallocated numpy arrays, so that recording them allocates nothing.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from tinygrad_lite import Tensor, nn, optim

SLACK = 16 * 1024  # bytes: what Python's own caches may still grow by after the first step


@pytest.fixture
def refcounting_only() -> Iterator[None]:
    """Switch off the cycle collector, so only reference counting frees objects, and trace
    allocations with tracemalloc."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    tracemalloc.start()
    yield
    tracemalloc.stop()
    if was_enabled:
        gc.enable()
    gc.collect()  # what a test left in cycles on purpose


def make_training_step(n: int, hidden: int, batch: int) -> Callable[[], Tensor]:
    """One full-batch training step (forward, zero_grad, backward, Adam) of an n -> hidden -> n
    MLP on the shift task; returns the loss, whose graph the caller drops."""
    model = nn.MLP(n, hidden, n, rng=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((batch, n)).astype(np.float32))
    y = rng.integers(0, n, batch)

    def step() -> Tensor:
        loss = nn.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def fill_tuple_free_lists() -> None:
    """Fill CPython's free lists of small tuples (up to 2,000 of each size), as a long run would.

    A freed tuple goes to its size's free list, memory tracemalloc still counts. A
    step that frees a few more 2-tuples than it makes (a shape, an index pair) moves
    about 112 bytes a step into that list until it is full at 2,000: a cache that
    stops growing, not a leak, but it would grow past the slack during the 1,000 steps.
    """
    junk = [(*range(size), i) for size in range(5) for i in range(2500)]
    del junk


def measure_steps(step: Callable[[], Tensor], steps: int, keep: Callable[[Tensor], None] = lambda loss: None):
    """Run `steps` training steps under tracemalloc.

    Returns two arrays: traced bytes after each step (its loss dropped) relative to
    after the first, and the peak during each step above what was there before it
    (the size of one step's graph, roughly).
    """
    after, graph = np.zeros(steps, np.int64), np.zeros(steps, np.int64)
    for _ in range(3):  # Adam's state and numpy's caches are made on the first steps
        step()
    fill_tuple_free_lists()
    for i in range(steps):
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        loss = step()
        keep(loss)
        del loss
        current, peak = tracemalloc.get_traced_memory()
        after[i], graph[i] = current, peak - before
    return after - after[0], graph


def test_memory_returns_after_each_of_1000_training_steps(refcounting_only):
    growth, graph = measure_steps(make_training_step(16, 32, batch=64), 1000)
    # Each step builds a graph bigger than the slack (about 64 KB: 16 nodes, their arrays
    # and gradients)...
    assert np.median(graph) > 2 * SLACK, np.median(graph)
    # ...and after every step it is gone again: what is left does not grow with the steps.
    assert growth.max() < SLACK, (growth.max(), int(np.argmax(growth)))


def test_the_measurement_catches_a_graph_kept_in_a_reference_cycle(refcounting_only):
    # The bug micrograd has: a backward closure that holds its op's output node puts each
    # node in a cycle. Simulated on the loss node; without the cycle collector, every
    # step's graph then stays in memory, and the check above would fail.
    def put_in_a_cycle(loss: Tensor) -> None:
        loss.backward_fn = lambda g, loss=loss: (g,)

    growth, _ = measure_steps(make_training_step(16, 32, batch=64), 50, keep=put_in_a_cycle)
    assert np.diff(growth).min() > SLACK  # every single step leaks more than the slack


def test_a_10000_step_training_run_keeps_a_flat_peak(refcounting_only):
    step = make_training_step(5, 2, batch=4)
    for _ in range(3):
        step()
    fill_tuple_free_lists()
    window_peaks = np.zeros(10, np.int64)
    for window in range(10):  # ten windows of 1,000 steps
        tracemalloc.reset_peak()
        for _ in range(1000):
            step()
        window_peaks[window] = tracemalloc.get_traced_memory()[1]
    assert window_peaks.max() - window_peaks[0] < SLACK, window_peaks - window_peaks[0]
