"""Tensor ops on each element alone (exp, log, sqrt, ...) or on matching elements of two (maximum, where).

Each backward multiplies g by the op's derivative, elementwise.

A mixin of `Tensor` (`class Tensor(Node, CreationOps, ElementwiseOps, ...)`):
the methods are the Tensor's own, kept in this file so that each kind of op
reads in one sitting. Each computes its output with numpy and hands `op()` its
backward, closing over arrays taken now.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks, numerics
from .engine import Node, op

if TYPE_CHECKING:
    from .tensor import Tensor


class ElementwiseOps:
    """f(x) applied to each element; backward multiplies g by f'(x), elementwise."""

    __slots__ = ()
    data: np.ndarray
    shape: tuple[int, ...]
    dtype: np.dtype

    def exp(self) -> Tensor:
        """e^x.  d/dx e^x = e^x, reusing the output."""
        out = np.exp(self.data)
        return op("exp", out, (self,), lambda g: (g * out,))

    def log(self) -> Tensor:
        """Natural log (nan below 0, -inf at 0).  d/dx log(x) = 1 / x."""
        x = self.data
        return op("log", np.log(x), (self,), lambda g: (g / x,))

    def tanh(self) -> Tensor:
        """tanh(x).  d/dx tanh(x) = 1 - tanh(x)^2, reusing the output."""
        out = np.tanh(self.data)
        return op("tanh", out, (self,), lambda g: (g * (1 - out * out),))

    def relu(self) -> Tensor:
        """max(0, x).  d/dx relu(x) = 1 where x > 0, else 0."""
        x = self.data
        return op("relu", np.maximum(x, 0), (self,), lambda g: (g * (x > 0),))

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x), exact in both tails.  d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))."""
        out = numerics.sigmoid(self.data)
        if self.dtype.kind == "f":  # float32 stays float32; integers become floats, as in numpy
            out = out.astype(self.dtype, copy=False)
        return op("sigmoid", out, (self,), lambda g: (g * out * (1 - out),))

    def sqrt(self) -> Tensor:
        """Square root (nan below 0).  d/dx sqrt(x) = 1 / (2 sqrt(x)), reusing the output (inf at 0)."""
        out = np.sqrt(self.data)
        return op("sqrt", out, (self,), lambda g: (g / (2 * out),))

    def abs(self) -> Tensor:
        """|x|.  d/dx |x| = sign(x): -1, 1, and 0 at x = 0 (PyTorch's subgradient there)."""
        x = self.data
        return op("abs", np.abs(x), (self,), lambda g: (g * np.sign(x),))

    __abs__ = abs  # abs(t)

    def sin(self) -> Tensor:
        """sin(x).  d/dx sin(x) = cos(x)."""
        x = self.data
        return op("sin", np.sin(x), (self,), lambda g: (g * np.cos(x),))

    def cos(self) -> Tensor:
        """cos(x).  d/dx cos(x) = -sin(x)."""
        x = self.data
        return op("cos", np.cos(x), (self,), lambda g: (-g * np.sin(x),))

    def square(self) -> Tensor:
        """x^2.  d/dx x^2 = 2x."""
        x = self.data
        return op("square", x * x, (self,), lambda g: (g * 2 * x,))

    def log1p(self) -> Tensor:
        """log(1 + x), exact for tiny x (nan below -1, -inf at -1).  d/dx log(1 + x) = 1 / (1 + x)."""
        x = self.data
        return op("log1p", np.log1p(x), (self,), lambda g: (g / (1 + x),))

    def expm1(self) -> Tensor:
        """e^x - 1, exact for tiny x.  d/dx (e^x - 1) = e^x = out + 1, reusing the output."""
        out = np.expm1(self.data)
        return op("expm1", out, (self,), lambda g: (g * (out + 1),))

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """x limited to [lo, hi] (either bound may be None), as PyTorch's `clamp`.

        d/dx clip(x) = 1 where lo <= x <= hi, else 0: at a bound itself the slope
        is 1, as in PyTorch, so a weight sitting exactly on a bound can still
        move. With lo > hi every element becomes hi (numpy and PyTorch agree).
        """
        checks.clip_bounds("clip", lo, hi)
        x = self.data
        inside = (x >= (-np.inf if lo is None else lo)) & (x <= (np.inf if hi is None else hi))
        return op("clip", np.clip(x, lo, hi), (self,), lambda g: (g * inside,))

    clamp = clip  # PyTorch's name

    def maximum(self, other: Any) -> Tensor:
        """The larger of x and y, element by element (broadcast).

        d/dx = 1 where x > y, d/dy = 1 where y > x; where they tie, each gets
        half of g, as PyTorch does (and as `max` splits a tie).
        """
        return _pick_larger("maximum", self, other, 1)

    def minimum(self, other: Any) -> Tensor:
        """The smaller of x and y, element by element (broadcast); ties split g as in `maximum`."""
        return _pick_larger("minimum", self, other, -1)


def _pick_larger(name: str, a: Tensor, other: Any, sign: int) -> Tensor:
    """maximum (sign 1) or minimum (sign -1): the slope is 1 for the one picked, 1/2 each on a tie."""
    b = a._operand(other)
    if b is None:
        raise TypeError(f"{name}: expects a Tensor or a number, got {type(other).__name__}")
    checks.broadcast(name, a.shape, b.shape)
    x, y = a.data, b.data
    out = np.maximum(x, y) if sign > 0 else np.minimum(x, y)
    a_picked = np.where(x == y, 0.5, sign * (x - y) > 0)
    return op(name, out, (a, b), lambda g: (g * a_picked, g * (1 - a_picked)))


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of a and b element by element, as `torch.maximum`; either may be a number."""
    return a.maximum(b) if isinstance(a, ElementwiseOps) else _tensor_of("maximum", b).maximum(a)


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of a and b element by element, as `torch.minimum`; either may be a number."""
    return a.minimum(b) if isinstance(a, ElementwiseOps) else _tensor_of("minimum", b).minimum(a)


def _tensor_of(name: str, t: Any) -> Tensor:
    if not isinstance(t, ElementwiseOps):
        raise TypeError(f"{name}: expects a Tensor and a Tensor or a number, got {type(t).__name__}")
    return t


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where `condition` is true, else b, element by element (broadcast), as `torch.where`.

    `condition` is a boolean Tensor or array (no gradient flows into it); a and
    b are Tensors or numbers, at least one a Tensor.
    d/da = 1 where condition, else 0;  d/db = 1 where not condition, else 0.
    """
    cond = np.asarray(condition.data if isinstance(condition, Node) else condition)
    if cond.dtype != np.bool_:
        raise TypeError(
            f"where: condition must be boolean (a comparison such as x > 0), got dtype {cond.dtype}"
        )
    first = next((t for t in (a, b) if isinstance(t, ElementwiseOps)), None)
    if first is None or not all(isinstance(t, (ElementwiseOps, numbers.Real)) for t in (a, b)):
        kinds = f"{type(a).__name__} and {type(b).__name__}"
        raise TypeError(f"where: a and b must be Tensors or numbers, at least one a Tensor; got {kinds}")
    a, b = first._operand(a), first._operand(b)
    checks.broadcast("where", checks.broadcast("where", cond.shape, a.shape), b.shape)
    out = np.where(cond, a.data, b.data)
    return op("where", out, (a, b), lambda g: (g * cond, g * ~cond))
