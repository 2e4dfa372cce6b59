"""Fused ops with their own backward (linear, the losses, dropout), the scalar log-softmax, the activations.

Each could be written as a composition of Tensor ops; fused, it is one node
with the classic closed-form gradient (softmax - onehot for cross-entropy),
which is both faster and what a textbook writes down. Like every op they go
through `op()`, the one door.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from operator import methodcaller
from typing import Any

import numpy as np

from . import checks, numerics
from .engine import Node, op
from .tensor import Tensor
from .value import Value

# ---- activations: PyTorch's nn.functional formulas, for a Tensor or a Value ---------------------
#
# Each is one op: the forward with numpy (a Value's float too), and f'(x), computed
# from the input kept at forward time, times g in the backward.


def leaky_relu(x: Node, negative_slope: float = 0.01) -> Node:
    """x where x > 0, else negative_slope * x.  d/dx = 1 where x > 0, else negative_slope."""
    a, slope = _input("leaky_relu", x), _number("leaky_relu", "negative_slope", negative_slope)
    return _pointwise("leaky_relu", x, np.where(a > 0, a, a * slope), lambda: np.where(a > 0, 1.0, slope))


def relu6(x: Node) -> Node:
    """min(max(x, 0), 6).  d/dx = 1 where 0 < x < 6, else 0 (0 at both kinks, as PyTorch)."""
    a = _input("relu6", x)
    return _pointwise("relu6", x, np.clip(a, 0, 6), lambda: (a > 0) & (a < 6))


def elu(x: Node, alpha: float = 1.0) -> Node:
    """x where x > 0, else alpha * (e^x - 1).  d/dx = 1 where x > 0, else alpha * e^x."""
    a, alpha = _input("elu", x), _number("elu", "alpha", alpha)
    out = np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))
    return _pointwise("elu", x, out, lambda: np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0))))


def softplus(x: Node, beta: float = 1.0, threshold: float = 20.0) -> Node:
    """log(1 + e^(beta x)) / beta, exact in both tails; x itself where beta x > threshold (as PyTorch).

    d/dx = sigmoid(beta x), and 1 where beta x > threshold.
    """
    a = _input("softplus", x)
    beta = checks.positive_number("softplus", "beta", beta)
    linear_part = a * beta > _number("softplus", "threshold", threshold)
    out = np.where(linear_part, a, numerics.softplus(a * beta) / beta)
    return _pointwise("softplus", x, out, lambda: np.where(linear_part, 1.0, numerics.sigmoid(a * beta)))


def gelu(x: Node, approximate: str = "none") -> Node:
    """x * Phi(x), Phi the standard normal CDF (1 + erf(x / sqrt 2)) / 2: the exact GELU.

    d/dx = Phi(x) + x * phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi) the normal density.
    `approximate="tanh"` gives PyTorch's approximation instead:
    x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3), whose
    d/dx = (1 + tanh(u)) / 2 + x (1 - tanh(u)^2) sqrt(2/pi) (1 + 0.134145 x^2) / 2  (3 * 0.044715).
    """
    a = _input("gelu", x)
    if checks.one_of("gelu", "approximate", approximate, ("none", "tanh")) == "tanh":
        k = math.sqrt(2 / math.pi)
        t = np.tanh(k * (a + 0.044715 * a**3))
        return _pointwise(
            "gelu", x, a * (1 + t) / 2, lambda: (1 + t) / 2 + a * (1 - t * t) * k * (1 + 0.134145 * a * a) / 2
        )
    cdf = (1 + numerics.erf(a / math.sqrt(2))) / 2
    return _pointwise("gelu", x, a * cdf, lambda: cdf + a * np.exp(-a * a / 2) / math.sqrt(2 * math.pi))


def silu(x: Node) -> Node:
    """x * sigmoid(x) (also called swish).  d/dx = s (1 + x (1 - s)), s = sigmoid(x)."""
    a = _input("silu", x)
    s = numerics.sigmoid(a)
    return _pointwise("silu", x, a * s, lambda: s * (1 + a * (1 - s)))


def hardswish(x: Node) -> Node:
    """x * relu6(x + 3) / 6.  d/dx = 0 where x <= -3, x / 3 + 1/2 where -3 < x < 3, 1 where x >= 3."""
    a = _input("hardswish", x)
    out = a * np.clip(a + 3, 0, 6) / 6
    return _pointwise("hardswish", x, out, lambda: np.where(a <= -3, 0.0, np.where(a < 3, a / 3 + 0.5, 1.0)))


def mish(x: Node) -> Node:
    """x * tanh(softplus(x)).  d/dx = tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x), sp = softplus(x)."""
    a = _input("mish", x)
    t = np.tanh(numerics.softplus(a))
    return _pointwise("mish", x, a * t, lambda: t + a * (1 - t * t) * numerics.sigmoid(a))


def _input(name: str, x: Any) -> np.ndarray:
    """The data an activation reads: a Tensor's array, or a Value's float as a numpy float."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, Value):
        return np.float64(x.data)
    raise TypeError(f"{name}: expects a Tensor or a Value, got {type(x).__name__}")


def _number(owner: str, name: str, x: Any) -> float:
    if not checks.is_number(x):
        raise TypeError(f"{owner}: {name} must be a number, got {x!r}")
    return float(x)


def _pointwise(name: str, x: Node, out: Any, slope: Callable[[], Any]) -> Node:
    """The op `name` at each element: out = f(x); backward g * f'(x), with `slope()` giving f'(x)."""
    if isinstance(x, Value):
        return op(name, float(out), (x,), lambda g: (float(slope()) * g,))
    return op(name, np.asarray(out, x.dtype), (x,), lambda g: (g * slope(),))


# ---- the one table of activations every model and picture uses -------------------------------

ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "tanh": methodcaller("tanh"),  # x.tanh()
    "relu": methodcaller("relu"),
    "sigmoid": methodcaller("sigmoid"),
    "linear": lambda x: x,
    "leaky_relu": leaky_relu,
    "relu6": relu6,
    "elu": elu,
    "softplus": softplus,
    "gelu": gelu,
    "silu": silu,
    "hardswish": hardswish,
    "mish": mish,
}


def activate(x: Node, name: str) -> Node:
    """x passed through the activation `name` (a key of ACTIVATIONS), for a Tensor or a Value."""
    function = ACTIVATIONS.get(name) if isinstance(name, str) else None
    if function is None:  # checked only then: a model calls this once per layer and step
        check_activation("activate", name)  # raises, listing the names there are
    return function(x)


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
        if w.ndim > 2 and x_data.ndim < 2:  # a stack of models needs a batch axis to broadcast over
            raise ValueError
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
    if w.ndim > 2:  # a stack of weights: the engine sums the batch axes back to each input's shape
        return (grad_x, g.swapaxes(-1, -2) @ x, g) if with_bias else (grad_x, g.swapaxes(-1, -2) @ x)
    g, x = _as_rows(g), _as_rows(x)  # one row per example: batch axes flattened, one example a row
    grad_weight = g.T @ x
    return (grad_x, grad_weight, g.sum(axis=0)) if with_bias else (grad_x, grad_weight)


def _linear_error(x: Any, weight: Any, bias: Any) -> Exception:
    """Why linear(x, weight, bias) failed, naming the argument at fault."""
    for name, t in (("x", x), ("weight", weight), ("bias", bias)):
        if not isinstance(t, Tensor) and not (name == "bias" and t is None):
            return TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim not in (2, 3):
        return ValueError(
            f"linear: weight must be (out_features, in_features), or (copies, out_features, in_features) "
            f"for a stack of models, got shape {weight.shape}"
        )
    n_out, n_in = weight.shape[-2:]
    with_bias = "" if bias is None else f" and bias of shape {bias.shape}"
    if weight.ndim == 2:
        expected = f"an input of shape (..., {n_in}) and a bias of shape ({n_out},)"
    else:
        k = weight.shape[0]
        expected = f"an input of shape (batch, {n_in}) or ({k}, batch, {n_in}), a bias ({k}, 1, {n_out})"
    return ValueError(
        f"linear: an input of shape {x.shape} does not fit weight of shape {weight.shape}{with_bias}; "
        f"expected {expected}"
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
    shape = logits.shape
    rows, cols, t_shape = _targets("cross_entropy", targets, shape)
    checks.not_empty("cross_entropy", shape, -1)
    log_probs = numerics.log_softmax(_as_rows(logits.data), -1)
    out, scale = _reduce(-_reshaped(log_probs[rows, cols], t_shape), reduction)

    def cross_entropy_backward(g: np.ndarray) -> tuple:
        grad = np.exp(log_probs)  # softmax
        grad[rows, cols] -= 1.0
        grad *= g.reshape(-1, 1) if reduction == "none" else scale * g
        return (_reshaped(grad, shape),)

    return op("cross_entropy", np.asarray(out, logits.dtype), (logits,), cross_entropy_backward)


def nll_loss(log_probs: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes: -log_probs[..., target].

    log_probs has shape (..., C), targets the shape (...) with class indices in
    [0, C). reduction is "mean", "sum" or "none". The gradient is -1 at each
    target (divided by the count for "mean"), 0 elsewhere.
    """
    _check_scores("nll_loss", log_probs, reduction)
    shape = log_probs.shape
    rows, cols, t_shape = _targets("nll_loss", targets, shape)
    lp = _as_rows(log_probs.data)
    out, scale = _reduce(-_reshaped(lp[rows, cols], t_shape), reduction)

    def nll_backward(g: np.ndarray) -> tuple:
        grad = np.zeros_like(lp)
        grad[rows, cols] = -g.reshape(-1) if reduction == "none" else -scale * g
        return (_reshaped(grad, shape),)

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


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    """Inverted dropout, as PyTorch's: zero each element with probability p, scale the rest by 1/(1-p).

    The scaling keeps every element's expected value, so nothing changes at
    evaluation, where (training=False, or p = 0) x itself comes back. The mask
    is drawn from `rng` (a numpy Generator or an int seed): one seed, one mask.
    d/dx = mask / (1 - p), the same numbers the forward multiplied by.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"dropout: expects a Tensor, got {type(x).__name__}")
    p = probability("dropout", p)
    if not training or p == 0:
        return x
    keep = checks.rng("dropout", rng).random(x.shape) >= p
    scale = (keep / (1 - p) if p < 1 else np.zeros(x.shape)).astype(x.dtype)
    return op("dropout", x.data * scale, (x,), lambda g: (g * scale,))


def probability(owner: str, p: Any) -> float:
    """p as a float in [0, 1]."""
    if not checks.is_number(p) or not 0 <= p <= 1:
        raise ValueError(f"{owner}: p must be a probability in [0, 1], got {p!r}")
    return float(p)


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
    # (An ndarray has a `.data` too, its raw buffer: only a Tensor is unwrapped.)
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    t = checks.class_indices(name, "targets", t, shape[-1])
    if t.shape != shape[:-1]:
        raise ValueError(
            f"{name}: targets of shape {t.shape} do not match input of shape {shape}; "
            f"expected targets of shape {shape[:-1]}"
        )
    # A copy of the indices (reshape(-1) of a broadcast view copies too): backward uses them later.
    cols = t.reshape(-1).copy()
    return np.arange(cols.size), cols, t.shape


def _as_rows(a: np.ndarray) -> np.ndarray:
    """An array (..., C) as a 2-D array of rows (rows, C): one row per example (itself if it is 2-D)."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


def _reshaped(a: np.ndarray, shape: tuple) -> np.ndarray:
    """a with `shape` (itself if it has it: a reshape costs a numpy call even when it changes nothing)."""
    return a if a.shape == shape else a.reshape(shape)


def _reduce(losses: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The per-example losses reduced, and the scale each one's gradient gets."""
    if reduction == "none":
        return losses, 1.0
    scale = 1.0 / max(losses.size, 1) if reduction == "mean" else 1.0
    return np.add.reduce(losses, axis=None) * scale, scale


# ---- the scalar twins ------------------------------------------------------------------------


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log(softmax(x))_i = (x_i - m) - log(sum_j e^(x_j - m)) over a list of Values, m the max.

    One op per output, all from the same inputs: d out_i / d x_j = [i == j] - softmax(x)_j.
    """
    xs, outs, softmax = _log_softmax_numbers("log_softmax", values)
    return [op("log_softmax", out, xs, _log_softmax_backward(i, softmax)) for i, out in enumerate(outs)]


def _log_softmax_numbers(name: str, values: Any) -> tuple[tuple[Value, ...], list[float], list[float]]:
    """The inputs as Values, their log-softmax and their softmax, as lists of floats."""
    if not isinstance(values, Iterable):
        raise TypeError(f"{name}: expects a list of Values or numbers, got {type(values).__name__}")
    xs = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    if not xs:
        raise ValueError(f"{name}: needs at least one value, got an empty list")
    outs = numerics.log_softmax(np.array([v.data for v in xs]))
    return xs, outs.tolist(), np.exp(outs).tolist()


def _log_softmax_backward(i: int, softmax: list[float]) -> Callable[[float], tuple]:
    def backward(g: float) -> tuple:
        return tuple([((1.0 if i == j else 0.0) - s) * g for j, s in enumerate(softmax)])

    return backward


def value_cross_entropy(logits: Sequence[Value], target: int) -> Value:
    """Cross-entropy of one example for scalar logits: -log_softmax(logits)[target]."""
    if not checks.is_int(target):
        raise TypeError(f"value_cross_entropy: target must be an int class index, got {target!r}")
    if not hasattr(logits, "__len__"):
        raise TypeError(f"value_cross_entropy: logits must be a list of Values, got {type(logits).__name__}")
    if not 0 <= target < len(logits):
        raise ValueError(f"value_cross_entropy: target must be in [0, {len(logits)}), got {target}")
    # The one output of log_softmax(logits) the loss uses: the other ops would be built and dropped.
    xs, outs, softmax = _log_softmax_numbers("value_cross_entropy", logits)
    return -op("log_softmax", outs[target], xs, _log_softmax_backward(target, softmax))
