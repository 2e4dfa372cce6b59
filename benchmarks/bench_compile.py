"""Benchmark 6: compiled training steps (tinygrad_lite.compile) against the numpy floor and micrograd.

Tensor: one full-batch Adam step of the seed's network (N = 5, 11, 30, 100) and
of the 256-512-256 MLP against bench_tensor.py's hand-written numpy floor and
its eager nn.MLP step (same model, same weights), compiled two ways: the loss
compiled (`loss = compile(fn)(...)`, then zero_grad, backward and step as
usual), and the whole step compiled (`compile(fn, optimizer=opt)`: one call
does all four, the gradients going straight into `.grad`).
Value: one full-batch Adam step of the 5-2-5 and 11-2-11 networks, the same two
ways, against bench_scalar.py's micrograd as shipped and our eager Values.
For a target not met, the compiled step's time is split into its parts
(forward, backward, optimizer, the rest), each timed alone, interleaved.
The trajectory check trains the compiled Tensor step at N=11, H=2 from the
shared init: 100% accuracy after 244 updates, loss 0.012439 after 2000.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse

import numpy as np

import bench_scalar
import bench_tensor
from _common import (
    Contender,
    check,
    fmt_ratio,
    fmt_time,
    heading,
    paired_ratio,
    quartiles,
    run_interleaved,
    table,
    timing_table,
)
from tinygrad_lite import compile, nn, shift
from tinygrad_lite.compiler.compiled import signature


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


class CompiledStepMLP(bench_tensor.OursMLP):
    """The same step as one compiled call: `compile(fn, optimizer=opt)`."""

    name = "tinygrad_lite compiled step"

    def __init__(self, p: dict, warm: bool = True) -> None:
        super().__init__(p)
        model = self.model
        self.train = compile(lambda x, y: nn.cross_entropy(model(x), y), optimizer=self.opt)
        self.args = (self.x, self.y)
        if warm:  # (256 training steps: the weights move on, as the other contenders' do while timed)
            warm_up(self.step)

    def step(self) -> tuple:
        return self.train(self.x, self.y), None


class CompiledSeedNet(bench_scalar.SeedNet):
    """bench_scalar's seed network of Values with its loss compiled (or, with `whole`, the whole step)."""

    def __init__(self, n: int, hidden: int, examples: list, whole: bool = False) -> None:
        super().__init__(bench_scalar.Value, n, hidden, examples)
        self.compiled = compile(self.loss, optimizer=self.opt if whole else None)
        self.train, self.args = self.compiled, ()
        warm_up(self.compiled)

    def train_step(self):
        loss = self.compiled()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss


def parts(trained, repeats: int, sample_s: float) -> str:
    """The compiled step (`trained.train`, made with optimizer=) split into its parts, each timed alone."""
    program, opt = trained.train.last.program, trained.opt
    flat = signature(trained.args)[0]
    seed = program.seed if program.seed.shape else 1.0
    saved = program.forward(flat, program.state)[1]
    contenders = [
        Contender("whole step", lambda: trained.train(*trained.args)),
        Contender("forward", lambda: program.forward(flat, program.state)),
        Contender("backward", lambda: program.backward(seed, saved)),
        Contender("optimizer step", opt.step),
    ]
    run_interleaved(contenders, repeats=repeats, sample_s=sample_s)
    whole, *rest = [quartiles(c.samples)[1] for c in contenders]
    rows = [(c.name, t) for c, t in zip(contenders[1:], rest)]
    # What is left: the call's own Python (signature, checks), zero_grad, each parameter's .grad,
    # and the parts running slower inside the step than alone (caches shared with the rest).
    rows.append(("the rest: the call, zero_grad, .grad, parts slower together", whole - sum(rest)))
    lines = [(name, fmt_time(t), f"{t / whole:.0%}") for name, t in rows]
    return table(
        ["part of the compiled step", "median", "share"], [*lines, ("whole step", fmt_time(whole), "100%")]
    )


def trajectory(whole: bool) -> tuple[int | None, str]:
    """(updates before 100% accuracy, loss after 2000 updates) of the compiled step at N=11, H=2."""
    p = bench_tensor.shift_problem(11, 2)
    trainer, y = CompiledStepMLP(p, warm=False) if whole else CompiledMLP(p), p["y"]
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
        kinds = [bench_tensor.Floor, bench_tensor.OursMLP, CompiledMLP, CompiledStepMLP]
        made = [k(p) for k in kinds]
        contenders = [Contender(k.name, m.step) for k, m in zip(kinds, made)]
        run_interleaved(contenders, repeats=repeats)
        heading(f"6. Compiled Tensor Adam step: {title}")
        print(timing_table(contenders, [contenders[0], contenders[1]]))
        limit = 1.05 if title.startswith("MLP") else 1.0
        loss_only, whole = (paired_ratio(c, contenders[0]) for c in contenders[2:])
        lines.append(
            check(
                f"{title}: compiled step at most {limit}x the floor",
                whole[1] <= limit,
                f"{fmt_ratio(whole)}; the loss alone compiled {fmt_ratio(loss_only)}",
            )
        )
        if whole[1] > limit:
            floor = quartiles(contenders[0].samples)[1]
            print(f"\nWhere the compiled step's time goes (the floor's whole step: {fmt_time(floor)}):\n")
            print(parts(made[3], repeats, 0.03))
    return lines


def bench_value_steps(repeats: int) -> list[str]:
    lines = []
    micro = bench_scalar.micrograd_value()
    if micro is not None and not hasattr(micro, "zero_grad"):  # optim.Adam asks every parameter for one
        micro.zero_grad = lambda self: setattr(self, "grad", 0.0)
    for n in (5, 11):
        examples = [(int(np.argmax(x)), int(t)) for x, t in zip(*shift.shift_task(n))]
        whole = CompiledSeedNet(n, 2, examples, whole=True)
        rows = [("tinygrad_lite compiled step", whole.compiled)]
        rows.append(("tinygrad_lite compiled loss", CompiledSeedNet(n, 2, examples).train_step))
        rows.append(
            ("tinygrad_lite eager", bench_scalar.SeedNet(bench_scalar.Value, n, 2, examples).train_step)
        )
        if micro is not None:
            rows.append(("micrograd (as shipped)", bench_scalar.SeedNet(micro, n, 2, examples).train_step))
        contenders = [Contender(name, step) for name, step in rows]
        run_interleaved(contenders, repeats=repeats, sample_s=bench_scalar.SAMPLE_S)
        heading(f"6. Compiled Value Adam step: {n}-2-{n}, full batch of {n - 1} examples")
        print(timing_table(contenders, contenders[2:]))
        if micro is not None:
            speedup, loss_only = (1 / paired_ratio(c, contenders[3])[1] for c in contenders[:2])
            detail = f"{speedup:.1f}x; the loss alone compiled {loss_only:.1f}x"
            lines.append(
                check(f"{n}-2-{n}: compiled step >= 20x faster than micrograd", speedup >= 20, detail)
            )
            if speedup < 20:
                micro_time = quartiles(contenders[3].samples)[1]
                print(
                    f"\nWhere the compiled step's time goes (20x micrograd: {fmt_time(micro_time / 20)}):\n"
                )
                print(parts(whole, repeats, bench_scalar.SAMPLE_S))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(_common.MARKDOWN_NOTE)
    results = []
    for whole, name in ((False, "the loss compiled"), (True, "the step compiled")):
        solved_at, loss = trajectory(whole)
        results.append(
            check(
                f"{name}: 100% after 244 updates, loss 0.012439 after 2000",
                (solved_at, loss) == (244, "0.012439"),
                f"{solved_at}, {loss}",
            )
        )
    results += bench_tensor_steps(args.repeats)
    results += bench_value_steps(max(3, args.repeats // 3))
    heading("6. Targets")
    print("\n".join(results))


if __name__ == "__main__":
    main()
