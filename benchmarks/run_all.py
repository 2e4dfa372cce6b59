"""Run every benchmark (`make bench`), each in its own process, and print one markdown report.

Each script runs in a fresh interpreter so that what one imports (PyTorch's
large heap, say) cannot slow another's garbage collector. `--out FILE` also
writes the report to FILE, ready to paste into docs/benchmarks.md.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "scalar": "bench_scalar.py",
    "tensor": "bench_tensor.py",
    "solve": "bench_solve.py",
    "sweep": "bench_sweep.py",
    "memory": "bench_memory.py",
    "compile": "bench_compile.py",
    "costs": "bench_costs.py",
}
TAKES_REPEATS = {"scalar", "tensor", "solve", "compile"}


def blas() -> str:
    import numpy as np

    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info['name']} {info.get('version', '')}".strip()
    except (KeyError, TypeError, AttributeError):
        return "unknown"


def code_version() -> str:
    """The commit benchmarked, and whether tinygrad_lite/ had uncommitted changes."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True, text=True)

    try:
        commit, dirty = git("log", "-1", "--format=%h %s"), git("status", "--porcelain", "tinygrad_lite")
    except OSError:
        return "unknown (no git)"
    if commit.returncode != 0:
        return "unknown (not a git checkout)"
    changes = " + uncommitted changes in tinygrad_lite/" if dirty.stdout.strip() else ""
    return commit.stdout.strip() + changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(SCRIPTS), default=list(SCRIPTS))
    parser.add_argument("--repeats", type=int, help="timed rounds per table (default: each script's own)")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    lines = [
        "# Benchmark run",
        "",
        f"Run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} with `make bench`.",
        "",
        _common.machine(),
        f"- numpy BLAS: {blas()}",
        f"- code: {code_version()}",
        f"- load average at the start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min; "
        f"{os.cpu_count()} cores: above that, other processes were competing for the CPU)",
        "",
        _common.MARKDOWN_NOTE + " Ratios are time / reference, taken round by round, median (q1–q3).",
    ]
    print("\n".join(lines), flush=True)
    report, failed = lines[:], []
    for name in args.only:
        command = [sys.executable, str(HERE / SCRIPTS[name])]
        if name in TAKES_REPEATS and args.repeats:
            command += ["--repeats", str(args.repeats)]
        start = time.perf_counter()
        run = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=HERE)
        took = time.perf_counter() - start
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        output = run.stdout.rstrip() + f"\n\n_{SCRIPTS[name]} took {took:.0f} s; load average then {load}._"
        if run.returncode != 0:
            output += f"\n\n> {SCRIPTS[name]} failed (exit code {run.returncode}); see its error above."
            failed.append(SCRIPTS[name])
        print(output, flush=True)
        report.append(output)
    if args.out:
        args.out.write_text("\n".join(report) + "\n")
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
