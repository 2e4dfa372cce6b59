"""Benchmark 3: time to solve, the wall time until N=11 H=2 reaches 100% accuracy.

Each contender starts from the same weights (normal * 0.5 from default_rng(0))
with Adam(lr=0.05), makes the model, then trains full-batch until all 10
examples are right: a forward, the accuracy check, and (while not yet solved)
backward and update. The contenders and the numpy floor are those of
bench_tensor.py; shift.train_shift runs with stop_when_solved=True. Every one
should stop after 244 updates.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse

from _common import Contender, check, fmt_ratio, fmt_time, heading, paired_ratio, run_interleaved
from _common import quartiles, timing_table
from bench_tensor import OursMLP, Torch, shift_problem, trainers
from tinygrad_lite import shift

N, HIDDEN, MAX_UPDATES = 11, 2, 5000


def solve(trainer: type) -> int:
    """Updates made before 100% accuracy (the last step's update comes after the check; it is
    one extra update of ~1/245 of the time, the same for every contender)."""
    p = shift_problem(N, HIDDEN)
    t = trainer(p)
    for k in range(MAX_UPDATES):
        _, logits = t.numbers(t.step())
        if (logits.argmax(-1) == p["y"]).all():
            return k
    raise AssertionError(f"{trainer.name} did not solve N={N} H={HIDDEN} in {MAX_UPDATES} updates")


def solve_with_train_shift() -> int:
    result = shift.train_shift(
        shift.ShiftConfig(N, HIDDEN, steps=MAX_UPDATES, stop_when_solved=True), progress=False
    )
    return result.solved_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if not _common.installed("torch"):
        _common.skip_note("PyTorch eager", "torch", "make bench installs the CPU build torch==2.13.0+cpu")
    runs = {t.name: (lambda t=t: solve(t)) for t in trainers()}
    runs["shift.train_shift(stop_when_solved=True)"] = solve_with_train_shift
    updates = {name: run() for name, run in runs.items()}
    contenders = [Contender(name, run) for name, run in runs.items()]
    run_interleaved(contenders, repeats=args.repeats, warmup=1, sample_s=0.05)
    heading(f"3. Time to solve: N={N} H={HIDDEN} to 100% accuracy, Adam(lr=0.05)")
    print(", ".join(f"{name}: {k} updates" for name, k in updates.items()) + ".\n")
    refs = [contenders[0]] + [c for c in contenders if c.name == Torch.name]
    per_update = {"per update": lambda c: fmt_time(quartiles(c.samples)[1] / max(updates[c.name], 1))}
    print(timing_table(contenders, refs, per_update))
    if Torch.name in runs:
        by = {c.name: c for c in contenders}
        print()
        ratio = paired_ratio(by[OursMLP.name], by[Torch.name])
        print(check("nn.MLP solves faster than PyTorch eager", ratio[1] < 1, f"time {fmt_ratio(ratio)}"))


if __name__ == "__main__":
    main()
