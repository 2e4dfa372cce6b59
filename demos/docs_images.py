"""The pictures in the docs: each file in docs/images/ is written by this script or by capacity.py.

    python demos/docs_images.py [--out DIR] [NAME ...]

With no NAME it writes every picture in OUTPUTS into DIR (default docs/images/).
The graphs and network diagrams need only the project (graphviz-pure lays them
out when Graphviz is not installed); the plots need matplotlib, the `plot` extra
(`pip install -e '.[plot]'`). `make docs-images` installs it and runs this
script and `demos/capacity.py --out docs/images`.

Every run uses the seed's setup from shift.train_shift: weights normal * 0.5 from
numpy's default_rng(seed), Adam with lr 0.05, full batch, the numbers the
tutorial prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tinygrad_lite import Tensor, Value
from tinygrad_lite.functional import cross_entropy
from tinygrad_lite.nn import MLP
from tinygrad_lite.optim import Adam
from tinygrad_lite.shift import ShiftConfig, initial_weights, shift_task, train_shift, train_shift_seeds
from tinygrad_lite.viz import draw_graph, draw_hidden_space, draw_network
from tinygrad_lite.viz.svg import side_by_side

DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


# ---- graphs, network diagrams and the hidden space (no matplotlib needed) ----------------------------------


def expression(path: Path) -> None:
    """The README's example after backward: c = tanh(a*b + e^a), each box with its data and grad."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    ab, ea = a * b, a.exp()
    ab.label, ea.label = "a*b", "e^a"
    s = ab + ea
    s.label = "s"
    c = s.tanh()
    c.label = "c"
    c.backward()
    draw_graph(c).save(path)


def tensor_step(path: Path) -> None:
    """One full-batch step of the seed's 5-2-5 network as Tensor ops: forward, loss, backward."""
    model = MLP(5, 2, 5, dtype=np.float64)
    model.load_state_dict(initial_weights(5, 2, seed=0))
    X, y = shift_task(5)
    x = Tensor(X)
    x.label = "X (4 one-hot inputs)"
    loss = cross_entropy(model(x), y)
    loss.label = "loss"
    loss.backward()
    draw_graph(loss, rankdir="TB", params=model).save(path)


def network_5_1(path: Path) -> None:
    """One tanh neuron, N=5, trained: input 3 fires and output 5 wins, where output 4 should."""
    result = train_shift(ShiftConfig(5, 1, steps=3000), seed=0, progress=False)
    title = f"One hidden neuron, N=5, after 3000 updates: accuracy {result.accuracy:.0%}"
    draw_network(result.model, x=3, title=title).save(path)


def network_5_2(path: Path) -> None:
    """Two tanh neurons, N=5, trained: the seed's first worked example, input 1 fires."""
    result = train_shift(ShiftConfig(5, 2, steps=3000), seed=0, progress=False)
    title = f"Two hidden neurons, N=5, after 3000 updates: accuracy {result.accuracy:.0%}"
    draw_network(result.model, x=1, title=title).save(path)


def network_11_2(path: Path) -> None:
    """Two tanh neurons, N=11, trained for 2000 updates: input 3 fires, output 4 wins."""
    result = train_shift(ShiftConfig(11, 2, steps=2000), seed=0, progress=False)
    title = f"Two hidden neurons, N=11, after 2000 updates: accuracy {result.accuracy:.0%}"
    draw_network(result.model, x=3, title=title).save(path)


def hidden_11_2(path: Path) -> None:
    """The hidden space of N=11, H=2 (seed 0) at update 0, 100 and 244 (every example first right)."""
    result = train_shift(ShiftConfig(11, 2, steps=244, record_every=1), seed=0, progress=False)
    states = dict(result.snapshots)
    model = MLP(11, 2, 11, dtype=np.float64)
    scale = max(float(np.linalg.norm(states[s]["layers.1.weight"], axis=1).max()) for s in (0, 100, 244))
    pictures = []
    for step in (0, 100, 244):
        model.load_state_dict(states[step])
        right = round(float(result.accuracies[step]) * 10)
        title = f"update {step}: {right} of 10 right"
        pictures.append(draw_hidden_space(model, title=title, arrow_scale=scale, size=380).svg())
    path.write_text(side_by_side(pictures, gap=24), "utf-8")


# ---- plots (matplotlib) ---------------------------------------------------------------


def _pyplot():
    """matplotlib's pyplot, set up to write the same SVG bytes every run."""
    try:
        import matplotlib
    except ImportError:
        sys.exit("docs_images: the plots need matplotlib: pip install -e '.[plot]' (or run make docs-images)")
    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.hashsalt": "tinygrad_lite", "svg.fonttype": "none", "font.size": 10})
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None, "Creator": None})
    fig.clf()


def training_11_2(path: Path) -> None:
    """Loss and accuracy of the N=11 H=2 run over its 2000 updates."""
    plt = _pyplot()
    result = train_shift(ShiftConfig(11, 2, steps=2000), seed=0, progress=False)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax_loss.semilogy(result.losses)
    ax_loss.set(xlabel="update", ylabel="cross-entropy loss", title="N=11, two tanh neurons: loss")
    ax_acc.plot(result.accuracies * 100)
    ax_acc.axvline(result.solved_at, color="gray", linestyle=":")
    ax_acc.annotate(
        f"all 10 right after {result.solved_at} updates",
        (result.solved_at, 50),
        xytext=(8, 0),
        textcoords="offset points",
    )
    ax_acc.set(xlabel="update", ylabel="accuracy (%)", ylim=(0, 105), title="accuracy on the 10 examples")
    _save(fig, path)


def _weight_history(n: int, hidden: int, steps: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """|weight| of every input-side and output-side weight after each update (train_shift's loop by hand)."""
    model = MLP(n, hidden, n, dtype=np.float64)
    model.load_state_dict(initial_weights(n, hidden, seed))
    X, y = shift_task(n)
    x = Tensor(X)
    opt = Adam(model.parameters(), lr=0.05)
    w_in, w_out = model.layers[0].weight, model.layers[1].weight
    history_in, history_out = [np.abs(w_in.data[:, : n - 1]).ravel()], [np.abs(w_out.data[1:]).ravel()]
    for _ in range(steps):
        opt.zero_grad()
        cross_entropy(model(x), y).backward()
        opt.step()
        # The inputs that fire (1..n-1) and the outputs that are targets (2..n); the others barely move.
        history_in.append(np.abs(w_in.data[:, : n - 1]).ravel())
        history_out.append(np.abs(w_out.data[1:]).ravel())
    return np.array(history_in), np.array(history_out)


def weights_5_2(path: Path) -> None:
    """N=5 H=2 over 30000 updates: the weights keep growing; they never settle."""
    plt = _pyplot()
    steps = 30000
    w_in, w_out = _weight_history(5, 2, steps)
    # About 600 updates, spread evenly on the log axis, are plenty for the picture.
    updates = np.unique(np.concatenate([[0], np.geomspace(1, steps, 600).round().astype(int)]))
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for history, name, colour in ((w_in, "input side", "C0"), (w_out, "output side", "C1")):
        low, high = history[updates].min(1), history[updates].max(1)
        ax.fill_between(updates, low, high, color=colour, alpha=0.35, linewidth=0)
        ax.plot(
            updates, history[updates].mean(1), color=colour, label=f"|w|, {name} (band: smallest to largest)"
        )
        ax.annotate(
            f"{history[-1].min():.1f} to {history[-1].max():.1f}",
            (steps, history[-1].max()),
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            color=colour,
        )
    ax.set_xscale("symlog", linthresh=100)
    ax.set_ylim(0, 1.15 * w_out.max())
    ax.set(xlabel="update", ylabel="|weight|", title="N=5, two tanh neurons: the weights never settle")
    ax.legend(loc="upper left")
    _save(fig, path)


def ablation_linear(path: Path) -> None:
    """Weight norms with and without tanh: Adam at lr 0.05 (N=5), and plain SGD at lr 5 (N=11, 5 seeds)."""
    plt = _pyplot()
    fig, (ax_adam, ax_sgd) = plt.subplots(1, 2, figsize=(9.5, 3.4))
    for activation, colour in (("tanh", "C0"), ("linear", "C3")):
        run = train_shift(ShiftConfig(5, 2, steps=3000, activation=activation), seed=0, progress=False)
        ax_adam.plot(run.weight_norms, color=colour, label=f"{activation} hidden layer")
        sgd = ShiftConfig(11, 2, steps=3000, activation=activation, optimizer="sgd", lr=5.0)
        runs = train_shift_seeds(sgd, range(5), progress=False)
        for k, run in enumerate(runs):
            ax_sgd.semilogy(
                run.weight_norms,
                color=colour,
                alpha=0.8,
                label=f"{activation} hidden layer" if k == 0 else None,
            )
    ax_adam.set(xlabel="update", ylabel="norm of all weights", title="Adam, lr 0.05, N=5: both keep growing")
    ax_sgd.set(xlabel="update", ylabel="norm of all weights (log)", title="plain SGD, lr 5, N=11, 5 seeds")
    ax_adam.legend()
    ax_sgd.legend()
    _save(fig, path)


def ablation_sigmoid(path: Path) -> None:
    """Accuracy with softmax outputs against independent sigmoid outputs, 5 seeds, N=5 and N=11."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.4))
    for ax, n in zip(axes, (5, 11)):
        for output, colour in (("softmax", "C0"), ("sigmoid", "C3")):
            runs = train_shift_seeds(ShiftConfig(n, 2, steps=3000, output=output), range(5), progress=False)
            for k, run in enumerate(runs):
                jitter = (k - 2) * 0.6  # so five identical curves stay visible
                ax.plot(
                    run.accuracies * 100 + jitter,
                    color=colour,
                    alpha=0.7,
                    label=f"{output} outputs" if k == 0 else None,
                )
        ax.set(
            xlabel="update", ylabel="accuracy (%)", ylim=(0, 105), title=f"N={n}, two tanh neurons, 5 seeds"
        )
        ax.legend(loc="lower right")
    _save(fig, path)


OUTPUTS = {
    "expression.svg": expression,
    "tensor_step.svg": tensor_step,
    "network_5_1.svg": network_5_1,
    "network_5_2.svg": network_5_2,
    "network_11_2.svg": network_11_2,
    "hidden_11_2.svg": hidden_11_2,
    "training_11_2.svg": training_11_2,
    "weights_5_2.svg": weights_5_2,
    "ablation_linear.svg": ablation_linear,
    "ablation_sigmoid.svg": ablation_sigmoid,
}


def write_outputs(outputs: dict, folder: Path, kind: str, argv: list[str] | None = None) -> None:
    """The command line of a script that writes files: `[--out DIR] [NAME ...]`, each NAME a key of
    `outputs` (a function that writes that file), all of them when none is named."""
    parser = argparse.ArgumentParser(description=f"Write the {kind}s of the docs.")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"only these {kind}s, of {', '.join(outputs)}"
    )
    parser.add_argument("--out", type=Path, default=folder, help=f"folder (default docs/{folder.name}/)")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in outputs]:
        parser.error(f"no {kind} named {', '.join(unknown)}; the {kind}s are {', '.join(outputs)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or outputs:
        outputs[name](args.out / name)
        print(args.out / name)


if __name__ == "__main__":
    write_outputs(OUTPUTS, DOCS_IMAGES, "picture")
