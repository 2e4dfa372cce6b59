"""Benchmark 7: what two of issue 14's rules cost: the lock on leaf gradients, and division as its own op.

Both run interleaved in this one process against the alternative they replaced,
so the ratio is the cost:

- the lock: one backward pass of the N=11 H=2 Tensor step and of the 5-2-5 Value
  step, against the same pass with the engine's lock swapped for one that does
  nothing (`_NoLock`, made here; the library has no switch for it);
- division: `a / b` forward and backward, against the composite it replaced,
  `a * b**-1`, for Tensors of (10, 11) and (256, 256) and for Values.
"""

import _common  # noqa: F401, I001  (first: pins BLAS threads before numpy loads)

import numpy as np

from _common import Contender, heading, run_interleaved, timing_table

from tinygrad_lite import Tensor, Value, engine, nn, shift


class _NoLock:
    """A context manager that does nothing: the engine's lock, taken away."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


def with_lock(lock: object, backward_pass):
    """backward_pass with the engine's leaf lock set to `lock` for its length."""

    def run():
        saved = engine._leaf_lock
        engine._leaf_lock = lock
        try:
            backward_pass()
        finally:
            engine._leaf_lock = saved

    return run


def tensor_backward():
    """Forward and backward of the nn.MLP loss, N=11 H=2 (a backward needs its graph built anew)."""
    model = nn.MLP(11, 2, 11, bias=False, dtype=np.float64, rng=0)
    x, y = Tensor(np.eye(11)[:10]), np.arange(1, 11)

    def run():
        nn.cross_entropy(model(x), y).backward()

    return run


def value_backward():
    """Forward and backward of the 5-2-5 ValueMLP loss on its four examples."""
    model = nn.ValueMLP(5, 2, 5, bias=False)
    model.load_state_dict(shift.initial_weights(5, 2, 0))
    data = [([1.0 if i == k else 0.0 for i in range(5)], k + 1) for k in range(4)]

    def run():
        sum(nn.value_cross_entropy(model(x), t) for x, t in data).backward()

    return run


def lock_cost() -> None:
    heading("7. The leaf lock: a backward pass with it and without it")
    passes = (("Tensor N=11 H=2, forward+backward", tensor_backward), ("Value 5-2-5", value_backward))
    for name, make in passes:
        run = make()
        locked = Contender(f"{name}, with the lock", with_lock(engine._leaf_lock, run))
        free = Contender(f"{name}, no lock", with_lock(_NoLock(), run))
        run_interleaved([locked, free])
        print(timing_table([locked, free], [free]) + "\n")


def division_cost() -> None:
    heading("7. Division: a / b against a * b**-1 (forward and backward)")
    rng = np.random.default_rng(0)
    for shape in ((10, 11), (256, 256)):
        a = Tensor(rng.uniform(1, 2, shape), requires_grad=True)
        b = Tensor(rng.uniform(1, 2, shape), requires_grad=True)
        new = Contender(f"Tensor {shape}: a / b", lambda a=a, b=b: (a / b).sum().backward())
        old = Contender(f"Tensor {shape}: a * b**-1", lambda a=a, b=b: (a * b**-1.0).sum().backward())
        run_interleaved([new, old])
        print(timing_table([new, old], [old]) + "\n")
    va, vb = Value(1.5), Value(2.5)
    new = Contender("Value: a / b", lambda: (va / vb).backward())
    old = Contender("Value: a * b**-1", lambda: (va * vb**-1).backward())
    run_interleaved([new, old])
    print(timing_table([new, old], [old]) + "\n")


if __name__ == "__main__":
    lock_cost()
    division_cost()
