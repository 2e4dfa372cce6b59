"""The main job: the seed's network learns the shift task (run by `make demo`).

Trains N=5 and N=11 with two tanh hidden neurons and a softmax output, prints
the accuracy, the weights the way the seed shows them, and a worked example,
then writes pictures to out/.
"""

from pathlib import Path

from tinygrad_lite import tasks

OUT = Path(__file__).resolve().parent.parent / "out"


def show(n: int, hidden: int, steps: int) -> tasks.ShiftResult:
    result = tasks.train_shift(n, hidden, steps=steps, seed=0)
    print(
        f"\n=== N={n}, H={hidden}: {n * n} connections without a hidden layer, {2 * n * hidden} with it ==="
    )
    print(
        f"accuracy {result.accuracy:.0%}; all {n - 1} examples right after {result.solved_at} updates; "
        f"loss {result.losses[0]:.3f} -> {result.losses[-1]:.2e}"
    )
    print(tasks.weight_table(result.model))
    for k in (1, n // 2, n - 1):
        print(tasks.worked_example(result.model, k))
    return result


if __name__ == "__main__":
    show(5, 2, steps=3000)
    show(11, 2, steps=3000)
