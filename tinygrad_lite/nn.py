"""Neural-network layers: Linear, MLP and Dropout on Tensors, ValueLinear and ValueMLP on Values.

`Linear` and `MLP` take an optional leading `copies` axis: K independent networks
of one shape, stacked, that train as one model (one graph, one optimizer, each
copy's numbers exactly those it would get alone). The fused ops live in
`functional`; the losses are reachable from here too, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import checks
from .functional import (  # noqa: F401 (nn.cross_entropy)
    activate,
    check_activation,
    cross_entropy,
    dropout,
    linear,
    mse_loss,
    nll_loss,
    probability,
    value_cross_entropy,
)
from .module import Module
from .tensor import Tensor
from .value import Value


def _layer_sizes(owner: str, n_in: int, hidden: int | Sequence[int], n_out: int) -> list[int]:
    try:
        hidden = [hidden] if checks.is_int(hidden) else list(hidden)
    except TypeError:
        raise TypeError(f"{owner}: hidden must be an int or a list of ints, got {hidden!r}") from None
    sizes = [n_in, *hidden, n_out]
    names = ["n_in"] + [f"hidden[{i}]" for i in range(len(hidden))] + ["n_out"]
    return [checks.positive_int(owner, name, n) for name, n in zip(names, sizes)]


# ---- Tensor layers ---------------------------------------------------------------


class Linear(Module):
    """y = x @ weight^T + bias, with weight of shape (out_features, in_features) as in PyTorch.

    Initialised as PyTorch does: weight and bias uniform in [-1/sqrt(in), 1/sqrt(in)],
    drawn from `rng` (a numpy Generator or an int seed).

    With `copies=K` the layer is K layers stacked: weight (K, out, in), bias (K, 1, out).
    The input is (batch, in), shared by every copy, or (K, batch, in), one batch per
    copy; the output is (K, batch, out).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: Any = None,
        dtype: Any = np.float32,
        copies: int | None = None,
    ) -> None:
        self.in_features = checks.positive_int("Linear", "in_features", in_features)
        self.out_features = checks.positive_int("Linear", "out_features", out_features)
        self.copies = None if copies is None else checks.positive_int("Linear", "copies", copies)
        dtype = checks.float_dtype("Linear", dtype)
        rng = checks.rng("Linear", rng)
        stack = () if copies is None else (copies,)
        bias_shape = (out_features,) if copies is None else (copies, 1, out_features)
        bound = 1 / np.sqrt(in_features)
        self.weight = Tensor(rng.uniform(-bound, bound, (*stack, out_features, in_features)), True, dtype)
        self.bias = Tensor(rng.uniform(-bound, bound, bias_shape), True, dtype) if bias else None

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
        copies = "" if self.copies is None else f", copies={self.copies}"
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}{copies}"
        )


def _check_copy(copies: int | None, k: Any) -> None:
    if copies is None:
        raise ValueError("MLP.copy: this MLP has no copies axis; it is already one network")
    if not checks.is_int(k) or not 0 <= k < copies:
        raise ValueError(f"MLP.copy: k must be an int in [0, {copies}), got {k!r}")


def _check_stack(mlps: Any) -> MLP:
    """The first of `mlps`, once they are ordinary MLPs with the same layers, shapes and dtype."""
    if not isinstance(mlps, (list, tuple)) or not mlps or not all(isinstance(m, MLP) for m in mlps):
        raise TypeError(f"MLP.stack: expects a non-empty list of MLPs, got {mlps!r}")
    if any(m.copies is not None for m in mlps):
        raise ValueError("MLP.stack: expects MLPs without copies; take them out with copy(k) first")
    shapes = [(repr(m), [(k, a.shape, a.dtype) for k, a in m.state_dict().items()]) for m in mlps]
    if any(shape != shapes[0] for shape in shapes):
        raise ValueError("MLP.stack: every MLP must have the same layers, shapes and dtype")
    return mlps[0]


class MLP(Module):
    """Linear layers with an activation between them; the last layer gives logits.

    `MLP(n, 2, n)` (tanh, no bias) is the seed's network: n inputs, 2 tanh
    neurons, n outputs. `hidden` may be a list of sizes for more layers.
    `copies=K` stacks K such networks on a leading axis (see `Linear`): the
    output is (K, batch, n_out). `copy(k)` gives network k as an ordinary MLP,
    `MLP.stack(mlps)` puts ordinary MLPs together.
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
        copies: int | None = None,
    ) -> None:
        sizes = _layer_sizes("MLP", n_in, hidden, n_out)
        self.activation = check_activation("MLP", activation)
        self.copies = None if copies is None else checks.positive_int("MLP", "copies", copies)
        dtype = checks.float_dtype("MLP", dtype)
        rng = checks.rng("MLP", rng)
        self.layers = [Linear(a, b, bias, rng, dtype, copies) for a, b in zip(sizes, sizes[1:])]

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = activate(layer(x), self.activation)
        return self.layers[-1](x)

    def copy(self, k: int) -> MLP:
        """Network k of an MLP with copies, as an ordinary MLP holding its own arrays."""
        _check_copy(self.copies, k)
        one, stacked = self._like(None), self.state_dict()
        one.load_state_dict({name: stacked[name][k].reshape(a.shape) for name, a in one.state_dict().items()})
        return one

    @classmethod
    def stack(cls, mlps: Sequence[MLP]) -> MLP:
        """One MLP with `copies=len(mlps)` whose network k is `mlps[k]` (ordinary MLPs of one shape)."""
        stacked, states = _check_stack(mlps)._like(len(mlps)), [m.state_dict() for m in mlps]
        stacked.load_state_dict(
            {
                name: np.stack([s[name] for s in states]).reshape(a.shape)
                for name, a in stacked.state_dict().items()
            }
        )
        return stacked

    def _like(self, copies: int | None) -> MLP:
        """A new MLP with this one's layers, activation, bias and dtype, and `copies`."""
        sizes = [self.layers[0].in_features] + [layer.out_features for layer in self.layers]
        bias, dtype = self.layers[0].bias is not None, self.layers[0].weight.dtype
        return MLP(sizes[0], sizes[1:-1], sizes[-1], self.activation, bias, dtype=dtype, copies=copies)

    def extra_repr(self) -> str:
        copies = "" if self.copies is None else f", copies={self.copies}"
        return f"activation={self.activation!r}{copies}"


class Dropout(Module):
    """Zeroes each element with probability p while training, scaling the rest by 1/(1-p).

    In evaluation mode (`model.eval()`) it passes its input through. The masks
    come from `rng` (a numpy Generator or an int seed), drawn anew on each call:
    one seed, one sequence of masks. See `functional.dropout`.
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        self.p = probability("Dropout", p)
        self.rng = checks.rng("Dropout", rng)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ---- the scalar twin -------------------------------------------------------------


class ValueLinear(Module):
    """Linear made of scalar Values: `out_i = sum_j weight[i][j] * x_j (+ bias[i])`.

    `weight` is a list of rows of Values, `bias` a list of Values (or None); the
    state dict holds them as arrays, with the same names and shapes as `Linear`'s.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, rng: Any = None, name: str = "w"
    ) -> None:
        self.in_features = checks.positive_int("ValueLinear", "in_features", in_features)
        self.out_features = checks.positive_int("ValueLinear", "out_features", out_features)
        rng = checks.rng("ValueLinear", rng)
        bound = 1 / np.sqrt(in_features)
        weights = rng.uniform(-bound, bound, (out_features, in_features))
        self.weight = [
            [Value(w, label=f"{name}[{i},{j}]") for j, w in enumerate(row)] for i, row in enumerate(weights)
        ]
        biases = rng.uniform(-bound, bound, out_features) if bias else []
        self.bias = [Value(b, label=f"b{name[1:]}[{i}]") for i, b in enumerate(biases)] if bias else None

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        if not hasattr(x, "__len__"):
            raise TypeError(
                f"ValueLinear: expects a list of {self.in_features} Values or numbers, got {type(x).__name__}"
            )
        if len(x) != self.in_features:
            raise ValueError(f"ValueLinear: expected {self.in_features} inputs, got {len(x)}")
        outs = []
        try:
            for i, row in enumerate(self.weight):
                total = row[0] * x[0]
                for w, xj in zip(row[1:], x[1:]):
                    total = total + w * xj
                outs.append(total if self.bias is None else total + self.bias[i])
        except TypeError:  # an input that is neither a Value nor a number
            kinds = ", ".join(sorted({type(xj).__name__ for xj in x}))
            raise TypeError(f"ValueLinear: expects Values or numbers, got {kinds}") from None
        return outs

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
        self.activation = check_activation("ValueMLP", activation)
        rng = checks.rng("ValueMLP", rng)
        self.layers = [
            ValueLinear(a, b, bias, rng, name=f"w{k + 1}") for k, (a, b) in enumerate(zip(sizes, sizes[1:]))
        ]

    @classmethod
    def from_mlp(cls, mlp: MLP) -> ValueMLP:
        """A ValueMLP with the same layers and weights as an ordinary Tensor `mlp`."""
        if not isinstance(mlp, MLP):
            raise TypeError(f"ValueMLP.from_mlp: expects an MLP, got {type(mlp).__name__}")
        if mlp.copies is not None:
            raise ValueError(
                "ValueMLP.from_mlp: expects an MLP without copies; take one out with mlp.copy(k)"
            )
        sizes = [mlp.layers[0].in_features] + [layer.out_features for layer in mlp.layers]
        twin = cls(sizes[0], sizes[1:-1], sizes[-1], mlp.activation, mlp.layers[0].bias is not None)
        twin.load_state_dict({k: v.astype(np.float64) for k, v in mlp.state_dict().items()})
        return twin

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        for layer in self.layers[:-1]:
            x = [activate(v, self.activation) for v in layer(x)]
        return self.layers[-1](x)

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}"
