"""The shift task's data and starting weights, and one example as a scalar graph.

N one-hot inputs; input n must fire output n+1. Output 1 never fires and input
N never fires, so there are N-1 examples. The network is N inputs -> H tanh
neurons -> N softmax outputs, without biases.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import checks, io
from ..functional import value_cross_entropy
from ..nn import MLP, ValueMLP
from ..value import Value


def shift_task(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) for the shift task on n nodes.

    X is the (n-1, n) float64 matrix whose row k is the one-hot input k+1; y
    holds the targets 2..n as 0-based class indices (1..n-1).
    """
    n = node_count("shift_task", n)
    return np.eye(n)[: n - 1], np.arange(1, n)


def node_count(owner: str, n: Any, name: str = "n") -> int:
    """n as the number of nodes of a shift task: an int >= 2, so that at least one input fires."""
    if not checks.is_int(n) or n < 2:
        raise ValueError(f"{owner}: {name} must be an int >= 2 (at least one example), got {n!r}")
    return int(n)


INITS = ("normal", "uniform")


def initial_weights(
    n: int, hidden: int, seed: int, bias: bool = False, init: str = "normal"
) -> dict[str, np.ndarray]:
    """The starting weights for one seed, from numpy's default_rng(seed).

    init="normal": every number normal(0, 1) * 0.5. init="uniform": PyTorch's
    nn.Linear rule, uniform in +-1/sqrt(fan-in): W1 in (-1, 1) (a one-hot input
    has fan-in 1) and W2 in (-1/sqrt(hidden), 1/sqrt(hidden)), each bias with
    the bound of its layer. W1 (n x hidden, input -> hidden) is drawn first,
    then W2 (hidden x n), then the biases if any. Stored in `MLP.state_dict()`
    form (weights transposed to PyTorch's (out, in) layout).
    """
    n, hidden = (
        checks.positive_int("initial_weights", "n", n),
        checks.positive_int("initial_weights", "hidden", hidden),
    )
    checks.one_of("initial_weights", "init", init, INITS)
    rng = checks.rng("initial_weights", seed)
    w1, w2 = _draw(rng, init, (n, hidden), fan_in=1), _draw(rng, init, (hidden, n), fan_in=hidden)
    if not bias:
        return {"layers.0.weight": w1.T.copy(), "layers.1.weight": w2.T.copy()}
    b1, b2 = _draw(rng, init, (hidden,), fan_in=1), _draw(rng, init, (n,), fan_in=hidden)
    return {
        "layers.0.weight": w1.T.copy(),
        "layers.0.bias": b1,
        "layers.1.weight": w2.T.copy(),
        "layers.1.bias": b2,
    }


def _draw(rng: np.random.Generator, init: str, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """normal(0, 1) * 0.5, or uniform in +-1/sqrt(fan_in) (a one-hot input counts as fan-in 1)."""
    if init == "normal":
        return rng.normal(size=shape) * 0.5
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape)


def load_network(path: str | os.PathLike) -> MLP:
    """The network n -> hidden -> n saved at `path` (`io.save(model.state_dict(), path)`, or
    `tinygrad-lite train --save`), as a float64 MLP whose n and hidden come from its weights.

    A file that cannot be read raises what `io.load` raises (OSError, CheckpointError); a
    checkpoint that holds no such network, ValueError.
    """
    state = io.load(path)
    w_in, w_out = state.get("layers.0.weight"), state.get("layers.1.weight")
    if not (isinstance(w_in, np.ndarray) and w_in.ndim == 2 and np.shape(w_out) == w_in.shape[::-1]):
        raise ValueError(
            f"load_network: {os.fspath(path)} holds no network n -> hidden -> n (it holds {sorted(state)})"
        )
    hidden, n = w_in.shape
    model = MLP(n, hidden, n, bias="layers.0.bias" in state, dtype=np.float64)
    try:
        model.load_state_dict({name: array.astype(np.float64) for name, array in state.items()})
    except ValueError as error:
        raise ValueError(
            f"load_network: {os.fspath(path)} does not fit an N={n}, H={hidden} network: {error}"
        ) from None
    return model


def firing_input(owner: str, k: Any, n: int) -> int:
    """k, if input k fires in the shift task on n nodes (1..n-1; input n never fires)."""
    if not checks.is_int(k) or not 1 <= k < n:
        raise ValueError(f"{owner}: input must be one of the inputs that fire, 1..{n - 1}, got {k!r}")
    return int(k)


def example_loss(model: MLP, k: int) -> tuple[Value, ValueMLP]:
    """The loss of one example as a graph of scalar Values: input k fires, output k+1 should.

    Returns (loss, twin): `twin` is `ValueMLP.from_mlp(model)`, and loss (labelled
    "loss") is its cross-entropy on that example, with the gradients already
    computed by `loss.backward()`: what `draw_graph(loss, params=twin)` shows.
    """
    twin = ValueMLP.from_mlp(model)
    n = twin.layers[0].in_features
    k = firing_input("example_loss", k, n)
    one_hot = [1.0 if i == k - 1 else 0.0 for i in range(n)]
    loss = value_cross_entropy(twin(one_hot), k)  # input k must fire output k+1 (index k)
    loss.label = "loss"
    loss.backward()
    return loss, twin
