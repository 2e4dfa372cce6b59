"""Fused ops with their own backward (linear, the losses), the scalar log-softmax, and the activations.

Each could be written as a composition of Tensor ops; fused, it is one node
with the classic closed-form gradient (softmax - onehot for cross-entropy),
which is both faster and what a textbook writes down. Like every op they go
through `op()`, the one door.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import checks, numerics
from .engine import Node, op
from .tensor import Tensor
from .value import Value

# ---- activations: one table for every model and picture ----------------------------------

ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "tanh": lambda x: x.tanh(),
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "linear": lambda x: x,
}


def activate(x: Node, name: str) -> Node:
    """x passed through the activation `name` (a key of ACTIVATIONS), for a Tensor or a Value."""
    return ACTIVATIONS[name](x)


def check_activation(owner: str, name: Any) -> str:
    """`name`, if it names an activation."""
    return checks.one_of(owner, "activation", name, ACTIVATIONS)


# ---- linear ----------------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight^T + bias as one op (PyTorch's F.linear), for x of shape (..., in).

    weight is (out, in), or (copies, out, in) for a stack of models run side by side
    (x then (batch, in), shared, or (copies, batch, in)); bias broadcasts against y.

        dx = g @ weight,  dweight = g^T @ x,  dbias = g summed over the batch
    """
    try:
        x_data, w = x.data, weight.data
        out = x_data @ w.swapaxes(-1, -2)
        if bias is not None:
            out += bias.data
    except (AttributeError, TypeError, ValueError):
        raise _linear_error(x, weight, bias) from None
    parents = (x, weight) if bias is None else (x, weight, bias)
    need_x, with_bias = x.requires_grad, bias is not None
    return op("linear", out, parents, lambda g: _linear_backward(g, x_data, w, need_x, with_bias))


def _linear_backward(g: np.ndarray, x: np.ndarray, w: np.ndarray, need_x: bool, with_bias: bool) -> tuple:
    """dx, dweight (and dbias); for a 2-D weight, any batch axes of x and g are flattened into one."""
    grad_x = g @ w if need_x else None
    if w.ndim == 2:
        g_rows = g.reshape(-1, g.shape[-1])
        grad_weight, grad_bias = g_rows.T @ x.reshape(-1, x.shape[-1]), g_rows.sum(axis=0)
    else:  # a stack of weights: the engine sums the batch axes back to each input's shape
        grad_weight, grad_bias = g.swapaxes(-1, -2) @ x, g
    return (grad_x, grad_weight, grad_bias) if with_bias else (grad_x, grad_weight)


def _linear_error(x: Any, weight: Any, bias: Any) -> Exception:
    """Why linear(x, weight, bias) failed, naming the argument at fault."""
    for name, t in (("x", x), ("weight", weight), ("bias", bias)):
        if not isinstance(t, Tensor) and not (name == "bias" and t is None):
            return TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim < 2:
        return ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    n_out, n_in = weight.shape[-2:]
    with_bias = "" if bias is None else f" and bias of shape {bias.shape}"
    return ValueError(
        f"linear: an input of shape {x.shape} does not fit weight of shape {weight.shape}{with_bias}; "
        f"expected an input of shape (..., {n_in}) and a bias of shape ({n_out},)"
    )


# ---- losses over Tensors ---------------------------------------------------------------------


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of raw logits (..., C) against class indices (...).

    nll_loss(log_softmax(logits)) computed as one op: the forward is the stable
    log_softmax (finite for any logits), then the pick of the targets; the
    backward is the classic fused gradient

        d loss / d logits = softmax(logits) - onehot(target)

    times g (and divided by the count for reduction="mean").
    """
    _check_scores("cross_entropy", logits, reduction)
    rows, cols, t_shape = _targets("cross_entropy", targets, logits.shape)
    checks.not_empty("cross_entropy", logits.shape, -1)
    log_probs = numerics.log_softmax(logits.data.reshape(-1, logits.shape[-1]), -1)
    out, scale = _reduce(-log_probs[rows, cols].reshape(t_shape), reduction)
    shape = logits.shape

    def cross_entropy_backward(g: np.ndarray) -> tuple:
        grad = np.exp(log_probs)  # softmax
        grad[rows, cols] -= 1.0
        grad *= g.reshape(-1, 1) if reduction == "none" else scale * g
        return (grad.reshape(shape),)

    return op("cross_entropy", np.asarray(out, logits.dtype), (logits,), cross_entropy_backward)


def nll_loss(log_probs: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes: -log_probs[..., target].

    log_probs has shape (..., C), targets the shape (...) with class indices in
    [0, C). reduction is "mean", "sum" or "none". The gradient is -1 at each
    target (divided by the count for "mean"), 0 elsewhere.
    """
    _check_scores("nll_loss", log_probs, reduction)
    rows, cols, t_shape = _targets("nll_loss", targets, log_probs.shape)
    lp = log_probs.data.reshape(-1, log_probs.shape[-1])
    out, scale = _reduce(-lp[rows, cols].reshape(t_shape), reduction)
    shape = log_probs.shape

    def nll_backward(g: np.ndarray) -> tuple:
        grad = np.zeros_like(lp)
        grad[rows, cols] = -g.reshape(-1) if reduction == "none" else -scale * g
        return (grad.reshape(shape),)

    return op("nll_loss", np.asarray(out, log_probs.dtype), (log_probs,), nll_backward)


def mse_loss(prediction: Tensor, target: Any) -> Tensor:
    """Mean squared error: mean((prediction - target)^2). d/dprediction = 2 (prediction - target) / count."""
    if not isinstance(prediction, Tensor):
        raise TypeError(f"mse_loss: expects a Tensor prediction, got {type(prediction).__name__}")
    target_shape = np.shape(target.data if isinstance(target, Tensor) else target)
    if target_shape != prediction.shape:
        # Broadcasting (N, 1) against (N,) would silently compare every pair.
        raise ValueError(
            f"mse_loss: target of shape {target_shape} does not match prediction of shape {prediction.shape}"
        )
    return ((prediction - target) ** 2).mean()


def _check_scores(name: str, x: Any, reduction: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expects a Tensor of shape (..., classes), got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError(f"{name}: expects a Tensor of shape (..., classes), got a 0-d tensor")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expects floating-point scores, got dtype {x.dtype}; use dtype=np.float32")
    checks.one_of(name, "reduction", reduction, ("mean", "sum", "none"))


def _targets(name: str, targets: Any, shape: tuple) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The targets checked, as (row, class) index pairs into the input viewed as (rows, classes)."""
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    classes = shape[-1]
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != shape[:-1]:
        raise ValueError(
            f"{name}: targets of shape {t.shape} do not match input of shape {shape}; "
            f"expected targets of shape {shape[:-1]}"
        )
    # A copy of the indices (reshape(-1) of a broadcast view copies too): backward uses them later.
    cols = t.reshape(-1).copy()
    if cols.size and (np.minimum.reduce(cols) < 0 or np.maximum.reduce(cols) >= classes):
        raise ValueError(
            f"{name}: targets must be class indices in [0, {classes}), "
            f"got values from {cols.min()} to {cols.max()}"
        )
    return np.arange(cols.size), cols, t.shape


def _reduce(losses: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The per-example losses reduced, and the scale each one's gradient gets."""
    if reduction == "none":
        return losses, 1.0
    scale = 1.0 / max(losses.size, 1) if reduction == "mean" else 1.0
    return losses.sum() * scale, scale


# ---- the scalar twins ------------------------------------------------------------------------


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log(softmax(x))_i = (x_i - m) - log(sum_j e^(x_j - m)) over a list of Values, m the max.

    One op per output, all from the same inputs: d out_i / d x_j = [i == j] - softmax(x)_j.
    """
    if not isinstance(values, Iterable):
        raise TypeError(f"log_softmax: expects a list of Values or numbers, got {type(values).__name__}")
    xs = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    if not xs:
        raise ValueError("log_softmax: needs at least one value, got an empty list")
    outs = numerics.log_softmax(np.array([v.data for v in xs]))
    softmax = np.exp(outs).tolist()
    return [
        op("log_softmax", float(out), xs, _log_softmax_backward(i, softmax)) for i, out in enumerate(outs)
    ]


def _log_softmax_backward(i: int, softmax: list[float]) -> Callable[[float], tuple]:
    def backward(g: float) -> tuple:
        return tuple(((1.0 if i == j else 0.0) - s) * g for j, s in enumerate(softmax))

    return backward


def value_cross_entropy(logits: Sequence[Value], target: int) -> Value:
    """Cross-entropy of one example for scalar logits: -log_softmax(logits)[target]."""
    if not checks.is_int(target):
        raise TypeError(f"value_cross_entropy: target must be an int class index, got {target!r}")
    if not hasattr(logits, "__len__"):
        raise TypeError(f"value_cross_entropy: logits must be a list of Values, got {type(logits).__name__}")
    if not 0 <= target < len(logits):
        raise ValueError(f"value_cross_entropy: target must be in [0, {len(logits)}), got {target}")
    return -log_softmax(logits)[target]
