"""The capacity sweep: for each hidden size H, the largest N whose shift task H tanh neurons learn.

`capacity_table` answers it for every (hidden, bias, optimizer, lr) at once: one
search per row, the rows of one optimizer training together as one batched model
(every seed and every lr a copy of the network), independent cells spread over
processes. `capacity_sweep` is its first form, kept: Adam at one lr, no bias, the
normal init, "at least one seed", and a search down to resolution 1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import checks, files
from .processes import run_in_processes
from .task import INITS, node_count
from .training import OPTIMIZERS, ShiftConfig, train_shift_seeds

CRITERIA = ("all", "any")  # every seed must learn N, or at least one
REDUCTION = {"adam": "mean", "sgd": "sum"}  # Adam on the mean loss; SGD per example, like online backprop


@dataclass
class Capacity:
    """One row of the capacity table: how far one (hidden, bias, optimizer, lr) goes."""

    hidden: int
    bias: bool
    optimizer: str
    lr: float
    largest_n: int  # the largest N tried that met the criterion (2, one example, always counts)
    capped: bool  # largest_n is the search limit, so the real limit may be higher
    tried: dict[int, int] = field(default_factory=dict)  # N -> how many seeds learned it

    def record(self) -> dict[str, Any]:
        """The row as JSON: the fields above, `tried` keyed by N as a string, in increasing N."""
        tried = {str(n): k for n, k in sorted(self.tried.items())}
        return {
            "hidden": self.hidden,
            "bias": self.bias,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "largest_n": self.largest_n,
            "capped": self.capped,
            "tried": tried,
        }


@dataclass
class SweepResult:
    """How far one hidden size goes in `capacity_sweep`: the largest N learned, and every N tried."""

    hidden: int
    max_n: int  # the largest N that at least one seed learned to 100% accuracy
    capped: bool  # True when max_n is the search limit, so the real limit may be higher
    seeds: int
    solved_by: dict[int, int] = field(default_factory=dict)  # N -> how many seeds learned it


@dataclass(frozen=True)
class _Cell:
    """The work of one process: every lr of one optimizer, for one hidden size and bias."""

    hidden: int
    bias: bool
    optimizer: str
    lrs: tuple[float, ...]
    seeds: int
    steps: int
    criterion: str
    max_n: int
    init: str
    relative: int | None  # the search's resolution is max(1, N // relative); None: 1
    above: int  # how many N above the answer the search checks


# ---- the search ------------------------------------------------------------------------------


def search(max_n: int, relative: int | None = 16, above: int = 2) -> Generator[int, bool, int]:
    """The search for the largest N learned, as a generator: it yields each N to try, is sent
    whether that N was learned, and returns the answer (StopIteration.value).

    N doubles from 3 until it fails (the last step lands on max_n); then bisects between
    the last success `good` and the first failure until they are within max(1, good //
    relative) (1 when relative is None); then tries the `above` N just above the answer,
    because success is not monotone in N: any success moves the answer up and the check
    repeats. N=2 (one example) counts as learned. It may ask for an N twice.
    """
    max_n = node_count("search", max_n, "max_n")
    if relative is not None:
        relative = checks.positive_int("search", "relative", relative)
    return _search(max_n, relative, checks.non_negative_int("search", "above", above))


def _search(max_n: int, relative: int | None, above: int) -> Generator[int, bool, int]:
    good, bad, n = 2, None, 3
    while n <= max_n:
        if not (yield n):
            bad = n
            break
        good = n
        n = max_n if n < max_n < 2 * n else 2 * n
    if bad is None:
        return good
    while bad - good > (1 if relative is None else max(1, good // relative)):
        middle = (good + bad) // 2
        good, bad = (middle, bad) if (yield middle) else (good, middle)
    n = good + 1
    while n <= min(good + above, max_n):
        if (yield n):
            good = n
        n += 1
    return good


def largest_learned(
    learns: Callable[[int], bool], max_n: int, relative: int | None = None, above: int = 3
) -> int:
    """`search` driven by `learns(N) -> bool`: the largest N learned. The defaults are
    `capacity_sweep`'s search: resolution 1, then the three N above the answer."""
    if not callable(learns):
        raise TypeError(f"largest_learned: learns must be a function N -> bool, got {type(learns).__name__}")
    steps = search(max_n, relative, above)
    try:
        n = next(steps)
        while True:
            n = steps.send(bool(learns(n)))
    except StopIteration as stop:
        return stop.value


# ---- one cell: the searches of every lr of one optimizer, in step --------------------------------


def _run_cell(cell: _Cell, tick: Callable[[], Any] = lambda: None) -> list[Capacity]:
    """One search per lr, run in step: each round, the lrs that ask for the same N train together
    as one model (seeds x lrs copies), each copy stopping when it solves the task."""
    tried: dict[float, dict[int, int]] = {lr: {} for lr in cell.lrs}
    searches = {lr: search(cell.max_n, cell.relative, cell.above) for lr in cell.lrs}
    asking = {lr: next(steps) for lr, steps in searches.items()}
    answers: dict[float, int] = {}
    while asking:
        new: dict[int, list[float]] = {}
        for lr, n in asking.items():
            if n not in tried[lr]:
                new.setdefault(n, []).append(lr)
        for n, lrs in sorted(new.items()):
            solved = _train_together(cell, n, lrs)
            for lr, count in zip(lrs, solved):
                tried[lr][n] = count
            tick()
        for lr, n in list(asking.items()):
            learned = tried[lr][n] == cell.seeds if cell.criterion == "all" else tried[lr][n] > 0
            try:
                asking[lr] = searches[lr].send(learned)
            except StopIteration as stop:
                answers[lr] = stop.value
                del asking[lr]
    return [
        Capacity(
            cell.hidden, cell.bias, cell.optimizer, lr, answers[lr], answers[lr] == cell.max_n, tried[lr]
        )
        for lr in cell.lrs
    ]


def _train_together(cell: _Cell, n: int, lrs: list[float]) -> list[int]:
    """For each lr, how many of the seeds learn N (100% accuracy within the budget)."""
    config = ShiftConfig(
        n,
        cell.hidden,
        steps=cell.steps,
        lr=lrs[0],
        optimizer=cell.optimizer,
        bias=cell.bias,
        init=cell.init,
        reduction=REDUCTION[cell.optimizer],
        stop_when_solved=True,
    )
    runs = train_shift_seeds(config, range(cell.seeds), lrs=lrs, progress=False)
    return [sum(run.solved for run in runs[i * cell.seeds : (i + 1) * cell.seeds]) for i in range(len(lrs))]


# ---- many cells, over processes ------------------------------------------------------------------


def _run_cells(cells: list[_Cell], jobs: int, bar) -> list[list[Capacity]]:
    """Each cell's rows, in the order of `cells`; with jobs > 1 the cells run in that many
    processes (each cell alone is deterministic, so the rows do not depend on `jobs`)."""
    if jobs == 1 or len(cells) == 1:
        return [_run_cell(cell, bar.update) for cell in cells]
    # The largest networks first, so that the long cells do not start last.
    order = sorted(range(len(cells)), key=lambda i: (-cells[i].hidden, -len(cells[i].lrs)))
    return run_in_processes(_run_cell, cells, jobs, bar, order)


# ---- the public entry points ---------------------------------------------------------------------


def capacity_table(
    hidden_sizes: Sequence[int],
    optimizers: Sequence[tuple[str, float]] = (("adam", 0.05),),
    *,
    bias: Sequence[bool] = (False,),
    seeds: int = 3,
    steps: int = 5000,
    criterion: str = "all",
    max_n: int = 512,
    init: str = "uniform",
    jobs: int | None = None,
    json_path: Any = None,
    progress: bool = True,
) -> list[Capacity]:
    """The largest N learned for every (hidden, bias, optimizer, lr): one `Capacity` per row.

    N is learned when every seed (criterion="all"), or at least one ("any"), gets all
    N-1 examples right within `steps` updates. Adam trains on the mean cross-entropy
    over the examples, SGD (no momentum) on the sum, so its lr is per example. The
    `search` goes down to a resolution of max(1, N // 16) and checks the two N above
    its answer. The seeds and lrs of one optimizer train as one batched model; `jobs`
    processes (default: every core) take one (hidden, bias, optimizer) each, the
    largest H first, each with its share of the cores for BLAS (`processes`). With
    `json_path`, the rows are written there as a JSON list (`Capacity.record`).
    """
    owner = "capacity_table"
    hidden_sizes = list(dict.fromkeys(_hidden_sizes(owner, hidden_sizes)))
    optimizers = _optimizers(owner, optimizers)
    biases = checks.non_empty_list(owner, "bias", bias, checks.is_boolean, "True/False")
    biases = list(dict.fromkeys(map(bool, biases)))  # each once, as Python's bools (numpy's too)
    checks.one_of(owner, "criterion", criterion, CRITERIA)
    checks.one_of(owner, "init", init, INITS)
    jobs = (os.cpu_count() or 1) if jobs is None else checks.positive_int(owner, "jobs", jobs)
    if json_path is not None:
        json_path = files.output_path(owner, json_path, example="table.json")
    checks.non_negative_int(owner, "steps", steps)
    common = _budget(owner, seeds, steps, max_n) | {"criterion": criterion, "init": init}
    cells = [
        _Cell(h, b, name, lrs, **common, relative=16, above=2)
        for h in hidden_sizes
        for b in biases
        for name, lrs in _by_optimizer(optimizers).items()
    ]
    rows = {(r.hidden, r.bias, r.optimizer, r.lr): r for rs in _with_bar(cells, jobs, progress) for r in rs}
    table = [rows[h, b, name, lr] for h in hidden_sizes for b in biases for name, lr in optimizers]
    if json_path is not None:
        lines = ",\n".join(json.dumps(row.record()) for row in table)  # one row per line
        files.atomic_write(json_path, f"[\n{lines}\n]\n", owner=owner)
    return table


def capacity_sweep(
    hidden_sizes: Sequence[int],
    seeds: int = 3,
    steps: int = 5000,
    lr: float = 0.05,
    max_n: int = 256,
    progress: bool = True,
) -> list[SweepResult]:
    """For each hidden size H, the largest N whose shift task H tanh neurons learn: the
    first form of `capacity_table`, kept as it was.

    "Learns N" means at least one of `seeds` networks (the normal init, no biases)
    reaches 100% accuracy within `steps` Adam updates on the mean loss. The search
    grows N (doubling from 3) until a failure, bisects between the last success and
    the first failure, then tries the next three N above the answer, because success
    is not monotone in N; any that succeed move the answer up and the check repeats.
    The seeds of one N train together as one batched model (`train_shift_seeds`).
    """
    owner = "capacity_sweep"
    common = _budget(owner, seeds, steps, max_n)
    hidden_sizes = _hidden_sizes(owner, hidden_sizes)
    ShiftConfig(steps=steps, lr=lr)  # refuses a bad steps or lr up front, as it always did
    cells = [
        _Cell(h, False, "adam", (lr,), **common, criterion="any", init="normal", relative=None, above=3)
        for h in hidden_sizes
    ]
    rows = [row for rows in _with_bar(cells, 1, progress, "capacity sweep") for row in rows]
    return [SweepResult(r.hidden, r.largest_n, r.capped, seeds, r.tried) for r in rows]


def _with_bar(cells: list[_Cell], jobs: int, progress: bool, desc: str = "capacity table"):
    from tqdm.auto import tqdm  # here, so that `import tinygrad_lite` never imports tqdm

    with tqdm(desc=desc, unit="run", disable=not progress) as bar:
        return _run_cells(cells, jobs, bar)


def capacity_text(table: Sequence[Capacity]) -> str:
    """The table as text: one line per (bias, optimizer, lr), one column per hidden size,
    each the largest N learned (">= N" where the search stopped at its limit)."""
    table = checks.non_empty_list("capacity_text", "table", table, Capacity, "Capacity rows (capacity_table)")
    hidden = list(dict.fromkeys(row.hidden for row in table))
    lines = {}
    for row in table:
        largest = f">= {row.largest_n}" if row.capped else str(row.largest_n)
        lines.setdefault((row.bias, row.optimizer, row.lr), {})[row.hidden] = largest
    header = "bias | optimizer    | " + " ".join(f"{f'H={h}':>8}" for h in hidden)
    body = [
        f"{'yes' if bias else 'no':<4} | {f'{name} {lr:g}':<12} | "
        + " ".join(f"{cells.get(h, '-'):>8}" for h in hidden)
        for (bias, name, lr), cells in lines.items()
    ]
    return "\n".join([header, *body])


# ---- checking the arguments ----------------------------------------------------------------------


def _budget(owner: str, seeds: int, steps: int, max_n: int) -> dict[str, int]:
    seeds = checks.positive_int(owner, "seeds", seeds)
    max_n = node_count(owner, max_n, "max_n")
    return {"seeds": seeds, "steps": steps, "max_n": max_n}


def _hidden_sizes(owner: str, hidden_sizes: Any) -> list[int]:
    if checks.is_int(hidden_sizes):
        hidden_sizes = [hidden_sizes]
    if not hasattr(hidden_sizes, "__iter__"):
        raise TypeError(f"{owner}: hidden_sizes must be a list of ints, got {hidden_sizes!r}")
    return [checks.positive_int(owner, "hidden size", h) for h in hidden_sizes]


def _optimizers(owner: str, optimizers: Any) -> list[tuple[str, float]]:
    """[(name, lr), ...] with each name a key of OPTIMIZERS and each lr positive, each pair once."""
    if not isinstance(optimizers, (list, tuple)) or not optimizers:
        raise ValueError(f"{owner}: optimizers must be a non-empty list of (name, lr), got {optimizers!r}")
    pairs = []
    for pair in optimizers:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(
                f"{owner}: each optimizer must be a pair (name, lr) such as ('adam', 0.05), got {pair!r}"
            )
        name, lr = pair
        checks.one_of(owner, "optimizer", name, tuple(OPTIMIZERS))
        pairs.append((name, checks.positive_number(owner, f"the lr of {name}", lr)))
    return list(dict.fromkeys(pairs))


def _by_optimizer(optimizers: list[tuple[str, float]]) -> dict[str, tuple[float, ...]]:
    lrs: dict[str, list[float]] = {}
    for name, lr in optimizers:
        lrs.setdefault(name, []).append(lr)
    return {name: tuple(values) for name, values in lrs.items()}
