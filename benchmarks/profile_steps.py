"""Where one training step spends its time: cProfile, or a py-spy recording summarised.

    python benchmarks/profile_steps.py tensor         # cProfile, top functions by own time
    python benchmarks/profile_steps.py scalar --top 30
    py-spy record -r 1000 -f raw -o /tmp/tensor.raw -- \\
        python benchmarks/profile_steps.py tensor --loop   # sample with py-spy instead
    python benchmarks/profile_steps.py tensor --summarize /tmp/tensor.raw

The steps: "tensor" is one nn.MLP Adam step at N=11 H=2 (bench_tensor.py),
"scalar" one full-batch Adam step of the 11-2-11 Value network (bench_scalar.py),
"train_shift" one update inside shift.train_shift(11, 2). cProfile's own cost
per Python call inflates small functions; py-spy samples without that bias
(pip install py-spy) and is what docs/benchmarks.md quotes.
"""

import _common  # noqa: F401, I001  (first: pins BLAS threads before numpy loads)

import argparse
import collections
import cProfile
import pstats
import re
import time
from collections.abc import Callable

SHORT_PATH, SHORT_LINE = re.compile(r"\(\S*/(site-packages|tinygrad_lite|benchmarks)/"), re.compile(r":\d+\)")
STEPS = {"tensor": "OursMLP.step", "scalar": "SeedNet.train_step", "train_shift": "_train_together"}


def make_step(kind: str) -> tuple[Callable[[], object], int]:
    """(a function that runs some updates, how many updates one call makes)."""
    if kind == "tensor":
        from bench_tensor import OursMLP, shift_problem

        return OursMLP(shift_problem(11, 2)).step, 1
    if kind == "scalar":
        import numpy as np
        from bench_scalar import SeedNet

        from tinygrad_lite import Value, shift

        examples = [(int(np.argmax(x)), int(t)) for x, t in zip(*shift.shift_task(11))]
        return SeedNet(Value, 11, 2, examples).train_step, 1
    from tinygrad_lite import shift

    return (lambda: shift.train_shift(shift.ShiftConfig(11, 2, steps=500), progress=False)), 500


def run_for(step: Callable[[], object], seconds: float) -> int:
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        calls += 1
    return calls


def cprofile(kind: str, seconds: float, top: int) -> None:
    step, per_call = make_step(kind)
    run_for(step, 0.2)  # warm up
    profiler = cProfile.Profile()
    profiler.enable()
    calls = run_for(step, seconds)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(row[2] for row in stats.values())  # own time of every function
    updates = calls * per_call
    print(f"{kind}: {updates} updates under cProfile, {total / updates * 1e6:.1f} µs each (inflated)\n")
    print("| own time | µs / update | calls / update | function |\n|---|---|---|---|")
    for (path, line, name), (_, ncalls, own, _, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = SHORT_PATH.sub(r"\1/", "(" + path).lstrip("(")
        print(
            f"| {own / total:5.1%} | {own / updates * 1e6:.2f} | {ncalls / updates:.1f} | "
            f"{name} ({where}:{line}) |"
        )


def summarize(raw: str, kind: str, top: int) -> None:
    """Own and inclusive shares of the frames under the step, from `py-spy record -f raw`."""
    within = STEPS[kind]
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    with open(raw) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            if within not in stack:
                continue
            frames = [SHORT_LINE.sub(")", SHORT_PATH.sub(r"(\1/", fr)) for fr in stack.split(";")]
            frames = frames[max(i for i, fr in enumerate(frames) if within in fr) :]
            total += int(count)
            own[frames[-1]] += int(count)
            for fr in set(frames):
                inclusive[fr] += int(count)
    print(f"{kind}: {total} samples inside {within}\n")
    print("| own | inclusive | function |\n|---|---|---|")
    for name, n in own.most_common(top):
        print(f"| {n / total:5.1%} | {inclusive[name] / total:5.1%} | {name} |")
    print("\nInclusive only (callers):\n")
    for name, n in inclusive.most_common(top):
        if own[name] < n / 2:
            print(f"- {n / total:5.1%} {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=list(STEPS))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--loop", action="store_true", help="only run the steps (for py-spy)")
    parser.add_argument("--summarize", metavar="RAW", help="summarise a py-spy raw recording")
    args = parser.parse_args()
    if args.summarize:
        summarize(args.summarize, args.kind, args.top)
    elif args.loop:
        run_for(make_step(args.kind)[0], args.seconds)
    else:
        cprofile(args.kind, args.seconds, args.top)


if __name__ == "__main__":
    main()
