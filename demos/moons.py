"""micrograd's demo.ipynb on our engine: two moons, an MLP 2 -> 16 -> 16 -> 1, a max-margin loss.

The notebook's recipe, step for step: 100 points of two interleaved half circles
(noise 0.1, made with numpy as scikit-learn makes them), labels -1 and +1, an
MLP with two relu layers of 16, the SVM loss mean(relu(1 - y * score)) plus
alpha * sum(p^2) with alpha = 1e-4, and 100 steps of full-batch SGD whose
learning rate falls from 1.0 as 1.0 - 0.9 * k / 100.

It runs the same recipe on tinygrad_lite's two engines, `Value` (nn.ValueMLP, one
graph node per number, as micrograd) and `Tensor` (nn.MLP), and on micrograd
itself where it is installed (`pip install micrograd`, the bench extra), all from
the notebook's data and starting weights (its seeds, 1337), so their losses
agree to rounding. It prints each one's accuracy and time, and draws the
decision boundary (needs matplotlib, the plot extra) into out/moons.png.

    python demos/moons.py [OUT_DIR] [--steps 100] [--engines value,tensor,micrograd]
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tinygrad_lite import Tensor, Value, no_grad
from tinygrad_lite.files import atomic_write
from tinygrad_lite.nn import MLP, ValueMLP
from tinygrad_lite.optim import SGD

SIZES = [2, 16, 16, 1]
ALPHA = 1e-4  # the L2 weight of micrograd's notebook
ENGINES = ("value", "tensor", "micrograd")


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, X (n, 2) and y in {-1, +1}: the notebook's 100 points.

    scikit-learn's make_moons, step for step, on the random stream the notebook
    seeds (`np.random.seed(1337)`): the points in order, shuffled, then noise.
    """
    rng = np.random.RandomState(seed)
    n_out = n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n - n_out)
    X = np.vstack(
        [np.append(np.cos(outer), 1 - np.cos(inner)), np.append(np.sin(outer), 0.5 - np.sin(inner))]
    ).T
    y = np.hstack([-np.ones(n_out), np.ones(n - n_out)])
    order = np.arange(n)
    rng.shuffle(order)
    return X[order] + rng.normal(scale=noise, size=(n, 2)), y[order]


def initial_weights(seed: int = 1337) -> dict[str, np.ndarray]:
    """micrograd's starting weights (`random.seed(1337)`, then `MLP(2, [16, 16, 1])`) in
    `MLP.state_dict()` form: each neuron's weights uniform(-1, 1) in turn, biases 0."""
    draw = random.Random(seed).uniform
    weights = {}
    for k, (a, b) in enumerate(zip(SIZES, SIZES[1:])):
        weights[f"layers.{k}.weight"] = np.array([[draw(-1, 1) for _ in range(a)] for _ in range(b)])
        weights[f"layers.{k}.bias"] = np.zeros(b)
    return weights


def learning_rate(k: int, steps: int) -> float:
    """The notebook's schedule: 1.0 falling linearly towards 0.1."""
    return 1.0 - 0.9 * k / steps


# ---- the recipe on each engine: (loss, accuracy) per step ------------------------------


def train_value(points: np.ndarray, y: np.ndarray, steps: int) -> tuple[Callable, list[float], float]:
    """micrograd's loop on tinygrad_lite's Values."""
    model = ValueMLP(2, SIZES[1:-1], 1, activation="relu", bias=True)
    model.load_state_dict(initial_weights())
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)
    losses = []
    for k in range(steps):
        scores = [model([Value(a), Value(b)])[0] for a, b in points]
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(y))
        loss = data_loss + ALPHA * sum(p * p for p in params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = learning_rate(k, steps)
        optimizer.step()
        losses.append(loss.data)

    def score(xs: np.ndarray) -> np.ndarray:
        return np.array([model(list(p))[0].data for p in xs])

    return score, losses, accuracy(score(points), y)


def train_tensor(points: np.ndarray, y: np.ndarray, steps: int) -> tuple[Callable, list[float], float]:
    """The same loop on Tensors: the whole batch in one graph of a dozen nodes."""
    model = MLP(2, SIZES[1:-1], 1, activation="relu", bias=True, dtype=np.float64)
    model.load_state_dict(initial_weights())
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)
    inputs, targets = Tensor(points), Tensor(y[:, None])
    losses = []
    for k in range(steps):
        data_loss = (1 - targets * model(inputs)).relu().mean()
        loss = data_loss + ALPHA * sum((p * p).sum() for p in params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = learning_rate(k, steps)
        optimizer.step()
        losses.append(loss.item())

    def score(xs: np.ndarray) -> np.ndarray:
        with no_grad():
            return model(Tensor(xs)).data[:, 0]

    return score, losses, accuracy(score(points), y)


def train_micrograd(points: np.ndarray, y: np.ndarray, steps: int) -> tuple[Callable, list[float], float]:
    """The notebook's own loop on micrograd (imported here: it is optional)."""
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    model = MMLP(2, SIZES[1:])
    weights = initial_weights()
    for k, layer in enumerate(model.layers):
        for neuron, row, b in zip(layer.neurons, weights[f"layers.{k}.weight"], weights[f"layers.{k}.bias"]):
            for w, number in zip(neuron.w, row):
                w.data = float(number)
            neuron.b.data = float(b)
    losses = []
    for k in range(steps):
        scores = [model([MValue(a), MValue(b)]) for a, b in points]
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(y))
        loss = data_loss + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate(k, steps) * p.grad
        losses.append(loss.data)

    def score(xs: np.ndarray) -> np.ndarray:
        return np.array([model(list(p)).data for p in xs])

    return score, losses, accuracy(score(points), y)


TRAINERS = {"value": train_value, "tensor": train_tensor, "micrograd": train_micrograd}
NAMES = {"value": "tinygrad_lite Value", "tensor": "tinygrad_lite Tensor", "micrograd": "micrograd 0.1.0"}


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """The fraction of points on the right side of the boundary (score > 0 for y = +1)."""
    return float(np.mean((scores > 0) == (y > 0)))


def available(engine: str) -> bool:
    """micrograd is optional; our engines are always there."""
    if engine != "micrograd":
        return True
    try:
        import micrograd.nn  # noqa: F401
    except ImportError:
        return False
    return True


# ---- the picture ---------------------------------------------------------------------------


def draw_boundaries(points: np.ndarray, y: np.ndarray, scores: dict[str, Callable], path: Path) -> str:
    """The decision boundary of each trained model, as the notebook draws it (grid step 0.25)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no picture: matplotlib is missing (pip install 'tinygrad-lite[plot]')"
    h = 0.25
    xx, yy = np.meshgrid(np.arange(points[:, 0].min() - 1, points[:, 0].max() + 1, h),
                         np.arange(points[:, 1].min() - 1, points[:, 1].max() + 1, h))  # fmt: skip
    grid = np.c_[xx.ravel(), yy.ravel()]
    figure, axes = plt.subplots(1, len(scores), figsize=(4 * len(scores), 3.6), squeeze=False)
    for ax, (engine, score) in zip(axes[0], scores.items()):
        Z = (score(grid) > 0).reshape(xx.shape)
        ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
        ax.scatter(
            points[:, 0], points[:, 1], c=y, s=20, cmap=plt.cm.Spectral, edgecolors="k", linewidths=0.5
        )
        ax.set_title(NAMES[engine], fontsize=10)
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    atomic_write(path, buffer.getvalue(), make_parents=True)
    return str(path)


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """Run the demo; returns {engine: (accuracy, seconds)} for the engines that ran."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent / "out")
    parser.add_argument("--steps", type=int, default=100, help="SGD steps (default: 100, the notebook's)")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated, of " + ", ".join(ENGINES)
    )
    args = parser.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown or args.steps < 1:
        parser.error(
            f"--engines takes {', '.join(ENGINES)}, got {unknown}" if unknown else "--steps must be >= 1"
        )

    X, y = make_moons()
    print(f"two moons: {len(y)} points; MLP 2 -> 16 -> 16 -> 1 (relu); {args.steps} steps of SGD")
    results, scores, losses = {}, {}, {}
    for engine in engines:
        if not available(engine):
            print(f"{NAMES[engine]:>22}: skipped (not installed; pip install micrograd)")
            continue
        start = time.perf_counter()
        scores[engine], losses[engine], acc = TRAINERS[engine](X, y, args.steps)
        results[engine] = (acc, time.perf_counter() - start)
    reference = results.get("micrograd", (None, None))[1]
    for engine, (acc, seconds) in results.items():
        ratio = "" if reference is None else f"  ({seconds / reference:.2g} x micrograd's time)"
        print(
            f"{NAMES[engine]:>22}: accuracy {acc:.0%}, loss {losses[engine][-1]:.4f}, {seconds:.2f} s{ratio}"
        )
    if len(losses) > 1:
        curves = np.array(list(losses.values()))
        print(f"largest difference between the engines' losses over all steps: {np.ptp(curves, 0).max():.1e}")
    print(draw_boundaries(X, y, scores, args.out / "moons.png"))
    return results


if __name__ == "__main__":
    main()
