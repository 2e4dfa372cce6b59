"""The main job: the seed's network learns the shift task (run by `make demo`).

Trains N=5 and N=11 with two tanh hidden neurons and a softmax output, prints
the accuracy, the weights the way the seed shows them and worked examples, and
draws each trained network into out/ with input 3 firing, as in the seed's
walk-through.
"""

import sys
from pathlib import Path

from tinygrad_lite import draw_network
from tinygrad_lite.shift import ShiftConfig, train_shift, weight_table, worked_example


def show(n: int, hidden: int, steps: int, out: Path) -> None:
    result = train_shift(ShiftConfig(n, hidden, steps=steps), seed=0)
    print(
        f"\n=== N={n}, H={hidden}: {n * n} connections without a hidden layer, {2 * n * hidden} with it ==="
    )
    print(
        f"accuracy {result.accuracy:.0%}; all {n - 1} examples right after {result.solved_at} updates; "
        f"loss {result.losses[0]:.3f} -> {result.losses[-1]:.2e}"
    )
    print(weight_table(result.model))
    for k in (1, n // 2, n - 1):
        print(worked_example(result.model, k))
    picture = draw_network(
        result.model, x=3, title=f"The seed's network after {steps} updates: N={n}, H={hidden}"
    )
    print(picture.save(out / f"shift_n{n}_h{hidden}.svg"))


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "out"
    out.mkdir(parents=True, exist_ok=True)
    show(5, 2, steps=3000, out=out)
    show(11, 2, steps=3000, out=out)
