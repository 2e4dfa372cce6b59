"""Where floating point stops the hand-built network: the table the tutorial shows (about a minute).

    python demos/handbuilt.py [--out DIR]

For float16 and float32 it tries N about 4% apart until `handbuilt_network(N, 2)` gets an example
wrong (`shift.float_limit`); float64 and three hidden neurons pass every N it can run (the cost
grows as N^2), so it doubles N up to 16384 for them. It then says where float64 would stop by the
rule the other two follow: the right logit's lead over its neighbour, 1 - cos(2 pi / (N-1)) of
the logit's size, sinks to about one unit in the last place. Writes DIR/handbuilt_limits.txt
(default docs/images/) and prints it, and draws the hidden space of the hand-built N=11
network into DIR/handbuilt_11_2.svg (`python demos/handbuilt.py handbuilt_11_2.svg` for it alone).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from tinygrad_lite.files import atomic_write
from tinygrad_lite.shift import FloatLimit, float_limit, handbuilt_network
from tinygrad_lite.viz import draw_hidden_space

DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
REACH = 2**14  # the largest N run for the floats that do not fail


def lead(n: int) -> float:
    """The right logit's lead over its neighbour's, as a fraction of the right logit (H=2)."""
    return 1 - math.cos(2 * math.pi / (n - 1))


def row(limit: FloatLimit, margin: float) -> str:
    eps = np.finfo(limit.dtype).eps
    if limit.first_failure is None:
        failure, ulps = "none up to 16384", "-"
    else:
        failure, ulps = str(limit.first_failure), f"{lead(limit.first_failure) / eps:.2f} eps"
    left = f"{limit.margin_left:.3g} of {margin:g}"
    return f"{limit.dtype:>7} | {limit.hidden} | {limit.largest_n:>15} | {left:>12} | {failure:>16} | {ulps}"


def table() -> str:
    margin = 10.0
    limits = [
        float_limit(np.float16, 2, margin=margin),
        float_limit(np.float32, 2, margin=margin),
        float_limit(np.float64, 2, margin=margin, max_n=REACH, ratio=2),
        float_limit(np.float32, 3, margin=margin, max_n=REACH, ratio=2),
    ]
    failing = [limit for limit in limits if limit.first_failure is not None and limit.hidden == 2]
    ulps = np.mean([lead(limit.first_failure) / np.finfo(limit.dtype).eps for limit in failing])
    n64 = 2 * math.pi / math.sqrt(2 * ulps * np.finfo(np.float64).eps) + 1  # lead(n) = ulps * eps
    lines = [
        "  dtype | H | all right up to |  margin left |    first N wrong | lead / logit there",
        *(row(limit, margin) for limit in limits),
        f"float64, H=2, where lead / logit = {ulps:.2f} eps as above: N = {n64:.2g} (not run: N^2 logits)",
    ]
    return "\n".join(lines) + "\n"


def limits(path: Path) -> None:
    text = table()
    atomic_write(path, text.encode(), make_parents=True, owner="handbuilt")
    print(text, end="")


def hidden(path: Path) -> None:
    """The hidden space of handbuilt_network(11, 2): ten codes on a circle, each output aimed at one."""
    title = "N=11, H=2, built by hand"
    draw_hidden_space(handbuilt_network(11, 2), title=title).save(path)


OUTPUTS = {"handbuilt_limits.txt": limits, "handbuilt_11_2.svg": hidden}


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure where floats stop the hand-built network.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"only these, of {', '.join(OUTPUTS)}")
    parser.add_argument("--out", type=Path, default=DOCS_IMAGES, help="folder (default docs/images/)")
    args = parser.parse_args()
    if unknown := [name for name in args.names if name not in OUTPUTS]:
        parser.error(f"no output named {', '.join(unknown)}; the outputs are {', '.join(OUTPUTS)}")
    for name in args.names or OUTPUTS:
        OUTPUTS[name](args.out / name)
        print(args.out / name)


if __name__ == "__main__":
    main()
