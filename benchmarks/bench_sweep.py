"""Benchmark 4: the capacity sweep, H=1..4 with 3 seeds and the default budget, wall time.

Runs shift.capacity_sweep one hidden size at a time (the same searches as
capacity_sweep([1, 2, 3, 4]) in one call) so the time of each shows, and checks
the total against the target of 60 s. A single run: it is long, and nothing
else runs beside it.
"""

import argparse
import time

from _common import check, fmt_time, heading, table

from tinygrad_lite import shift

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    results, rows = [], []
    total_wall = total_cpu = 0.0
    for hidden in args.hidden:
        wall, cpu = time.perf_counter(), time.process_time()
        (result,) = shift.capacity_sweep([hidden], seeds=3, progress=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        results.append(result)
        runs = len(result.solved_by)
        rows.append([f"H={hidden}", fmt_time(wall), fmt_time(cpu), runs, result.max_n])
    rows.append(["total", fmt_time(total_wall), fmt_time(total_cpu), sum(r[3] for r in rows), ""])
    heading("4. Capacity sweep: H=1..4, 3 seeds, 5000 Adam updates per run (default budget)")
    print(table(["hidden size", "wall time", "CPU time", "trainings (N tried)", "largest N"], rows))
    print("\n```\n" + shift.sweep_table(results) + "\n```\n")
    print(check(f"total wall time under {TARGET_S:.0f} s", total_wall < TARGET_S, fmt_time(total_wall)))


if __name__ == "__main__":
    main()
