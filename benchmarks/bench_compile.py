"""Benchmark 6: compiled training steps (tinygrad_lite.compile) against the numpy floor and micrograd.

Tensor: one full-batch Adam step of the seed's network (N = 5, 11, 30, 100) and
of the 256-512-256 MLP, the loss function compiled, against bench_tensor.py's
hand-written numpy floor and its eager nn.MLP step (same model, same weights).
Value: one full-batch Adam step of the 5-2-5 and 11-2-11 networks, the loss
compiled, against bench_scalar.py's micrograd as shipped and our eager Values.
The trajectory check trains the compiled Tensor step at N=11, H=2 from the
shared init: 100% accuracy after 244 updates, loss 0.012439 after 2000.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse

import numpy as np

import bench_scalar
import bench_tensor
from _common import Contender, check, fmt_ratio, heading, paired_ratio, run_interleaved, timing_table
from tinygrad_lite import compile, nn, shift


def warm_up(call) -> None:
    """Trace, and pass the graph checks of calls 2, 4, ..., 256 (each also runs fn eagerly): one-off
    costs that would otherwise make the timer's calibration think every call is slow."""
    for _ in range(256):
        call()


class CompiledMLP(bench_tensor.OursMLP):
    """bench_tensor's nn.MLP step with the loss function compiled (forward and backward replayed)."""

    name = "tinygrad_lite compiled"

    def __init__(self, p: dict) -> None:
        super().__init__(p)
        model = self.model
        self.loss = compile(lambda x, y: nn.cross_entropy(model(x), y))
        warm_up(lambda: self.loss(self.x, self.y))

    def step(self) -> tuple:
        loss = self.loss(self.x, self.y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss, None


class CompiledSeedNet(bench_scalar.SeedNet):
    """bench_scalar's seed network of Values with its loss compiled."""

    def __init__(self, n: int, hidden: int, examples: list) -> None:
        super().__init__(bench_scalar.Value, n, hidden, examples)
        self.compiled = compile(self.loss)
        warm_up(self.compiled)

    def train_step(self):
        loss = self.compiled()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss


def trajectory() -> tuple[int | None, str]:
    """(updates before 100% accuracy, loss after 2000 updates) of the compiled step at N=11, H=2."""
    p = bench_tensor.shift_problem(11, 2)
    trainer, y = CompiledMLP(p), p["y"]
    solved_at = None
    for step in range(2001):
        logits = trainer.model(trainer.x)
        if solved_at is None and (logits.data.argmax(1) == y).all():
            solved_at = step
        if step == 2000:
            return solved_at, f"{nn.cross_entropy(logits, y).item():.6f}"
        trainer.step()
    raise AssertionError("unreachable")


def bench_tensor_steps(repeats: int) -> list[str]:
    lines = []
    problems = {f"N={n} H={h}": bench_tensor.shift_problem(n, h) for n, h in bench_tensor.SHIFT_CONFIGS}
    problems["MLP 256-512-256, batch 256"] = bench_tensor.matmul_problem()
    for title, p in problems.items():
        kinds = [bench_tensor.Floor, bench_tensor.OursMLP, CompiledMLP]
        contenders = [Contender(k.name, k(p).step) for k in kinds]
        run_interleaved(contenders, repeats=repeats)
        heading(f"6. Compiled Tensor Adam step: {title}")
        print(timing_table(contenders, [contenders[0], contenders[1]]))
        limit = 1.05 if title.startswith("MLP") else 1.0
        ratio = paired_ratio(contenders[2], contenders[0])
        lines.append(
            check(f"{title}: compiled step at most {limit}x the floor", ratio[1] <= limit, fmt_ratio(ratio))
        )
    return lines


def bench_value_steps(repeats: int) -> list[str]:
    lines = []
    micro = bench_scalar.micrograd_value()
    if micro is not None and not hasattr(micro, "zero_grad"):  # optim.Adam asks every parameter for one
        micro.zero_grad = lambda self: setattr(self, "grad", 0.0)
    for n in (5, 11):
        examples = [(int(np.argmax(x)), int(t)) for x, t in zip(*shift.shift_task(n))]
        rows = [("tinygrad_lite compiled", CompiledSeedNet(n, 2, examples).train_step)]
        rows.append(
            ("tinygrad_lite eager", bench_scalar.SeedNet(bench_scalar.Value, n, 2, examples).train_step)
        )
        if micro is not None:
            rows.append(("micrograd (as shipped)", bench_scalar.SeedNet(micro, n, 2, examples).train_step))
        contenders = [Contender(name, step) for name, step in rows]
        run_interleaved(contenders, repeats=repeats, sample_s=bench_scalar.SAMPLE_S)
        heading(f"6. Compiled Value Adam step: {n}-2-{n}, full batch of {n - 1} examples")
        print(timing_table(contenders, contenders[1:]))
        if micro is not None:
            speedup = 1 / paired_ratio(contenders[0], contenders[2])[1]
            lines.append(
                check(f"{n}-2-{n}: compiled >= 20x faster than micrograd", speedup >= 20, f"{speedup:.1f}x")
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(_common.MARKDOWN_NOTE)
    solved_at, loss = trajectory()
    results = [
        check(
            "compiled step: 100% after 244 updates, loss 0.012439 after 2000",
            (solved_at, loss) == (244, "0.012439"),
            f"{solved_at}, {loss}",
        )
    ]
    results += bench_tensor_steps(args.repeats)
    results += bench_value_steps(max(3, args.repeats // 3))
    heading("6. Targets")
    print("\n".join(results))


if __name__ == "__main__":
    main()
