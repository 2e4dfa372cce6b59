"""The capacity table as a picture: the largest N learned against H, one panel per optimizer.

matplotlib (the `plot` extra) is imported inside `capacity_plot` only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import checks, files
from .sweep import Capacity

# The seed post's rough numbers: "close to the limit" at 11 for two neurons,
# "something like thirty" for three, "more than a hundred" for four.
SEED_LARGEST_N = {2: 11, 3: 30, 4: 100}


def capacity_plot(table: Sequence[Capacity], path: Any) -> Path:
    """Plot `table` (from `capacity_table`) to `path` (.svg, .png or .pdf): per optimizer,
    the largest N learned against H on a log scale, one line per lr (dashed: with biases),
    a triangle where the search stopped at its limit, and the seed's numbers."""
    table = checks.non_empty_list("capacity_plot", "table", table, Capacity, "Capacity rows (capacity_table)")
    path = files.output_path("capacity_plot", path, example="capacity.svg")
    if path.suffix.lower() not in ("", ".svg", ".png", ".pdf"):
        raise ValueError(f"capacity_plot: writes .svg, .png or .pdf files, got {str(path)!r}")
    try:
        import matplotlib
    except ImportError:
        raise ImportError("capacity_plot: needs matplotlib: pip install 'tinygrad_lite[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(row.optimizer for row in table))
    with matplotlib.rc_context({"svg.hashsalt": "tinygrad_lite", "svg.fonttype": "none", "font.size": 9}):
        fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.6), sharey=True, squeeze=False)
        for ax, name in zip(axes[0], names):
            _panel(ax, [row for row in table if row.optimizer == name], name)
        fig.tight_layout()
        picture = io.BytesIO()
        fig.savefig(
            picture, format=path.suffix.lstrip(".").lower() or "svg", metadata={"Date": None, "Creator": None}
        )
        plt.close(fig)
    return files.atomic_write(path, picture.getvalue(), owner="capacity_plot")


def _panel(ax, rows: list[Capacity], name: str) -> None:
    """One optimizer: a line per (lr, bias), the seed's numbers as open squares."""
    lines = list(dict.fromkeys((row.lr, row.bias) for row in rows))
    lrs = list(dict.fromkeys(lr for lr, _ in lines))
    for lr, bias in lines:
        points = sorted(
            (row.hidden, row.largest_n, row.capped) for row in rows if (row.lr, row.bias) == (lr, bias)
        )
        hidden, largest, _ = zip(*points)
        color = f"C{lrs.index(lr)}"
        label = f"lr {lr:g}" + (", bias" if bias else "")
        ax.plot(hidden, largest, "--" if bias else "-", color=color, marker="o", ms=3, label=label)
        tops = [(h, n) for h, n, c in points if c]
        if tops:
            ax.plot(*zip(*tops), "^", color=color, ms=7)
    hidden = sorted({row.hidden for row in rows})
    seed = [(h, n) for h, n in SEED_LARGEST_N.items() if h in hidden]
    if seed:
        ax.plot(*zip(*seed), "s", color="black", fillstyle="none", label="the seed post")
    ax.set_yscale("log")
    ax.set_xticks(hidden)
    ax.set(title=name, xlabel="hidden tanh neurons H", ylabel="largest N learned (▲: search limit)")
    ax.legend(fontsize=7, loc="lower right")
