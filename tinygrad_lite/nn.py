"""Neural-network building blocks: Module, Linear, MLP, its scalar twin ValueMLP, and losses."""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .tensor import Tensor, _as_dtype, _check_not_empty, _rng, log_softmax_array
from .value import Value
from .value import log_softmax as value_log_softmax

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


class Module:
    """Base class: `model(x)` runs `model.forward(x)`.

    Parameters are found by attribute, as in PyTorch: every Tensor attribute
    with requires_grad=True, every Value, and those of sub-modules, also inside
    lists. Names are dotted paths such as "layers.0.weight".
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any) -> Any:
        """The computation of the module; subclasses define it, `model(x)` calls it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_parameters(self) -> Iterator[tuple[str, Tensor | Value]]:
        """(name, parameter) pairs in the order the attributes were set; a parameter
        reachable under two names (tied weights) is listed once, as in PyTorch."""
        seen = set()
        for name, value in vars(self).items():
            for param_name, param in _parameters_in(name, value):
                if param not in seen:
                    seen.add(param)
                    yield param_name, param

    def parameters(self) -> list[Tensor | Value]:
        """The parameters, in `named_parameters()` order: what an optimizer takes."""
        return [p for _, p in self.named_parameters()]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules, also those kept in a list."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                yield from ((f"{name}.{i}", m) for i, m in enumerate(value) if isinstance(m, Module))

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (None for Tensors, 0.0 for Values)."""
        for p in self.parameters():
            p.zero_grad()

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's data, by name."""
        return {name: np.array(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy `state` into the parameters; names, shapes and dtypes must all match."""
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expects a dict of name -> array, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing, extra = sorted(params.keys() - state.keys()), sorted(state.keys() - params.keys())
        if missing or extra:
            raise ValueError(
                f"load_state_dict: the names do not match {type(self).__name__}: "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        for name, p in params.items():
            array = np.asarray(state[name])
            expected = np.asarray(p.data)
            if array.shape != expected.shape or array.dtype != expected.dtype:
                raise ValueError(
                    f"load_state_dict: '{name}' is {array.dtype}{list(array.shape)}, "
                    f"the model expects {expected.dtype}{list(expected.shape)}"
                )
        for name, p in params.items():
            if isinstance(p, Value):
                p.data = float(state[name])
            else:
                np.copyto(p.data, state[name])

    def extra_repr(self) -> str:
        """The settings `repr(module)` shows in its parentheses (none by default)."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [self.extra_repr()] if self.extra_repr() else []
        lines += [f"({name}): {child!r}" for name, child in children]
        body = "\n".join(lines).replace("\n", "\n  ")
        return f"{type(self).__name__}(\n  {body}\n)"


def _parameters_in(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Tensor):
        if value.requires_grad:
            yield name, value
    elif isinstance(value, Value):
        yield name, value
    elif isinstance(value, Module):
        for sub_name, p in value.named_parameters():
            yield f"{name}.{sub_name}", p
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, Value):  # the common leaf (ValueMLP's rows), without a nested generator
                yield f"{name}.{i}", item
            else:
                yield from _parameters_in(f"{name}.{i}", item)


def _positive_int(owner: str, name: str, n: Any) -> int:
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {n!r}")
    return int(n)


def _check_activation(owner: str, activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"{owner}: activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _float_dtype(owner: str, dtype: Any) -> Any:
    """dtype, checked to be a floating-point dtype (or None): parameters need gradients."""
    checked = _as_dtype(dtype, owner)
    if checked is not None and checked.kind != "f":
        raise TypeError(f"{owner}: dtype must be a floating-point dtype such as np.float32, got {checked}")
    return dtype


def _layer_sizes(owner: str, n_in: int, hidden: int | Sequence[int], n_out: int) -> list[int]:
    try:
        hidden = [hidden] if isinstance(hidden, numbers.Integral) else list(hidden)
    except TypeError:
        raise TypeError(f"{owner}: hidden must be an int or a list of ints, got {hidden!r}") from None
    sizes = [n_in, *hidden, n_out]
    names = ["n_in"] + [f"hidden[{i}]" for i in range(len(hidden))] + ["n_out"]
    return [_positive_int(owner, name, n) for name, n in zip(names, sizes)]


# ---- Tensor layers ---------------------------------------------------------------


class Linear(Module):
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features) as in PyTorch.

    Initialised as PyTorch does: weight and bias uniform in [-1/sqrt(in), 1/sqrt(in)],
    drawn from `rng` (a numpy Generator or an int seed).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, rng: Any = None, dtype: Any = np.float32
    ) -> None:
        self.in_features = _positive_int("Linear", "in_features", in_features)
        self.out_features = _positive_int("Linear", "out_features", out_features)
        dtype = _float_dtype("Linear", dtype)
        rng = _rng("Linear", rng)
        bound = 1 / np.sqrt(in_features)
        self.weight = Tensor(rng.uniform(-bound, bound, (out_features, in_features)), True, dtype)
        self.bias = Tensor(rng.uniform(-bound, bound, out_features), True, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear: expects a Tensor input, got {type(x).__name__}")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: expected an input whose last dimension is {self.in_features} "
                f"(in_features), got shape {x.shape}"
            )
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight^T + bias as one op (PyTorch's F.linear), for x of shape (..., in).

    dx = g @ weight,  dweight = g^T @ x,  dbias = sum of g over the batch
    (with any batch axes of x and g flattened into one).
    """
    try:
        w = weight.data
        out = x.data @ w.T
        if bias is not None:
            out += bias.data
    except (AttributeError, TypeError, ValueError):
        raise _linear_error(x, weight, bias) from None
    parents = (x, weight) if bias is None else (x, weight, bias)

    def linear_backward(g: np.ndarray) -> tuple:
        g_rows = g.reshape(-1, g.shape[-1])
        x_rows = x.data.reshape(-1, x.shape[-1])
        grad_x = g @ w if x.requires_grad else None
        grad_weight = g_rows.T @ x_rows if weight.requires_grad else None
        return grad_x, grad_weight, None if bias is None else g_rows.sum(axis=0)

    return Tensor._make(out, parents, "linear", linear_backward)


def _linear_error(x: Any, weight: Any, bias: Any) -> Exception:
    """Why linear(x, weight, bias) failed, naming the argument at fault."""
    for name, t in (("x", x), ("weight", weight), ("bias", bias)):
        if not isinstance(t, Tensor) and not (name == "bias" and t is None):
            return TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 2:
        return ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    n_out, n_in = weight.shape
    with_bias = "" if bias is None else f" and bias of shape {bias.shape}"
    return ValueError(
        f"linear: an input of shape {x.shape} does not fit weight of shape {weight.shape}{with_bias}; "
        f"expected an input of shape (..., {n_in}) and a bias of shape ({n_out},)"
    )


class MLP(Module):
    """Linear layers with an activation between them; the last layer gives logits.

    `MLP(n, 2, n)` (tanh, no bias) is the seed's network: n inputs, 2 tanh
    neurons, n outputs. `hidden` may be a list of sizes for more layers.
    """

    def __init__(
        self,
        n_in: int,
        hidden: int | Sequence[int],
        n_out: int,
        activation: str = "tanh",
        bias: bool = False,
        rng: Any = None,
        dtype: Any = np.float32,
    ) -> None:
        sizes = _layer_sizes("MLP", n_in, hidden, n_out)
        self.activation = _check_activation("MLP", activation)
        dtype = _float_dtype("MLP", dtype)
        rng = _rng("MLP", rng)
        self.layers = [Linear(a, b, bias, rng, dtype) for a, b in zip(sizes, sizes[1:])]

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = layer(x)
            if self.activation != "linear":
                x = getattr(x, self.activation)()
        return self.layers[-1](x)

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}"


# ---- the scalar twin -------------------------------------------------------------


class ValueLinear(Module):
    """Linear made of scalar Values: `out_i = sum_j weight[i][j] * x_j (+ bias[i])`."""

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, rng: Any = None, name: str = "w"
    ):
        self.in_features = _positive_int("ValueLinear", "in_features", in_features)
        self.out_features = _positive_int("ValueLinear", "out_features", out_features)
        rng = _rng("ValueLinear", rng)
        bound = 1 / np.sqrt(in_features)
        weights = rng.uniform(-bound, bound, (out_features, in_features))
        self.weight = [
            [Value(w, label=f"{name}[{i},{j}]") for j, w in enumerate(row)] for i, row in enumerate(weights)
        ]
        self.bias = (
            [
                Value(b, label=f"b{name[1:]}[{i}]")
                for i, b in enumerate(rng.uniform(-bound, bound, out_features))
            ]
            if bias
            else None
        )

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        if not hasattr(x, "__len__"):
            raise TypeError(
                f"ValueLinear: expects a list of {self.in_features} Values or numbers, got {type(x).__name__}"
            )
        if len(x) != self.in_features:
            raise ValueError(f"ValueLinear: expected {self.in_features} inputs, got {len(x)}")
        outs = []
        for i, row in enumerate(self.weight):
            total = row[0] * x[0]
            for w, xj in zip(row[1:], x[1:]):
                total = total + w * xj
            outs.append(total if self.bias is None else total + self.bias[i])
        return outs

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {"weight": np.array([[w.data for w in row] for row in self.weight])}
        if self.bias is not None:
            state["bias"] = np.array([b.data for b in self.bias])
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy `state` ("weight", "bias") into the Values; names and shapes must match `state_dict()`."""
        _check_value_state("ValueLinear", self.state_dict(), state)
        for row, values in zip(self.weight, np.asarray(state["weight"])):
            for w, value in zip(row, values):
                w.data = float(value)
        if self.bias is not None:
            for b, value in zip(self.bias, np.asarray(state["bias"])):
                b.data = float(value)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class ValueMLP(Module):
    """The MLP built from scalar Values, one graph node per number, for pictures and teaching.

    Its `state_dict()` has the same names and shapes as `MLP`'s (in float64), so
    `ValueMLP.from_mlp(mlp)` copies a trained network and gives the same outputs.
    """

    def __init__(
        self,
        n_in: int,
        hidden: int | Sequence[int],
        n_out: int,
        activation: str = "tanh",
        bias: bool = False,
        rng: Any = None,
    ) -> None:
        sizes = _layer_sizes("ValueMLP", n_in, hidden, n_out)
        self.activation = _check_activation("ValueMLP", activation)
        rng = _rng("ValueMLP", rng)
        self.layers = [
            ValueLinear(a, b, bias, rng, name=f"w{k + 1}") for k, (a, b) in enumerate(zip(sizes, sizes[1:]))
        ]

    @classmethod
    def from_mlp(cls, mlp: MLP) -> ValueMLP:
        """A ValueMLP with the same layers and weights as a Tensor `mlp`."""
        if not isinstance(mlp, MLP):
            raise TypeError(f"ValueMLP.from_mlp: expects an MLP, got {type(mlp).__name__}")
        sizes = [mlp.layers[0].in_features] + [layer.out_features for layer in mlp.layers]
        twin = cls(sizes[0], sizes[1:-1], sizes[-1], mlp.activation, mlp.layers[0].bias is not None)
        twin.load_state_dict({k: v.astype(np.float64) for k, v in mlp.state_dict().items()})
        return twin

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        for layer in self.layers[:-1]:
            x = layer(x)
            if self.activation != "linear":
                x = [getattr(v, self.activation)() for v in x]
        return self.layers[-1](x)

    def state_dict(self) -> dict[str, np.ndarray]:
        return {
            f"layers.{i}.{name}": array
            for i, layer in enumerate(self.layers)
            for name, array in layer.state_dict().items()
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy `state` into the Values; names and shapes must match `state_dict()`."""
        _check_value_state("ValueMLP", self.state_dict(), state)
        for i, layer in enumerate(self.layers):
            prefix = f"layers.{i}."
            layer.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}"


def _check_value_state(owner: str, own: dict[str, np.ndarray], state: Any) -> None:
    """The names and shapes of `state` match `own`, or a ValueError naming the first that differs."""
    if not isinstance(state, dict):
        raise TypeError(f"load_state_dict: expects a dict of name -> array, got {type(state).__name__}")
    for name, array in own.items():
        given = np.asarray(state[name]) if name in state else None
        if given is None or given.shape != array.shape:
            raise ValueError(
                f"load_state_dict: {owner} expects '{name}' of shape {list(array.shape)}, got "
                f"{'nothing' if given is None else list(given.shape)}"
            )
    if extra := sorted(state.keys() - own.keys()):
        raise ValueError(f"load_state_dict: unexpected names for {owner}: {extra}")


# ---- losses ------------------------------------------------------------------------


def nll_loss(log_probs: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes: -log_probs[..., target].

    log_probs has shape (..., C), targets the shape (...) with class indices in
    [0, C). reduction is "mean", "sum" or "none". The gradient is -1 at each
    target (divided by the count for "mean"), 0 elsewhere.
    """
    _check_loss_args("nll_loss", log_probs, reduction)
    rows, cols, t_shape = _targets("nll_loss", targets, log_probs.shape)
    lp = log_probs.data.reshape(-1, log_probs.shape[-1])
    out, scale = _reduce(-lp[rows, cols].reshape(t_shape), reduction)
    shape, dtype = log_probs.shape, log_probs.dtype

    def nll_backward(g: np.ndarray) -> tuple:
        grad = np.zeros_like(lp)
        grad[rows, cols] = -g.reshape(-1) if reduction == "none" else -scale * g
        return (grad.reshape(shape),)

    return Tensor._make(
        np.asarray(out, dtype), (log_probs,), "nll_loss", nll_backward, f"reduction={reduction}"
    )


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of raw logits (..., C) against class indices (...).

    nll_loss(log_softmax(logits)) computed as one op: the forward is the stable
    log_softmax (finite for any logits), then the pick of the targets; the
    backward is the classic fused gradient

        d loss / d logits = softmax(logits) - onehot(target)

    times g (and divided by the count for reduction="mean").
    """
    _check_loss_args("cross_entropy", logits, reduction)
    rows, cols, t_shape = _targets("cross_entropy", targets, logits.shape)
    _check_not_empty("cross_entropy", logits.data, -1)
    log_probs = log_softmax_array(logits.data.reshape(-1, logits.shape[-1]), -1)
    out, scale = _reduce(-log_probs[rows, cols].reshape(t_shape), reduction)
    shape = logits.shape

    def cross_entropy_backward(g: np.ndarray) -> tuple:
        grad = np.exp(log_probs)  # softmax
        grad[rows, cols] -= 1.0
        grad *= g.reshape(-1, 1) if reduction == "none" else scale * g
        return (grad.reshape(shape),)

    return Tensor._make(
        np.asarray(out, logits.dtype),
        (logits,),
        "cross_entropy",
        cross_entropy_backward,
        f"reduction={reduction}",
    )


def _check_loss_args(op: str, x: Any, reduction: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expects a Tensor of shape (..., classes), got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError(f"{op}: expects a Tensor of shape (..., classes), got a 0-d tensor")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expects floating-point scores, got dtype {x.dtype}; use dtype=np.float32")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _targets(op: str, targets: Any, shape: tuple) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The targets checked, as (row, class) index pairs into the input viewed as (rows, classes)."""
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    classes = shape[-1]
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != shape[:-1]:
        raise ValueError(
            f"{op}: targets of shape {t.shape} do not match input of shape {shape}; "
            f"expected targets of shape {shape[:-1]}"
        )
    # A copy of the indices (reshape(-1) of a broadcast view copies too): backward uses them later.
    cols = t.reshape(-1).copy()
    if cols.size and (np.minimum.reduce(cols) < 0 or np.maximum.reduce(cols) >= classes):
        raise ValueError(
            f"{op}: targets must be class indices in [0, {classes}), "
            f"got values from {cols.min()} to {cols.max()}"
        )
    return np.arange(cols.size), cols, t.shape


def _reduce(losses: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The per-example losses reduced, and the scale each one's gradient gets."""
    if reduction == "none":
        return losses, 1.0
    scale = 1.0 / max(losses.size, 1) if reduction == "mean" else 1.0
    return losses.sum() * scale, scale


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


def value_cross_entropy(logits: Sequence[Value], target: int) -> Value:
    """Cross-entropy of one example for scalar logits: -log_softmax(logits)[target]."""
    if not isinstance(target, numbers.Integral) or isinstance(target, bool):
        raise TypeError(f"value_cross_entropy: target must be an int class index, got {target!r}")
    if not hasattr(logits, "__len__"):
        raise TypeError(f"value_cross_entropy: logits must be a list of Values, got {type(logits).__name__}")
    if not 0 <= target < len(logits):
        raise ValueError(f"value_cross_entropy: target must be in [0, {len(logits)}), got {target}")
    return -value_log_softmax(logits)[target]
