"""Benchmark 1: the scalar engine (tinygrad_lite.Value) against micrograd, on the same graphs.

Both engines build the same graph, node for node, from the same numbers: a
random expression tree, and the seed's 5-2-5 and 11-2-11 networks (tanh hidden
layer, softmax cross-entropy). Timed: forward+backward on one example (ns per
node of the graph), and one full-batch training step (forward, backward, Adam)
with the same optimizer object code (tinygrad_lite.optim.Adam, which reads only
.data and .grad) for both engines, so only the engine differs.

micrograd 0.1.0 has +, *, ** (by a number) and relu, but no tanh, exp or log.
The seed's networks need them, so this file adds the three to micrograd's
Value in this process only, written the way micrograd writes its own ops (a
`_backward` closure over `out`; the same form as the tanh and exp of the
micrograd lecture). The expression tree uses only micrograd's shipped ops.

micrograd is measured as shipped (garbage collector on) and with gc.disable()
as a second reference. Its closures put every node in a reference cycle, so
only the cyclic collector frees its graphs, in full collections that come every
few training steps. A sample therefore lasts SAMPLE_S (a quarter second, many
such periods) rather than the usual 30 ms: a short sample that starts right
after a collection would miss most of micrograd's collector time. Torch is not
imported here, to keep the heap the collector walks small and the same for all.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse
import math
import random
import sys
from collections.abc import Callable

import numpy as np

from _common import Contender, fmt_time, heading, quartiles, run_interleaved, timing_table
from tinygrad_lite import Value, nn, optim, shift

sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))  # micrograd's topological sort recurses
SAMPLE_S = 0.25


def micrograd_value() -> type | None:
    """micrograd's Value with tanh, exp and log added in its own style, or None if not installed.

    It also gets `zero_grad()` (grad = 0, as micrograd's Module.zero_grad does), the one method
    besides `.data` and `.grad` that our optimizers ask of a parameter.
    """
    if not _common.installed("micrograd"):
        return None
    from micrograd.engine import Value as MicroValue

    def tanh(self):
        t = math.tanh(self.data)
        out = MicroValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = MicroValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = MicroValue(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += (1 / self.data) * out.grad

        out._backward = _backward
        return out

    def zero_grad(self):
        self.grad = 0

    for name, fn in (("tanh", tanh), ("exp", exp), ("log", log), ("zero_grad", zero_grad)):
        if not hasattr(MicroValue, name):
            setattr(MicroValue, name, fn)
    return MicroValue


# ---- the graphs, written once for any Value class ----------------------------------


def random_program(size: int, seed: int = 0) -> list[tuple]:
    """A random expression tree in postfix: ("x", number) leaves and ops both engines ship."""
    rng = random.Random(seed)
    program: list[tuple] = []

    def grow(n: int) -> None:  # n = leaves under this node
        if n == 1:
            program.append(("x", rng.uniform(-1, 1)))
            return
        if rng.random() < 0.2:
            grow(n)
            program.append((rng.choice(["relu", "square"]),))
            return
        k = rng.randint(1, n - 1)
        grow(k)
        grow(n - k)
        program.append((rng.choice(["+", "+", "*", "*", "-"]),))

    grow(size)
    return program


def run_program(value_cls: type, program: list[tuple]) -> tuple:
    """(root, leaves) of the expression tree built from Values of class value_cls."""
    stack, leaves = [], []
    for token in program:
        op = token[0]
        if op == "x":
            leaves.append(value_cls(token[1]))
            stack.append(leaves[-1])
        elif op == "relu":
            stack.append(stack.pop().relu())
        elif op == "square":
            stack.append(stack.pop() ** 2)
        else:
            b, a = stack.pop(), stack.pop()
            stack.append(a + b if op == "+" else a * b if op == "*" else a - b)
    (root,) = stack
    return root, leaves


def seed_weights(n: int, hidden: int) -> tuple[np.ndarray, np.ndarray]:
    """W1 (n, hidden) then W2 (hidden, n): normal * 0.5 from default_rng(0), as the seed."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, hidden)) * 0.5, rng.normal(size=(hidden, n)) * 0.5


def seed_loss(value_cls: type, w1: list[list], w2: list[list], examples: list[tuple[int, int]]):
    """Mean softmax cross-entropy of the n -> hidden (tanh) -> n network, from Value ops.

    Input k is one-hot (Values 0.0 and 1.0, so the graph is the dense product);
    loss = log(sum_o e^z_o) - z_target, averaged over `examples` (k, target).
    """
    n, hidden = len(w1), len(w1[0])
    total = None
    for k, target in examples:
        x = [value_cls(1.0 if i == k else 0.0) for i in range(n)]
        h = []
        for j in range(hidden):
            s = w1[0][j] * x[0]
            for i in range(1, n):
                s = s + w1[i][j] * x[i]
            h.append(s.tanh())
        logits = []
        for o in range(n):
            s = w2[0][o] * h[0]
            for j in range(1, hidden):
                s = s + w2[j][o] * h[j]
            logits.append(s)
        exps = [z.exp() for z in logits]
        sum_exp = exps[0]
        for e in exps[1:]:
            sum_exp = sum_exp + e
        loss = sum_exp.log() - logits[target]
        total = loss if total is None else total + loss
    return total if len(examples) == 1 else total * (1.0 / len(examples))


def count_nodes(root) -> int:
    """Nodes reachable from root, leaves and constants included (`_prev` works for both engines)."""
    seen, frontier = {id(root)}, [root]
    while frontier:
        node = frontier.pop()
        for parent in node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                frontier.append(parent)
    return len(seen)


# ---- contenders ----------------------------------------------------------------------


def engines() -> list[tuple[str, type, bool]]:
    """(name, Value class, gc_off) per contender; micrograd's rows only if it is installed."""
    rows = [("tinygrad_lite", Value, False), ("tinygrad_lite (gc off)", Value, True)]
    micro = micrograd_value()
    if micro is not None:
        rows += [("micrograd (as shipped)", micro, False), ("micrograd (gc off)", micro, True)]
    return rows


class SeedNet:
    """The seed network's weights as Values of one engine, and its loss on some examples."""

    def __init__(
        self, value_cls: type, n: int, hidden: int, examples: list[tuple[int, int]], adam: type = optim.Adam
    ) -> None:
        w1, w2 = seed_weights(n, hidden)
        self.value_cls, self.examples = value_cls, examples
        self.w1 = [[value_cls(float(w)) for w in row] for row in w1]
        self.w2 = [[value_cls(float(w)) for w in row] for row in w2]
        self.params = [w for row in self.w1 + self.w2 for w in row]
        self.opt = adam(self.params, lr=0.05)

    def loss(self):
        return seed_loss(self.value_cls, self.w1, self.w2, self.examples)

    def forward_backward(self):
        loss = self.loss()
        loss.backward()
        return loss

    def train_step(self):
        loss = self.loss()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss


class IdiomaticNet:
    """Ours as a learner writes it: nn.ValueMLP, nn.value_cross_entropy, optim.Adam."""

    def __init__(self, n: int, hidden: int, examples: list[tuple[int, int]]) -> None:
        self.model = nn.ValueMLP(n, hidden, n, bias=False)
        self.model.load_state_dict(shift.initial_weights(n, hidden, 0))
        self.data = [([1.0 if i == k else 0.0 for i in range(n)], t) for k, t in examples]
        self.opt = optim.Adam(self.model.parameters(), lr=0.05)

    def loss(self):
        losses = [nn.value_cross_entropy(self.model(x), t) for x, t in self.data]
        return sum(losses) * (1.0 / len(losses))

    def train_step(self):
        loss = self.loss()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss


def check_same(graphs: dict[str, Callable]) -> str:
    """Every engine's (root, leaves) agree with the first's in value and gradients, to 1e-9 relative."""
    results = {}
    for name, build in graphs.items():
        root, leaves = build()
        root.backward()
        results[name] = (root.data, [leaf.grad for leaf in leaves])
    first = next(iter(results.values()))
    for name, (data, grads) in results.items():
        if not math.isclose(data, first[0], rel_tol=1e-9) or not np.allclose(grads, first[1], rtol=1e-9):
            raise AssertionError(f"{name} computes a different loss or gradients than tinygrad_lite")
    return f"same value and gradients in {', '.join(results)}"


def per_node(nodes: int) -> Callable[[Contender], str]:
    return lambda c: f"{quartiles(c.samples)[1] / nodes * 1e9:.0f} ns"


def bench_graphs(repeats: int) -> dict:
    """Forward+backward of one graph per call: the expression tree, 5-2-5 and 11-2-11 on one example."""
    summary = {}
    rows = engines()
    program = random_program(700)
    cases = {"random expression tree": None, "5-2-5, one example": 5, "11-2-11, one example": 11}
    for title, n in cases.items():
        if n is None:  # (root, leaves) of a fresh graph, for each engine
            graphs = {name: (lambda v=v: run_program(v, program)) for name, v, _ in rows}
        else:
            nets = {name: SeedNet(value_cls, n, 2, [(0, 1)]) for name, value_cls, _ in rows}
            graphs = {name: (lambda net=net: (net.loss(), net.params)) for name, net in nets.items()}
        nodes = {name: count_nodes(graph()[0]) for name, graph in graphs.items()}
        if len(set(nodes.values())) != 1:
            raise AssertionError(f"{title}: the engines built graphs of different sizes: {nodes}")
        node_count = nodes[rows[0][0]]
        note = check_same(graphs)
        contenders = [
            Contender(name, lambda graph=graphs[name]: graph()[0].backward(), gc_off=gc_off)
            for name, _, gc_off in rows
        ]
        run_interleaved(contenders, repeats=repeats, sample_s=SAMPLE_S)
        heading(f"1. Scalar forward+backward: {title} ({node_count} nodes)")
        print(f"Graph check: {note}.\n")
        refs = [c for c in contenders if c.name.startswith("micrograd")]
        print(timing_table(contenders, refs, {"per node": per_node(node_count)}))
        summary[title] = (contenders, node_count)
    return summary


def bench_steps(repeats: int) -> dict:
    """One full-batch Adam step (forward, backward, update) of the seed's networks."""
    summary = {}
    rows = engines()
    for n in (5, 11):
        examples = list(zip(*shift.shift_task(n)))
        examples = [(int(np.argmax(x)), int(t)) for x, t in examples]
        nets = {name: SeedNet(value_cls, n, 2, examples) for name, value_cls, _ in rows}
        idiomatic = IdiomaticNet(n, 2, examples)
        node_count = count_nodes(nets[rows[0][0]].loss())
        if not math.isclose(idiomatic.loss().data, nets[rows[0][0]].loss().data, rel_tol=1e-9):
            raise AssertionError("nn.ValueMLP + value_cross_entropy gives a different loss than seed_loss")
        contenders = [Contender(name, nets[name].train_step, gc_off=gc_off) for name, _, gc_off in rows]
        contenders.insert(1, Contender("tinygrad_lite nn.ValueMLP (idiomatic)", idiomatic.train_step))
        run_interleaved(contenders, repeats=repeats, sample_s=SAMPLE_S)
        heading(f"1. Scalar Adam step: {n}-2-{n}, full batch of {n - 1} examples ({node_count} nodes)")
        print(
            "The idiomatic row builds fewer nodes (log_softmax is one op, the loss a Python sum), "
            "so its per-node figure is not comparable; its time is.\n"
        )
        refs = [c for c in contenders if c.name.startswith("micrograd")]
        print(timing_table(contenders, refs, {"per node": per_node(node_count)}))
        summary[f"{n}-2-{n} step"] = (contenders, node_count)
    return summary


def targets(summary: dict) -> None:
    heading("1. Targets")
    if not any(c.name.startswith("micrograd") for cs, _ in summary.values() for c in cs):
        print("micrograd is not installed: no target can be checked.")
        return
    for title, (contenders, nodes) in summary.items():
        by = {c.name: c for c in contenders}
        ours, shipped, off = by["tinygrad_lite"], by["micrograd (as shipped)"], by["micrograd (gc off)"]
        speedup = 1 / _common.paired_ratio(ours, shipped)[1]
        ours_ns = quartiles(ours.samples)[1] / nodes
        off_ns = quartiles(off.samples)[1] / nodes
        print(
            _common.check(
                f"{title}: >= 5x faster than micrograd as shipped",
                speedup >= 5,
                f"{speedup:.2f}x",
            )
        )
        print(
            _common.check(
                f"{title}: per node below micrograd with the GC off (and below 1.25 µs)",
                ours_ns < min(off_ns, 1.25e-6),
                f"{fmt_time(ours_ns)} vs {fmt_time(off_ns)}",
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if not _common.installed("micrograd"):
        _common.skip_note("micrograd", "micrograd", "pip install micrograd, or make bench")
    summary = bench_graphs(args.repeats)
    summary.update(bench_steps(args.repeats))
    targets(summary)


if __name__ == "__main__":
    main()
