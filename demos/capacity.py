"""The capacity sweep: the largest N that H tanh neurons learn, beside the numbers the seed post gives.

    python demos/capacity.py [--hidden 1 2 3 4] [--seeds 3] [--steps 5000] [--max-n 256] [--out DIR]

Prints the table and writes it to DIR/capacity_sweep.txt; with matplotlib (the
`plot` extra: `pip install -e '.[plot]'`) it also plots the largest N against H
into DIR/capacity_sweep.svg. DIR is out/ unless given; `make docs-images` runs
it with --out docs/images, where the tutorial picks up both files. With the
default budget (3 seeds, 5000 Adam updates each, N up to 256) it takes about a
minute on one core.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinygrad_lite import shift

OUTPUTS = ("capacity_sweep.txt", "capacity_sweep.svg")
OUT = Path(__file__).resolve().parent.parent / "out"

# The seed post's claims (shift.SEED_CAPACITY) as numbers to plot: "close to the
# limit" at 11 for two neurons, "something like thirty" for three, "more than a
# hundred" for four.
SEED_N = {2: 11, 3: 30, 4: 100}


def table(results: list[shift.SweepResult], seeds: int, steps: int, lr: float, max_n: int) -> str:
    """The sweep as text: the budget it ran with, then shift.sweep_table."""
    budget = (
        f"Capacity sweep: {seeds} seeds per N, {steps} Adam updates each (lr {lr}), "
        f"N searched up to {max_n}.\n"
        "'Learns N' means at least one seed gets all N-1 examples right.\n"
    )
    return budget + shift.sweep_table(results)


def plot(results: list[shift.SweepResult], path: Path, label: str) -> bool:
    """The largest N learned against H, ours beside the seed's; False when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.hashsalt": "tinygrad_lite", "svg.fonttype": "none", "font.size": 10})
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    hs = [r.hidden for r in results]
    ax.plot(hs, [r.max_n for r in results], "o-", color="C0", label=label)
    for r in results:
        if r.capped:  # the search stopped at its limit: the real answer is at least this
            ax.annotate(
                "",
                (r.hidden, r.max_n * 2.2),
                (r.hidden, r.max_n),
                arrowprops={"arrowstyle": "-|>", "color": "C0", "lw": 1.2},
            )
            ax.annotate(
                f"≥ {r.max_n}",
                (r.hidden, r.max_n),
                xytext=(-8, -4),
                textcoords="offset points",
                ha="right",
                color="C0",
            )
        else:
            ax.annotate(
                str(r.max_n), (r.hidden, r.max_n), xytext=(8, -4), textcoords="offset points", color="C0"
            )
    seed = [(h, n) for h, n in SEED_N.items() if h in hs]
    ax.plot(*zip(*seed), "s--", color="C1", fillstyle="none", label="the seed post (rough numbers)")
    for h, n in seed:
        words = shift.SEED_CAPACITY[h]
        ax.annotate(words, (h, n), xytext=(-8, 4), textcoords="offset points", ha="right", color="C1")
    ax.set_yscale("log")
    ax.set_ylim(2, 1500)
    ax.set_xticks(hs)
    ax.set(
        xlabel="hidden tanh neurons H",
        ylabel="largest N learned",
        title="How far H neurons compress the shift task",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The capacity sweep beside the seed's numbers.")
    parser.add_argument(
        "--hidden", type=int, nargs="+", default=[1, 2, 3, 4], help="hidden sizes (default 1-4)"
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds per N (default 3)")
    parser.add_argument("--steps", type=int, default=5000, help="Adam updates per run (default 5000)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    parser.add_argument("--max-n", type=int, default=256, help="largest N to try (default 256)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the table and plot (default out/)")
    args = parser.parse_args(argv)
    results = shift.capacity_sweep(args.hidden, args.seeds, args.steps, args.lr, args.max_n)
    text = table(results, args.seeds, args.steps, args.lr, args.max_n)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "capacity_sweep.txt").write_text(text + "\n", "utf-8")
    label = f"ours (Adam, {args.steps} updates, {args.seeds} seeds)"
    if plot(results, args.out / "capacity_sweep.svg", label):
        print(f"wrote {args.out / 'capacity_sweep.txt'} and {args.out / 'capacity_sweep.svg'}")
    else:
        print(
            f"wrote {args.out / 'capacity_sweep.txt'}; "
            "no plot: matplotlib is missing (pip install -e '.[plot]')"
        )


if __name__ == "__main__":
    main()
