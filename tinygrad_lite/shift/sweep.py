"""The capacity sweep: for each hidden size H, the largest N whose shift task H tanh neurons learn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .. import checks
from .training import ShiftConfig, train_shift_seeds


@dataclass
class SweepResult:
    """How far one hidden size goes: the largest N learned, and every N tried."""

    hidden: int
    max_n: int  # the largest N that at least one seed learned to 100% accuracy
    capped: bool  # True when max_n is the search limit, so the real limit may be higher
    seeds: int
    solved_by: dict[int, int] = field(default_factory=dict)  # N -> how many seeds learned it


def capacity_sweep(
    hidden_sizes: Sequence[int],
    seeds: int = 3,
    steps: int = 5000,
    lr: float = 0.05,
    max_n: int = 256,
    progress: bool = True,
) -> list[SweepResult]:
    """For each hidden size H, the largest N whose shift task H tanh neurons learn.

    "Learns N" means at least one of `seeds` networks reaches 100% accuracy
    within `steps` Adam updates. The search grows N (doubling from 3) until a
    failure, bisects between the last success and the first failure, then tries
    the next three N above the answer, because success is not monotone in N;
    any that succeed move the answer up and the check repeats. The seeds of one
    N train together as one batched model (`train_shift_seeds`).
    """
    seeds = checks.positive_int("capacity_sweep", "seeds", seeds)
    if checks.positive_int("capacity_sweep", "max_n", max_n) < 2:
        raise ValueError(f"capacity_sweep: max_n must be at least 2 (the smallest shift task), got {max_n}")
    if checks.is_int(hidden_sizes):
        hidden_sizes = [hidden_sizes]
    if not hasattr(hidden_sizes, "__iter__"):
        raise TypeError(f"capacity_sweep: hidden_sizes must be a list of ints, got {hidden_sizes!r}")
    hidden_sizes = [checks.positive_int("capacity_sweep", "hidden size", h) for h in hidden_sizes]
    config = ShiftConfig(steps=steps, lr=lr, stop_when_solved=True)  # refuses a bad steps or lr up front
    from tqdm.auto import tqdm  # here, so that `import tinygrad_lite` never imports tqdm

    with tqdm(desc="capacity sweep", unit="run", disable=not progress) as bar:
        return [_sweep_one(replace(config, hidden=h), seeds, max_n, bar) for h in hidden_sizes]


def _sweep_one(config: ShiftConfig, seeds: int, max_n: int, bar) -> SweepResult:
    """The search for one hidden size, remembering how many seeds learned each N tried."""
    solved_by: dict[int, int] = {}

    def learns(n: int) -> bool:
        if n not in solved_by:
            bar.set_postfix(H=config.hidden, N=n)
            runs = train_shift_seeds(replace(config, n=n), range(seeds), progress=False)
            solved_by[n] = sum(r.solved for r in runs)
            bar.update()
        return solved_by[n] > 0

    largest = largest_learned(learns, max_n)
    return SweepResult(config.hidden, largest, largest == max_n, seeds, solved_by)


def largest_learned(learns: Callable[[int], bool], max_n: int) -> int:
    """The search of `capacity_sweep`: grow N by doubling from 3 until `learns(N)` fails,
    bisect between the last success and the first failure, then confirm the next three
    N above the answer (any success moves it up). N=2 (one example) counts as learned."""
    good, bad, n = 2, None, 3
    while n <= max_n:
        if not learns(n):
            bad = n
            break
        good = n
        n = max_n if n < max_n < 2 * n else 2 * n
    if bad is None:
        return good
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if learns(mid) else (good, mid)
    above = good + 1
    while above <= min(good + 3, max_n):
        if learns(above):
            good = above
        above += 1
    return good
