"""Tensor: a numpy array in the graph, one node per array op, each op next to its derivative.

Every op computes its output with numpy and hands `op()` a backward: given
g = d out / d (op's output), it returns d out / d input for each input. The
closures hold numpy arrays taken at forward time, never the output Tensor, so no
reference cycle forms and a graph is freed as soon as nothing points at it.
Inputs that were broadcast get their gradient summed back to their own shape in
`_vjp`, once, for every op.

This file holds the Tensor itself (its plumbing and basics) and the binary ops
with `dot`. The constructors (`creation.py`), the other ops by kind
(`elementwise.py`, `reductions.py`, `shapes.py`) and the comparisons
(`comparisons.py`) are mixed into the class.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import checks, engine
from .comparisons import ComparisonOps
from .creation import CreationOps, to_array
from .elementwise import ElementwiseOps
from .engine import Node, op
from .reductions import ReductionOps
from .shapes import ShapeOps

ArrayLike = Any  # numbers, nested lists, numpy arrays


class Tensor(Node, CreationOps, ElementwiseOps, ReductionOps, ShapeOps, ComparisonOps):
    """An n-dimensional array that remembers how it was computed.

    `Tensor(data, requires_grad=False, dtype=None)` copies `data` (a number, a
    nested list or a numpy array). Float data from Python becomes float32, as in
    PyTorch; a numpy array keeps its dtype (float64 stays float64); integers stay
    integers and cannot require grad. After `backward()`, `.grad` holds
    d out / d self, an array of the same shape and dtype that this tensor owns.
    """

    __slots__ = ("requires_grad", "_grad", "_grad_borrowed")
    __array_ufunc__ = None  # `array + tensor` calls Tensor.__radd__ instead of looping in numpy

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        array = to_array(data, checks.dtype("Tensor", dtype))
        if requires_grad and array.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require grad, got dtype {array.dtype}; "
                "pass float data or dtype=np.float32 / np.float64"
            )
        self.data = array
        self._grad: np.ndarray | None = None
        self._grad_borrowed = False
        self.requires_grad = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self.op = ""
        self.backward_fn = None
        self.label = ""

    # ---- plumbing: what the engine asks of a node ----------------------------

    @staticmethod
    def _new(
        data: np.ndarray,
        requires_grad: bool,
        parents: tuple = (),
        op: str = "",
        backward_fn: engine.Backward | None = None,
    ) -> Tensor:
        out = Tensor.__new__(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out._grad = None
        out._grad_borrowed = False
        out.requires_grad = requires_grad
        out.parents = parents
        out.op = op
        out.backward_fn = backward_fn
        out.label = ""
        return out

    def _vjp(self, g: np.ndarray) -> list[np.ndarray | None]:
        grads = self.backward_fn(g)
        if type(grads) is not tuple or len(grads) != len(self.parents):
            raise engine.wrong_count(self, grads)
        try:
            return [
                unbroadcast(grad, parent.data.shape) if grad is not None and parent.requires_grad else None
                for parent, grad in zip(self.parents, grads)
            ]
        except (ValueError, AttributeError):
            raise _misfit(self, grads) from None

    def _accumulate(self, g: np.ndarray) -> None:
        if self._grad is not None:
            self.grad += g  # reading `grad` first makes a borrowed array this tensor's own
        elif self.parents:  # an intermediate result: see `grad`
            self._grad, self._grad_borrowed = g, True
        else:
            self._grad = self._own_copy(g)

    @property
    def grad(self) -> np.ndarray | None:
        """d out / d self after `backward()` (None before): an array this tensor owns.

        A leaf copies its gradient as it arrives. An intermediate result keeps the
        array the backward pass handed it and copies it the first time it is read,
        so that a training step, which never reads one, makes no copy of it.
        """
        if self._grad_borrowed:
            self._grad, self._grad_borrowed = self._own_copy(self._grad), False
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        self._grad, self._grad_borrowed = value, False

    def _own_copy(self, g: np.ndarray) -> np.ndarray:
        """g copied, in this tensor's dtype."""
        return np.array(g, dtype=self.data.dtype)

    def zero_grad(self) -> None:
        """Forget the gradient (set it to None), as PyTorch does."""
        self.grad = None

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Fill `.grad` of every tensor this one depends on with d self / d tensor.

        `grad` is d out / d self; it may be left out only when self has one
        element (as in PyTorch). Gradients accumulate across calls.
        """
        engine.backward(self, _seed_gradient(self, grad))

    # ---- basics --------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each axis, as numpy gives it."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the data (and of the grad)."""
        return self.data.dtype

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    def __len__(self) -> int:
        """The size of the first axis, as numpy and PyTorch give it."""
        if self.ndim == 0:
            raise TypeError("len: a 0-d tensor has no length (use .item() or .numel())")
        return len(self.data)

    def __bool__(self) -> bool:
        """The truth of a one-element tensor, as in PyTorch (more elements: ambiguous, an error)."""
        if self.data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (the same array; copy it before changing it)."""
        return self.data

    def item(self) -> float | int:
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data as a new leaf that does not require grad."""
        return Tensor._new(self.data, False)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"

    # ---- elementwise binary ops (broadcasting) --------------------------------

    def __add__(self, other: Any) -> Tensor:
        """a + b.  d/da = 1, d/db = 1."""
        if (other := self._operand(other)) is None:
            return NotImplemented
        return op("add", checks.broadcasting("add", np.add, self, other), (self, other), lambda g: (g, g))

    def __mul__(self, other: Any) -> Tensor:
        """a * b.  d/da = b, d/db = a."""
        if (other := self._operand(other)) is None:
            return NotImplemented
        a, b = self.data, other.data
        out = checks.broadcasting("mul", np.multiply, self, other)
        return op("mul", out, (self, other), lambda g: (g * b, g * a))

    def __truediv__(self, other: Any) -> Tensor:
        """a / b.  d/da = 1 / b, d/db = -(a / b) / b, written so neither overflows before it must."""
        if (other := self._operand(other)) is None:
            return NotImplemented
        b = other.data
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = checks.broadcasting("div", np.true_divide, self, other)
        return op("div", out, (self, other), lambda g: _divide_backward(g, b, out))

    def __pow__(self, exponent: Any) -> Tensor:
        """x ** p.  d/dx = p * x^(p-1); for a tensor exponent, d/dp = x^p * log(x)."""
        if isinstance(exponent, numbers.Real):
            return self._power_of_number(exponent)
        if (power := self._operand(exponent)) is None:
            return NotImplemented
        x, p = self.data, power.data
        out = checks.broadcasting("pow", np.power, self, power)

        def pow_backward(g: np.ndarray) -> tuple:
            with np.errstate(divide="ignore", invalid="ignore"):
                # Where p = 0 (x^0 = 1) or x = 0 (0^p = 0 for p > 0) the slope is 0, not 0 * inf.
                return g * np.where(p == 0, 0.0, p * x ** (p - 1)), g * np.where(x == 0, 0.0, out * np.log(x))

        return op("pow", out, (self, power), pow_backward)

    def _power_of_number(self, exponent: numbers.Real) -> Tensor:
        # A numpy scalar exponent as a Python number, so it cannot promote float32 to float64.
        x, p = self.data, exponent.item() if isinstance(exponent, np.generic) else exponent
        try:
            out = x**p
        except ValueError as error:  # numpy's "Integers to negative integer powers are not allowed."
            raise ValueError(f"pow: {error} (a {x.dtype} tensor to the power {p}); use floats") from None
        if p == 0:  # x^0 = 1 everywhere: the gradient is 0, also at x = 0 where p * x^-1 is nan
            return op("pow", out, (self,), lambda g: (np.zeros_like(g),))
        return op("pow", out, (self,), lambda g: (g * p * x ** (p - 1),))

    def __matmul__(self, other: Any) -> Tensor:
        """Matrix product with numpy's rules (1-D, 2-D, batched).

        For C = A @ B:  dA = G @ B^T  and  dB = A^T @ G  (batch axes summed back).
        """
        if (other := self._operand(other)) is None:
            return NotImplemented
        a, b = self.data, other.data
        need_a, need_b = self.requires_grad, other.requires_grad
        out = checks.matmul(a, b)
        return op("matmul", out, (self, other), lambda g: _matmul_backward(a, b, g, need_a, need_b))

    # Composites of the ops above.
    def __neg__(self) -> Tensor:  # -a = a * -1
        return self * -1

    def __sub__(self, other: Any) -> Tensor:  # a - b = a + (-b)
        other = self._operand(other)
        return NotImplemented if other is None else self + (-other)

    # __add__, not +: for an operand neither side knows (a Value), `+` would hand the
    # reflected op back to the other class, which hands it back here, forever.
    def __radd__(self, other: Any) -> Tensor:  # other + self
        return self.__add__(other)

    def __rmul__(self, other: Any) -> Tensor:  # other * self
        return self.__mul__(other)

    def __rsub__(self, other: Any) -> Tensor:  # other - self
        return (-self).__add__(other)

    def __rtruediv__(self, other: Any) -> Tensor:  # other / self
        other = self._operand(other)
        return NotImplemented if other is None else other.__truediv__(self)

    def __rpow__(self, base: Any) -> Tensor:  # base ** self
        base = self._operand(base)
        return NotImplemented if base is None else base**self

    def __rmatmul__(self, other: Any) -> Tensor:  # other @ self
        other = self._operand(other)
        return NotImplemented if other is None else other @ self

    def matmul(self, other: Any) -> Tensor:
        """Same as `self @ other`."""
        return self @ other

    def dot(self, other: Any) -> Tensor:
        """numpy's `dot`: a product for a 0-d operand, the sum over the last axis of a and
        the second-to-last of b (the last, for 1-D b) otherwise.

        Built from ops with their own derivatives (`*`, `sum`, `@`, `transpose`,
        `reshape`). It is `matmul` for 1-D and 2-D operands; for N-d ones it pairs
        every batch of a with every batch of b, where `@` broadcasts batch axes.
        """
        if (b := self._operand(other)) is None:
            raise TypeError(f"dot: expects a Tensor, an array or a number, got {type(other).__name__}")
        if self.ndim == 0 or b.ndim == 0:
            return self * b
        inner = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if self.shape[-1] != inner:
            raise ValueError(
                f"dot: cannot multiply {self.shape} by {b.shape}: "
                f"inner dimensions {self.shape[-1]} and {inner} differ"
            )
        if b.ndim <= 2:
            return self @ b
        # b's summed axis first, the rest flattened: one matmul, then b's other axes put back.
        order = (b.ndim - 2, *range(b.ndim - 2), b.ndim - 1)
        flat = b.transpose(order).reshape(inner, -1)
        return (self @ flat).reshape(*self.shape[:-1], *b.shape[:-2], b.shape[-1])

    def _operand(self, other: Any) -> Tensor | None:
        """The other operand of a binary op as a Tensor: numbers and lists take self's float dtype."""
        if isinstance(other, Tensor):
            return other
        # A constant leaf, made without Tensor()'s checks: `x * 0.5` (float and int first: fast).
        if type(other) is float or type(other) is int or isinstance(other, numbers.Real):
            return Tensor._new(np.asarray(other, self.dtype if self.dtype.kind == "f" else None), False)
        if isinstance(other, (list, tuple)):
            return Tensor(other, dtype=self.dtype if self.dtype.kind == "f" else None)
        if isinstance(other, np.ndarray):
            return Tensor(other)
        return None


# ---- helpers the ops share ------------------------------------------------------------------


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum g over the axes numpy broadcast, so it gets back the input's `shape`."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra < 0 or any(n not in (1, m) for n, m in zip(shape, g.shape[extra:])):
        raise ValueError(f"a gradient of shape {g.shape} does not fit an input of shape {shape}")
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    return g.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _misfit(node: Tensor, grads: tuple) -> ValueError:
    """The error for a backward whose gradients do not fit their inputs' shapes."""
    got = ", ".join(str(np.shape(grad)) for grad in grads)
    want = ", ".join(str(parent.shape) for parent in node.parents)
    return ValueError(
        f"{node.op}: backward returned gradients of shapes {got} for inputs of shapes {want}; "
        "each must have its input's shape, or a shape that input broadcast to"
    )


def _matmul_backward(a: np.ndarray, b: np.ndarray, g: np.ndarray, need_a: bool, need_b: bool) -> tuple:
    """dA = G @ B^T and dB = A^T @ G, treating 1-D operands as numpy does (a row, a column).

    Only the gradients of inputs that required grad at forward time are computed.
    """
    if a.ndim == 2 and b.ndim == 2:  # the common case needs no reshaping
        return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    # Put back the axes numpy dropped, the column's first: for 1-D @ 1-D, g goes () -> (1,) -> (1, 1).
    if b.ndim == 1:
        g = np.expand_dims(g, -1)
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    grad_a = unbroadcast(g @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape) if need_a else None
    grad_b = unbroadcast(a2.swapaxes(-1, -2) @ g, b2.shape).reshape(b.shape) if need_b else None
    return grad_a, grad_b


def _divide_backward(g: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return g / b, -(out / b) * g


def _seed_gradient(root: Tensor, grad: ArrayLike | None) -> np.ndarray:
    """The gradient backward starts from: ones for a one-element root, else `grad`, checked and copied."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad (no input had requires_grad=True, "
            "or it was computed inside no_grad)"
        )
    if grad is None:
        if root.data.size != 1:
            raise ValueError(
                f"backward: grad can be left out only for a one-element output, this one has shape "
                f"{root.shape}; pass grad= an array of that shape (or call .sum() first)"
            )
        return np.array(1, root.dtype).reshape(root.shape)  # ones, in one cheap call
    try:
        grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)  # a copy
    except (TypeError, ValueError):
        raise TypeError(
            f"backward: grad must be an array of numbers of shape {root.shape}, got {grad!r}"
        ) from None
    if grad.shape != root.shape:
        raise ValueError(f"backward: grad has shape {grad.shape}, expected {root.shape}")
    return grad
