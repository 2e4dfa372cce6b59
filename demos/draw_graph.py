"""Draw the pictures: computation graphs (scalar and Tensor) and the seed's network diagram.

Writes four SVG files into out/ (or the folder given as the first argument) and
prints their paths. No system Graphviz is needed: without `dot` on PATH the
pictures are laid out by graphviz-pure, which pip installed with the project.

    python demos/draw_graph.py [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

from tinygrad_lite import Tensor, Value
from tinygrad_lite.draw import Diagram, draw_graph, draw_network
from tinygrad_lite.nn import MLP, ValueMLP, cross_entropy, value_cross_entropy
from tinygrad_lite.tasks import shift_task, train_shift


def small_expression() -> Diagram:
    """The micrograd lecture's kind of picture: c = tanh(a*b + e^a), after backward."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    c.backward()
    return draw_graph(c)


def scalar_network(n: int = 5, hidden: int = 2) -> Diagram:
    """The 5-2-5 network as scalar Values, for one example: input 1 fires, output 2 is the target."""
    twin = ValueMLP.from_mlp(train_shift(n, hidden, steps=300, progress=False).model)
    x, target = [1.0] + [0.0] * (n - 1), 1  # one-hot input 1 (index 0); target output 2 (index 1)
    loss = value_cross_entropy(twin(x), target)
    loss.label = "loss"
    loss.backward()
    return draw_graph(loss, params=twin)


def tensor_step(n: int = 5, hidden: int = 2) -> Diagram:
    """One full-batch training step of the seed's network as Tensor ops: forward, loss, backward."""
    model = MLP(n, hidden, n, rng=0)
    X, y = shift_task(n)
    x = Tensor(X, dtype="float32")
    x.label = "X (one-hot inputs)"
    loss = cross_entropy(model(x), y)
    loss.label = "loss"
    loss.backward()
    return draw_graph(loss, params=model)


def trained_network(n: int = 11, hidden: int = 2) -> Diagram:
    """The trained N=11 H=2 network, with the seed's worked example: input 3 fires."""
    result = train_shift(n, hidden, seed=0, progress=False)
    print(f"trained N={n} H={hidden}: accuracy {result.accuracy:.0%}")
    return draw_network(result.model, x=3, title=f"The seed's network, trained: N={n}, H={hidden}")


def main(out: Path) -> None:
    pictures = {
        "expression": small_expression,
        "scalar_network_graph": scalar_network,
        "tensor_step_graph": tensor_step,
        "network_11_2": trained_network,
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in pictures.items():
        print(draw().render(outfile=out / f"{name}.svg", cleanup=True))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "out")
