"""Benchmark 4: the capacity sweep and the whole capacity table, wall time, and what one update costs.

4a runs shift.capacity_sweep one hidden size at a time (the same searches as
capacity_sweep([1, 2, 3, 4]) in one call) so the time of each shows, against
the target of 60 s. 4b times one update of the batched training the table runs
(train_shift_seeds, 9 copies: 3 seeds x 3 Adam lrs) at growing N, here and in a
worker process of the table: the cost of a failing N is 5000 of these. With
--table, 4c runs the whole table (demos/capacity.py's TABLE: H = 1..5, both
biases, 5 optimizers, 3 seeds, N up to 512) over every core against the target
of 10 minutes: a single long run.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from _common import check, fmt_time, heading, table

from tinygrad_lite import shift
from tinygrad_lite.shift.processes import run_in_processes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "demos"))
from capacity import TABLE

SWEEP_TARGET_S = 60.0
TABLE_TARGET_S = 600.0


def sweep_slice(hidden_sizes: list[int]) -> None:
    results, rows = [], []
    total_wall = total_cpu = 0.0
    for hidden in hidden_sizes:
        wall, cpu = time.perf_counter(), time.process_time()
        (result,) = shift.capacity_sweep([hidden], seeds=3, progress=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        results.append(result)
        runs = len(result.solved_by)
        rows.append([f"H={hidden}", fmt_time(wall), fmt_time(cpu), runs, result.max_n])
    rows.append(["total", fmt_time(total_wall), fmt_time(total_cpu), sum(r[3] for r in rows), ""])
    heading("4a. Capacity sweep: H=1..4, 3 seeds, 5000 Adam updates per run (default budget)")
    print(table(["hidden size", "wall time", "CPU time", "trainings (N tried)", "largest N"], rows))
    print("\n```\n" + shift.sweep_table(results) + "\n```\n")
    print(
        check(
            f"total wall time under {SWEEP_TARGET_S:.0f} s", total_wall < SWEEP_TARGET_S, fmt_time(total_wall)
        )
    )


def per_update(n: int, tick=None, steps: int = 20) -> float:
    """Seconds per update of train_shift_seeds at N, H=5, 9 copies; the difference of two runs
    leaves out making the model."""
    shift.train_shift_seeds(shift.ShiftConfig(5, 5, steps=5), [0], progress=False)  # imports and caches warm
    seconds = []
    for budget in (0, steps):
        config = shift.ShiftConfig(n, 5, steps=budget, init="uniform")
        start = time.perf_counter()
        shift.train_shift_seeds(config, [0, 1, 2], lrs=[0.01, 0.05, 0.1], progress=False)
        seconds.append(time.perf_counter() - start)
    return (seconds[1] - seconds[0]) / steps


class _NoBar:
    def update(self, k: int = 1) -> None:
        pass


def update_cost(sizes: tuple[int, ...] = (12, 48, 96, 192, 384, 512)) -> None:
    rows = []
    for n in sizes:  # here, then in a worker process of the table (its freed memory kept), N by N
        here = per_update(n)
        (worker,) = run_in_processes(per_update, [n], 1, _NoBar(), order=[0])
        rows.append([n, fmt_time(here), fmt_time(worker), fmt_time(worker * 5000), f"{9 * (n - 1) * n:,}"])
    heading("4b. One update of the table's batched training: H=5, 9 copies (3 seeds x 3 Adam lrs)")
    headers = ["N", "per update, here", "in a table worker", "x 5000 (a failing N)", "logits per update"]
    print(table(headers, rows))
    print("\nAt large N the time is numpy's, not Python's: each update passes over the 9 x (N-1) x N")
    print("logits about ten times (max, exp, log, softmax, the two matmul gradients). A worker of")
    print("the table keeps its freed memory (shift/processes.py), so those passes reuse warm pages.\n")


def whole_table(jobs: int | None) -> None:
    wall, cpu = time.perf_counter(), os.times()
    rows = shift.capacity_table(**TABLE, jobs=jobs, progress=False)
    wall, after = time.perf_counter() - wall, os.times()
    cpu = (after.user + after.sys + after.children_user + after.children_system) - (
        cpu.user + cpu.sys + cpu.children_user + cpu.children_system
    )
    heading(f"4c. The whole capacity table ({len(rows)} rows), {jobs or os.cpu_count()} processes")
    print("```\n" + shift.capacity_text(rows) + "\n```\n")
    print(f"wall {fmt_time(wall)}, CPU {fmt_time(cpu)} (all processes)")
    print(check(f"wall time under {TABLE_TARGET_S / 60:.0f} minutes", wall < TABLE_TARGET_S, fmt_time(wall)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--table", action="store_true", help="also run the whole table (tens of minutes)")
    parser.add_argument("--jobs", type=int, help="processes for the whole table (default: every core)")
    args = parser.parse_args()
    sweep_slice(args.hidden)
    update_cost()
    if args.table:
        whole_table(args.jobs)


if __name__ == "__main__":
    main()
