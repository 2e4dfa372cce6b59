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
from tinygrad_lite.functional import cross_entropy
from tinygrad_lite.nn import MLP
from tinygrad_lite.shift import ShiftConfig, example_loss, shift_task, train_shift
from tinygrad_lite.viz import Picture, draw_graph, draw_network


def small_expression() -> Picture:
    """The micrograd lecture's kind of picture: c = tanh(a*b + e^a), after backward."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    c.backward()
    return draw_graph(c)


def scalar_network(n: int = 5, hidden: int = 2) -> Picture:
    """The 5-2-5 network as scalar Values, for one example: input 1 fires, output 2 is the target."""
    model = train_shift(ShiftConfig(n, hidden, steps=300), progress=False).model
    loss, twin = example_loss(model, 1)  # the loss of that example, after loss.backward()
    return draw_graph(loss, params=twin)


def tensor_step(n: int = 5, hidden: int = 2) -> Picture:
    """One full-batch training step of the seed's network as Tensor ops: forward, loss, backward."""
    model = MLP(n, hidden, n, rng=0)
    X, y = shift_task(n)
    x = Tensor(X, dtype="float32")
    x.label = "X (one-hot inputs)"
    loss = cross_entropy(model(x), y)
    loss.label = "loss"
    loss.backward()
    return draw_graph(loss, params=model)


def trained_network(n: int = 11, hidden: int = 2) -> Picture:
    """The trained N=11 H=2 network, with the seed's worked example: input 3 fires."""
    result = train_shift(ShiftConfig(n, hidden), seed=0, progress=False)
    print(f"trained N={n} H={hidden}: accuracy {result.accuracy:.0%}")
    return draw_network(result.model, x=3, title=f"The seed's network, trained: N={n}, H={hidden}")


def main(out: Path) -> None:
    pictures = {
        "expression": small_expression,
        "scalar_network_graph": scalar_network,
        "tensor_step_graph": tensor_step,
        "network_11_2": trained_network,
    }
    for name, draw in pictures.items():
        print(draw().save(out / f"{name}.svg"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "out")
