"""The capacity sweep: the largest N that H tanh neurons learn, beside the numbers the seed post gives.

    python demos/capacity.py [--out DIR] [--jobs J] [--table-json PATH]

Two measurements, each as text and as a plot (matplotlib, the `plot` extra:
`pip install -e '.[plot]'`), into DIR (out/ unless given; `make docs-images`
gives docs/images, where the tutorial picks them up):

- capacity_sweep.txt/.svg: one slice, `shift.capacity_sweep` (Adam at lr 0.05, no
  biases, the normal init, "at least one of 3 seeds", N up to 256): about a minute.
- capacity_table.json/.txt/.svg: the whole table, `shift.capacity_table` with the
  settings of TABLE (H = 1..5, both biases, Adam at 0.01/0.05/0.1 and SGD at
  0.1/0.5, every one of 3 seeds, N up to 512), what
  `python -m tinygrad_lite sweep ... --json table.json` computes. It takes about
  ten minutes on two idle cores; `--table-json PATH` redraws the text and plot
  from a JSON the command wrote instead of running it again.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import time
from pathlib import Path

from tinygrad_lite import shift

OUTPUTS = (
    "capacity_sweep.txt",
    "capacity_sweep.svg",
    "capacity_table.json",
    "capacity_table.txt",
    "capacity_table.svg",
)
OUT = Path(__file__).resolve().parent.parent / "out"

# The whole table's settings: the command, one option per entry.
TABLE = {
    "hidden": [1, 2, 3, 4, 5],
    "optimizers": [("adam", 0.01), ("adam", 0.05), ("adam", 0.1), ("sgd", 0.1), ("sgd", 0.5)],
    "bias": [False, True],
    "seeds": 3,
    "steps": 5000,
    "criterion": "all",
    "max_n": 512,
    "init": "uniform",
}
COMMAND = (
    "python -m tinygrad_lite sweep --hidden 1 2 3 4 5 --optimizers adam:0.01 adam:0.05 adam:0.1 "
    "sgd:0.1 sgd:0.5 --bias both --seeds 3 --steps 5000 --criterion all --max-n 512 --init uniform "
    "--json table.json"
)


# ---- one slice: capacity_sweep ------------------------------------------------------------------


def sweep_text(results: list[shift.SweepResult]) -> str:
    """The slice as text: the budget it ran with, then shift.sweep_table."""
    budget = (
        "Capacity sweep: 3 seeds per N, 5000 Adam updates each (lr 0.05), N searched up to 256.\n"
        "'Learns N' means at least one seed gets all N-1 examples right.\n"
    )
    return budget + shift.sweep_table(results)


def sweep_plot(results: list[shift.SweepResult], path: Path) -> None:
    """The largest N learned against H, ours beside the seed's (matplotlib must be installed)."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.hashsalt": "tinygrad_lite", "svg.fonttype": "none", "font.size": 10})
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    hs = [r.hidden for r in results]
    ax.plot(hs, [r.max_n for r in results], "o-", color="C0", label="ours (Adam, 5000 updates, 3 seeds)")
    for r in results:
        text = f"≥ {r.max_n}" if r.capped else str(r.max_n)
        ax.annotate(text, (r.hidden, r.max_n), xytext=(8, -4), textcoords="offset points", color="C0")
    seed = [(h, n) for h, n in shift.SEED_LARGEST_N.items() if h in hs]
    ax.plot(*zip(*seed), "s--", color="C1", fillstyle="none", label="the seed post (rough numbers)")
    for h, n in seed:
        words = shift.SEED_CAPACITY[h]
        ax.annotate(words, (h, n), xytext=(-8, 4), textcoords="offset points", ha="right", color="C1")
    ax.set_yscale("log")
    ax.set_ylim(2, 1500)
    ax.set_xticks(hs)
    ax.set(xlabel="hidden tanh neurons H", ylabel="largest N learned", title="One slice: Adam 0.05, any seed")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None, "Creator": None})
    plt.close(fig)


# ---- the whole table: capacity_table ------------------------------------------------------------


def table_text(table: list[shift.Capacity], took: str | None) -> str:
    """The table as text under the command that made it (and how long it took)."""
    took = "" if took is None else f"\n({took})"
    return f"$ {COMMAND}{took}\n\nlargest N learned by all 3 seeds:\n{shift.capacity_text(table)}"


def load_table(path: Path) -> list[shift.Capacity]:
    """The rows of a JSON the sweep command (or capacity_table) wrote."""
    rows = json.loads(path.read_text("utf-8"))
    return [shift.Capacity(**{**row, "tried": {int(n): k for n, k in row["tried"].items()}}) for row in rows]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The capacity sweep and table beside the seed's numbers.")
    parser.add_argument(
        "--out", type=Path, default=OUT, help="folder for the tables and plots (default out/)"
    )
    parser.add_argument("--jobs", type=int, help="processes for the whole table (default: every core)")
    parser.add_argument("--table-json", type=Path, help="draw the whole table from this JSON, not a new run")
    parser.add_argument("--took", help="with --table-json: how long that run took, in words")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    results = shift.capacity_sweep([1, 2, 3, 4], seeds=3, steps=5000, lr=0.05, max_n=256)
    (args.out / "capacity_sweep.txt").write_text(sweep_text(results) + "\n", "utf-8")
    print(sweep_text(results))

    if args.table_json is None:
        start = time.perf_counter()
        table = shift.capacity_table(**TABLE, jobs=args.jobs, json_path=args.out / "capacity_table.json")
        took = f"{(time.perf_counter() - start) / 60:.1f} minutes, {os.cpu_count()} cores"
    else:
        table, took = load_table(args.table_json), args.took
        if args.table_json.resolve() != (args.out / "capacity_table.json").resolve():
            shutil.copyfile(args.table_json, args.out / "capacity_table.json")
    text = table_text(table, took)
    (args.out / "capacity_table.txt").write_text(text + "\n", "utf-8")
    print(text)
    try:
        sweep_plot(results, args.out / "capacity_sweep.svg")
        shift.capacity_plot(table, args.out / "capacity_table.svg")
    except ImportError:
        print("no plots: matplotlib is missing (pip install -e '.[plot]')")
    print(f"wrote {', '.join(shlex.quote(str(args.out / name)) for name in OUTPUTS)}")


if __name__ == "__main__":
    main()
