"""Value: one Python float in the graph (micrograd-style), each op next to its derivative.

Every op computes its output and hands `op()` a `backward`: given g = d out / d
output, the gradient for each input, local derivative times g. The numbers a
backward needs are bound as default arguments (`lambda g, out=out: ...`): taken
now, at forward time, and cheaper than a closure, which matters when every
number is a node. Arithmetic follows IEEE like numpy: `Value(1000).exp()` is
`inf` and `Value(0).log()` is `-inf`, never an exception, so a network whose
weights explode can be watched doing it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from . import checks, engine, numerics
from .engine import Backward, Node, op


class Value(Node):
    """A scalar node: `data` (float) and `grad` (float, d out / d self after backward).

    Drop-in for micrograd's `Value`, including the `_prev` and `_op` names its
    `draw_dot` helper reads. `grad` starts at 0.0 as in micrograd, and every
    Value requires grad.
    """

    __slots__ = ("grad",)
    requires_grad = True

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.data = data if type(data) is float else _real(data, "Value: data")
        self.grad = 0.0
        self.parents: tuple[Value, ...] = ()
        self.op = ""
        self.backward_fn = None
        self.label = label

    # ---- plumbing: what the engine asks of a node ----------------------------

    @staticmethod
    def _new(
        data: float,
        requires_grad: bool,
        parents: tuple = (),
        op: str = "",
        backward_fn: Backward | None = None,
    ) -> Value:
        out = Value.__new__(Value)
        out.data = data if type(data) is float else _real(data, "a Value's data")
        out.grad = 0.0
        out.parents = parents
        out.op = op
        out.backward_fn = backward_fn
        out.label = ""
        return out

    def _vjp(self, g: float) -> tuple:
        grads = self.backward_fn(g)
        if type(grads) is not tuple or len(grads) != len(self.parents):
            raise engine.wrong_count(self, grads)
        return grads

    def _accumulate(self, g: float) -> None:
        self.grad += g if type(g) is float else _gradient(self, g)

    def zero_grad(self) -> None:
        """Set the gradient back to 0.0, before the next backward pass."""
        self.grad = 0.0

    def backward(self) -> None:
        """Fill `.grad` of every node this one depends on with d self / d node.

        Gradients accumulate across calls; set them to 0 (`zero_grad()`) between steps.
        """
        engine.backward(self, 1.0)

    # ---- binary ops --------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        """a + b.  d/da = 1, d/db = 1."""
        if type(other) is not Value and (other := _operand(other)) is None:
            return NotImplemented
        return op("+", self.data + other.data, (self, other), _add_backward)

    def __mul__(self, other: Value | float) -> Value:
        """a * b.  d/da = b, d/db = a."""
        if type(other) is not Value and (other := _operand(other)) is None:
            return NotImplemented
        a, b = self.data, other.data
        return op("*", a * b, (self, other), lambda g, a=a, b=b: (b * g, a * g))

    def __truediv__(self, other: Value | float) -> Value:
        """a / b.  d/da = 1 / b, d/db = -(a / b) / b, written so neither overflows before it must."""
        if type(other) is not Value and (other := _operand(other)) is None:
            return NotImplemented
        b = other.data
        out = numerics.divide(self.data, b)
        return op(
            "/",
            out,
            (self, other),
            lambda g, b=b, out=out: (numerics.divide(g, b), -numerics.divide(out, b) * g),
        )

    def __pow__(self, exponent: float) -> Value:
        """x ** p for a number p.  d/dx x^p = p * x^(p-1)."""
        if not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"Value ** exponent: the exponent must be an int or float, got {type(exponent).__name__}"
            )
        p, x = float(exponent), self.data
        local = 0.0 if p == 0 else p * numerics.power(x, p - 1)  # x^0 = 1 has slope 0, also at x = 0
        return op(f"**{exponent}", numerics.power(x, p), (self,), lambda g, local=local: (local * g,))

    # Composites, built from the ops above as in micrograd.
    def __neg__(self) -> Value:  # -a = a * -1
        return self * -1

    def __sub__(self, other: Value | float) -> Value:  # a - b = a + (-b)
        return self + (-other)

    # The reflected ops call __add__ / __mul__, not + / *: for an operand neither class
    # knows (a Tensor), + would hand the op back to the other class, which hands it back.
    def __radd__(self, other: float) -> Value:  # other + self
        return self.__add__(other)

    def __rmul__(self, other: float) -> Value:  # other * self
        return self.__mul__(other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return (-self).__add__(other)

    def __rtruediv__(self, other: float) -> Value:  # other / self
        other = _operand(other)
        return NotImplemented if other is None else other.__truediv__(self)

    # ---- unary ops ---------------------------------------------------------

    def exp(self) -> Value:
        """e^x.  d/dx e^x = e^x, reusing the output."""
        out = numerics.exp(self.data)
        return op("exp", out, (self,), lambda g, out=out: (out * g,))

    def log(self) -> Value:
        """Natural log (nan below 0, -inf at 0).  d/dx log(x) = 1 / x."""
        x = self.data
        return op("log", numerics.log(x), (self,), lambda g, x=x: (numerics.divide(g, x),))

    def tanh(self) -> Value:
        """tanh(x).  d/dx tanh(x) = 1 - tanh(x)^2, reusing the output."""
        out = math.tanh(self.data)
        return op("tanh", out, (self,), lambda g, out=out: ((1.0 - out * out) * g,))

    def relu(self) -> Value:
        """max(0, x).  d/dx relu(x) = 1 if x > 0 else 0."""
        x = self.data
        return op("relu", max(x, 0.0), (self,), lambda g, x=x: (g if x > 0 else 0.0,))

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), exact in both tails.  d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))."""
        out = float(numerics.sigmoid(self.data))
        return op("sigmoid", out, (self,), lambda g, out=out: (out * (1.0 - out) * g,))

    def sqrt(self) -> Value:
        """Square root (nan below 0).  d/dx sqrt(x) = 1 / (2 sqrt(x)), reusing the output."""
        out = numerics.sqrt(self.data)
        return op("sqrt", out, (self,), lambda g, out=out: (numerics.divide(g, 2.0 * out),))

    def abs(self) -> Value:
        """|x|.  d/dx |x| = sign(x), and 0 at x = 0 (PyTorch's subgradient there)."""
        x = self.data
        return op("abs", abs(x), (self,), lambda g, x=x: (g if x > 0 else -g if x < 0 else 0.0,))

    __abs__ = abs  # abs(v)

    def sin(self) -> Value:
        """sin(x).  d/dx sin(x) = cos(x)."""
        x = self.data
        return op("sin", numerics.sin(x), (self,), lambda g, x=x: (numerics.cos(x) * g,))

    def cos(self) -> Value:
        """cos(x).  d/dx cos(x) = -sin(x)."""
        x = self.data
        return op("cos", numerics.cos(x), (self,), lambda g, x=x: (-numerics.sin(x) * g,))

    def square(self) -> Value:
        """x^2.  d/dx x^2 = 2x."""
        x = self.data
        return op("square", x * x, (self,), lambda g, x=x: (2.0 * x * g,))

    def log1p(self) -> Value:
        """log(1 + x), exact for tiny x.  d/dx log(1 + x) = 1 / (1 + x)."""
        x = self.data
        return op("log1p", numerics.log1p(x), (self,), lambda g, x=x: (numerics.divide(g, 1.0 + x),))

    def expm1(self) -> Value:
        """e^x - 1, exact for tiny x.  d/dx (e^x - 1) = e^x = out + 1, reusing the output."""
        out = numerics.expm1(self.data)
        return op("expm1", out, (self,), lambda g, out=out: ((out + 1.0) * g,))

    def clip(self, lo: float | None = None, hi: float | None = None) -> Value:
        """x limited to [lo, hi] (either bound may be None), as `Tensor.clip`.

        d/dx clip(x) = 1 where lo <= x <= hi (the bounds included, as PyTorch), else 0.
        """
        checks.clip_bounds("clip", lo, hi)
        x, low, high = self.data, -math.inf if lo is None else lo, math.inf if hi is None else hi
        inside = low <= x <= high
        return op(
            "clip", float(min(max(x, low), high)), (self,), lambda g, inside=inside: (g if inside else 0.0,)
        )

    clamp = clip  # PyTorch's name

    def softplus(self) -> Value:
        """log(1 + e^x), exact in both tails.  d/dx softplus(x) = sigmoid(x).

        Exact for every x: no switch to x above a threshold, as `functional.softplus`
        makes for PyTorch's sake (threshold=20 there).
        """
        x = self.data
        out = float(numerics.softplus(x))
        return op("softplus", out, (self,), lambda g, x=x: (float(numerics.sigmoid(x)) * g,))

    # ---- comparisons: Python bools, so `if a < b:` means what it says --------
    # `==` stays identity, as in micrograd, whose code keeps Values in sets.

    def __lt__(self, other: Value | float) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data < other

    def __le__(self, other: Value | float) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data <= other

    def __gt__(self, other: Value | float) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data > other

    def __ge__(self, other: Value | float) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data >= other

    # ---- what micrograd's notebooks read -----------------------------------

    @property
    def _prev(self) -> set[Value]:
        """The op's inputs as a set, micrograd's name for `parents`."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """The op's symbol, micrograd's name for `op`."""
        return self.op

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _add_backward(g: float) -> tuple[float, float]:
    return g, g


def _operand(other: object) -> Value | None:
    """The other operand of a binary op: a number becomes a constant Value, anything else None."""
    if type(other) is float or type(other) is int:  # the usual constant, without the slower checks below
        return Value._new(other, True)
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real):
        return Value(other)
    return None


def _real(x: Any, what: str) -> float:
    """x as a float, if it is one real number (a numpy one or a 0-d array too), else a TypeError."""
    if isinstance(x, numbers.Real) or (
        isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "biuf"
    ):
        return float(x)
    shown = f"of shape {x.shape}" if isinstance(x, np.ndarray) else repr(x)
    raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__} {shown}")


def _gradient(node: Value, g: Any) -> float:
    """g, the gradient reaching `node`, as a float: the backward of an op on it must return numbers."""
    where = f"the result of {node.op!r}" if node.op else "a leaf Value"
    return _real(g, f"a Value's gradient (returned by the backward of an op on {where})")


def _number(other: object) -> float | None:
    """The number a comparison compares with: a Value's data, or a plain number."""
    if isinstance(other, Value):
        return other.data
    return other if isinstance(other, numbers.Real) else None
