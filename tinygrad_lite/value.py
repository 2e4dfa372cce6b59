"""Value: one Python float in the graph (micrograd-style), each op next to its derivative.

Every op records, for each input, the local derivative d out / d input as a
plain number (`local_grads`). Backward is then the chain rule and nothing else:
the gradient reaching a parent is `local_grad * g`. Arithmetic follows IEEE like
numpy: `Value(1000).exp()` is `inf` and `Value(0).log()` is `-inf`, never an
exception, so a network whose weights explode can be watched doing it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from . import engine
from .engine import Node, _grad_enabled

# Python's math raises where IEEE arithmetic (and numpy) gives inf or nan; these
# four give numpy's answer instead, so overflow shows up as inf, not as an exception.


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _pow(x: float, p: float) -> float:
    try:
        return math.pow(x, p)
    except (OverflowError, ValueError):  # too big, 0 to a negative power, or a root of a negative
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(x), p))


def _reciprocal(x: float) -> float:
    return 1.0 / x if x != 0 else math.copysign(math.inf, x)


def _operand(other: object) -> Value | None:
    """The other operand of a binary op: a number becomes a constant Value, anything else None."""
    if isinstance(other, Value):
        return other
    if type(other) is float or type(other) is int or isinstance(other, numbers.Real):
        return Value(other)
    return None


class Value(Node):
    """A scalar node: `data` (float), `grad` (float, d out / d self after backward).

    Drop-in for micrograd's `Value`, including the `_prev` and `_op` names its
    `draw_dot` helper reads. `grad` starts at 0.0 as in micrograd; `has_grad`
    says whether a backward pass has written into it yet, so that a picture
    drawn before `backward()` shows "not computed yet" instead of 0.
    """

    __slots__ = ("label", "local_grads", "has_grad")

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float and not isinstance(data, numbers.Real):  # `type` first: fast for floats
            raise TypeError(
                f"Value: data must be a real number (int or float), got {type(data).__name__} {data!r}"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.parents: tuple[Value, ...] = ()
        self.op = ""
        self.label = label
        self.local_grads: tuple[float, ...] = ()
        self.has_grad = False

    @staticmethod
    def _result(data: float, parents: tuple, op: str, local_grads: tuple) -> Value:
        """The output node of an op; outside no_grad it remembers its inputs."""
        out = Value.__new__(Value)
        out.data = data
        out.grad = 0.0
        out.has_grad = False
        out.label = ""
        if _grad_enabled.get():
            out.parents, out.op, out.local_grads = parents, op, local_grads
        else:
            out.parents, out.op, out.local_grads = (), "", ()
        return out

    def _vjp(self, g: float) -> list[float]:
        return [local * g for local in self.local_grads]

    def zero_grad(self) -> None:
        """Set the gradient back to 0.0 and mark it not computed, before the next backward pass."""
        self.grad = 0.0
        self.has_grad = False

    def _accumulate(self, g: float) -> None:
        self.grad += g
        self.has_grad = True

    def backward(self) -> None:
        """Fill `.grad` of every node this one depends on with d self / d node.

        Gradients accumulate across calls; set them to 0 (`zero_grad()`) between steps.
        """
        engine.backward(self, 1.0)

    # ---- binary ops --------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        """a + b.  d/da = 1, d/db = 1."""
        if type(other) is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        return Value._result(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        """a * b.  d/da = b, d/db = a."""
        if type(other) is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        return Value._result(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __pow__(self, exponent: float) -> Value:
        """x ** p for a number p.  d/dx x^p = p * x^(p-1)."""
        if not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"Value ** exponent: the exponent must be an int or float, got {type(exponent).__name__}"
            )
        p, x = float(exponent), self.data
        local = 0.0 if p == 0 else p * _pow(x, p - 1)  # x^0 = 1 has slope 0, also at x = 0
        return Value._result(_pow(x, p), (self,), f"**{exponent}", (local,))

    # Composites, built from the ops above as in micrograd.
    def __neg__(self) -> Value:  # -a = a * -1
        return self * -1

    def __sub__(self, other: Value | float) -> Value:  # a - b = a + (-b)
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:  # a / b = a * b**-1
        if type(other) is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        return self * other**-1

    # The reflected ops call __add__ / __mul__, not + / *: for an operand neither class
    # knows (a Tensor), + would hand the op back to the other class, which hands it back.
    def __radd__(self, other: float) -> Value:  # other + self
        return self.__add__(other)

    def __rmul__(self, other: float) -> Value:  # other * self
        return self.__mul__(other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return (-self).__add__(other)

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return (self**-1).__mul__(other)

    # ---- unary ops ---------------------------------------------------------

    def exp(self) -> Value:
        """e^x.  d/dx e^x = e^x, reusing the output."""
        out = _exp(self.data)
        return Value._result(out, (self,), "exp", (out,))

    def log(self) -> Value:
        """Natural log (nan below 0, -inf at 0).  d/dx log(x) = 1 / x."""
        x = self.data
        return Value._result(_log(x), (self,), "log", (_reciprocal(x),))

    def tanh(self) -> Value:
        """tanh(x).  d/dx tanh(x) = 1 - tanh(x)^2, reusing the output."""
        out = math.tanh(self.data)
        return Value._result(out, (self,), "tanh", (1.0 - out * out,))

    def relu(self) -> Value:
        """max(0, x).  d/dx relu(x) = 1 if x > 0 else 0."""
        x = self.data
        return Value._result(max(x, 0.0), (self,), "relu", (1.0 if x > 0 else 0.0,))

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x).  d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))."""
        x = self.data
        if x >= 0:
            out = 1.0 / (1.0 + math.exp(-x))
        else:  # the same value, written so that e^-x cannot overflow
            e = _exp(x)
            out = e / (1.0 + e)
        return Value._result(out, (self,), "sigmoid", (out * (1.0 - out),))

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


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log(softmax(x))_i = x_i - log(sum_j e^(x_j)), as one op over a list of Values.

    d out_i / d x_j = [i == j] - softmax(x)_j. The max is subtracted before
    exponentiating, so logits of +-1e4 give finite results.
    """
    if not isinstance(values, Iterable):
        raise TypeError(f"log_softmax: expects a list of Values or numbers, got {type(values).__name__}")
    xs = [v if isinstance(v, Value) else Value(v) for v in values]
    if not xs:
        raise ValueError("log_softmax: needs at least one value, got an empty list")
    data = [v.data for v in xs]
    biggest = max(data)
    log_sum_exp = biggest + math.log(sum(math.exp(x - biggest) for x in data))
    softmax = [_exp(x - log_sum_exp) for x in data]
    parents = tuple(xs)
    return [
        Value._result(
            x - log_sum_exp,
            parents,
            "log_softmax",
            tuple((1.0 if i == j else 0.0) - s for j, s in enumerate(softmax)),
        )
        for i, x in enumerate(data)
    ]
