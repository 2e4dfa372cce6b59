"""Tensor: a numpy array in the graph, one node per array op, each op next to its derivative.

Every op computes its output with numpy and hands the engine a `backward_fn`:
given g = d out / d (op's output), it returns d out / d input for each input. The
closures hold numpy arrays, never the output Tensor, so no reference cycle forms
and a graph is freed as soon as nothing points at it. Inputs that were
broadcast get their gradient summed back to their own shape in `_vjp`, once,
for every op.
"""

from __future__ import annotations

import contextvars
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .engine import Node, Switch, _grad_enabled

ArrayLike = Any  # numbers, nested lists, numpy arrays


# ---- helpers shared by the ops -------------------------------------------------


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum g over the axes numpy broadcast, so it gets back the input's `shape`."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    return g.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _normalize_axes(op: str, axis: int | Sequence[int] | None, shape: tuple) -> tuple[int, ...]:
    """axis as a tuple of non-negative ints (None means every axis), or a clear error."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    try:
        axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}") from None
    for a in axes:
        if not isinstance(a, numbers.Integral) or not -ndim <= a < ndim:
            raise ValueError(
                f"{op}: axis {a!r} is out of range for a tensor of shape {shape} ({ndim} dimensions)"
            )
    axes = tuple(sorted(a % max(ndim, 1) for a in axes))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis")
    return axes


def _elementwise(op: str, fn: Callable, a: Tensor, b: Tensor) -> np.ndarray:
    """fn(a, b) with numpy broadcasting, or a ValueError naming the op and both shapes."""
    try:
        return fn(a.data, b.data)
    except ValueError as error:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(
                f"{op}: cannot broadcast shapes {a.shape} and {b.shape} "
                "(each dimension must match or be 1, counting from the right)"
            ) from None
        # Not the shapes: numpy refused the values, e.g. integers to a negative integer power.
        raise ValueError(f"{op}: {error} (dtypes {a.dtype} and {b.dtype})") from None


def _as_dtype(dtype: Any, op: str = "Tensor") -> np.dtype | None:
    try:
        return None if dtype is None else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: dtype must be a numpy dtype such as np.float32, got {dtype!r}") from None


def _rng(op: str, rng: Any) -> np.random.Generator:
    """np.random.default_rng(rng), or an error naming the op."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}: rng must be a numpy Generator, a non-negative int seed or None, got {rng!r}"
        ) from None


# ---- detect_anomaly ------------------------------------------------------------

_detecting_anomaly = contextvars.ContextVar("tinygrad_lite_detect_anomaly", default=False)


class AnomalyError(FloatingPointError):
    """Raised inside `detect_anomaly()` by the first op that turns finite numbers into nan/inf."""


class detect_anomaly(Switch):
    """Stop at the first op whose forward or backward makes a nan/inf (a context manager or decorator).

    Outside it nan and inf simply propagate (IEEE, as in numpy). Inside it every
    op checks its result, which costs time, so use it to find a bug, not to train.
    """

    variable, value = _detecting_anomaly, True


def _all_finite(*arrays: np.ndarray) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


# ---- the Tensor ----------------------------------------------------------------


class Tensor(Node):
    """An n-dimensional array that remembers how it was computed.

    `Tensor(data, requires_grad=False, dtype=None)` copies `data` (a number, a
    nested list or a numpy array). Float data from Python becomes float32, as in
    PyTorch; a numpy array keeps its dtype (float64 stays float64); integers stay
    integers and cannot require grad. After `backward()`, `.grad` holds
    d out / d self, an array of the same shape and dtype. A leaf's `.grad` is its
    own array; an op's output keeps the gradient as it flowed (possibly a
    read-only view shared with other nodes), so copy it before changing it.
    """

    __slots__ = ("requires_grad", "backward_fn", "op_args", "label")
    __array_ufunc__ = None  # `array + tensor` calls Tensor.__radd__ instead of looping in numpy

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        array = _to_array(data, _as_dtype(dtype))
        if requires_grad and array.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require grad, got dtype {array.dtype}; "
                "pass float data or dtype=np.float32 / np.float64"
            )
        self.data = array
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self.op = ""
        self.op_args = ""
        self.backward_fn: Callable | None = None
        self.label = ""

    @staticmethod
    def _make(data: np.ndarray, parents: tuple, op: str, backward_fn: Callable, op_args: str = "") -> Tensor:
        """The output of an op. It joins the graph if grad is on and an input requires grad."""
        out = Tensor.__new__(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad = None
        out.label = ""
        out.requires_grad = False
        if _grad_enabled.get():
            for parent in parents:
                if parent.requires_grad:
                    out.requires_grad = True
                    break
        if out.requires_grad:
            out.parents, out.op, out.op_args, out.backward_fn = parents, op, op_args, backward_fn
        else:
            out.parents, out.op, out.op_args, out.backward_fn = (), "", "", None
        if _detecting_anomaly.get():
            out._check_forward(op, parents)
        return out

    def _vjp(self, g: np.ndarray) -> list[np.ndarray | None]:
        grads = [
            unbroadcast(grad, parent.data.shape) if grad is not None and parent.requires_grad else None
            for parent, grad in zip(self.parents, self.backward_fn(g))
        ]
        if _detecting_anomaly.get():
            self._check_backward(g, grads)
        return grads

    def zero_grad(self) -> None:
        """Forget the gradient (set it to None), as PyTorch does."""
        self.grad = None

    def _accumulate(self, g: np.ndarray) -> None:
        if self.parents:
            # An op's output keeps the gradient as it flowed, no copy; it may be a read-only
            # view or shared with another node, so it is never changed in place.
            g = np.asarray(g, dtype=self.data.dtype)
            self.grad = g if self.grad is None else self.grad + g
        elif self.grad is None:
            # A leaf (a parameter) gets its own copy, so changing it in place (clipping, say)
            # cannot change another tensor's grad.
            self.grad = np.array(g, dtype=self.data.dtype)
        else:
            self.grad += g

    def _check_forward(self, op: str, inputs: tuple) -> None:
        # `inputs`, not `self.parents`: a result that needs no grad records no parents.
        if not _all_finite(self.data) and _all_finite(*(p.data for p in inputs)):
            shapes = ", ".join(str(p.shape) for p in inputs)
            raise AnomalyError(
                f"detect_anomaly: the forward of '{op}' made nan/inf from finite inputs "
                f"(input shapes {shapes}; output shape {self.shape})"
            )

    def _check_backward(self, g: np.ndarray, grads: list) -> None:
        for i, grad in enumerate(grads):
            if grad is not None and not _all_finite(grad) and _all_finite(g):
                raise AnomalyError(
                    f"detect_anomaly: the backward of '{self.op}' made nan/inf in the gradient "
                    f"of input {i} (shape {self.parents[i].shape}) from a finite gradient "
                    f"of shape {self.shape}"
                )

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
        return Tensor._make(self.data, (), "", None)

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Fill `.grad` of every tensor this one depends on with d self / d tensor.

        `grad` is d out / d self; it may be left out only when self has one
        element (as in PyTorch). Gradients accumulate across calls.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad (no input had requires_grad=True, "
                "or it was computed inside no_grad)"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: grad can be left out only for a one-element output, this one has "
                    f"shape {self.shape}; pass grad= an array of that shape (or call .sum() first)"
                )
            grad = np.ones_like(self.data)
        else:
            try:
                grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)  # a copy
            except (TypeError, ValueError):
                raise TypeError(
                    f"backward: grad must be an array of numbers of shape {self.shape}, got {grad!r}"
                ) from None
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape}, expected {self.shape}")
        engine.backward(self, grad)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"

    # ---- constructors --------------------------------------------------------

    @staticmethod
    def zeros(*shape: int, requires_grad: bool = False, dtype: Any = np.float32) -> Tensor:
        """A tensor of zeros of `shape` (ints, or one tuple)."""
        return Tensor(np.zeros(_shape("zeros", shape), _as_dtype(dtype, "zeros")), requires_grad)

    @staticmethod
    def ones(*shape: int, requires_grad: bool = False, dtype: Any = np.float32) -> Tensor:
        """A tensor of ones of `shape` (ints, or one tuple)."""
        return Tensor(np.ones(_shape("ones", shape), _as_dtype(dtype, "ones")), requires_grad)

    @staticmethod
    def eye(n: int, m: int | None = None, requires_grad: bool = False, dtype: Any = np.float32) -> Tensor:
        """The n x m identity matrix (square when m is left out)."""
        n, m = _shape("eye", (n, n if m is None else m))
        return Tensor(np.eye(n, m, dtype=_as_dtype(dtype, "eye")), requires_grad)

    @staticmethod
    def randn(*shape: int, requires_grad: bool = False, rng: Any = None, dtype: Any = np.float32) -> Tensor:
        """Standard normal samples from `rng` (a numpy Generator or an int seed)."""
        data = _rng("randn", rng).standard_normal(_shape("randn", shape))
        return Tensor(data.astype(_as_dtype(dtype, "randn")), requires_grad)

    @staticmethod
    def uniform(
        *shape: int,
        low: float = 0.0,
        high: float = 1.0,
        requires_grad: bool = False,
        rng: Any = None,
        dtype: Any = np.float32,
    ) -> Tensor:
        """Samples from U[low, high) drawn with `rng` (a numpy Generator or an int seed)."""
        if not all(isinstance(b, numbers.Real) and np.isfinite(b) for b in (low, high)) or low > high:
            raise ValueError(
                "uniform: low and high must be finite numbers with low <= high, "
                f"got low={low!r}, high={high!r}"
            )
        data = _rng("uniform", rng).uniform(low, high, _shape("uniform", shape))
        return Tensor(data.astype(_as_dtype(dtype, "uniform")), requires_grad)

    @staticmethod
    def one_hot(indices: ArrayLike, n: int, dtype: Any = np.float32) -> Tensor:
        """Rows of the n x n identity picked by `indices` (class indices in [0, n))."""
        idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        (n,) = _shape("one_hot", (n,))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"one_hot: indices must be integers, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(
                f"one_hot: indices must be in [0, {n}), got values from {idx.min()} to {idx.max()}"
            )
        return Tensor(np.eye(n, dtype=dtype)[idx])

    # ---- elementwise binary ops (broadcasting) --------------------------------

    def _lift(self, other: Any) -> Tensor | None:
        """The other operand of a binary op as a Tensor; numbers take self's dtype."""
        if isinstance(other, Tensor):
            return other
        if type(other) is float or type(other) is int or isinstance(other, numbers.Real):
            # A constant leaf, made without Tensor()'s checks: this runs for every `x * 0.5`.
            dtype = self.dtype if self.dtype.kind == "f" else None
            return Tensor._make(np.asarray(other, dtype), (), "", None)
        if isinstance(other, (np.ndarray, list, tuple, np.generic)):
            return Tensor(other)
        return None

    def __add__(self, other: Any) -> Tensor:
        """a + b.  d/da = 1, d/db = 1."""
        other = self._lift(other)
        if other is None:
            return NotImplemented
        out = _elementwise("add", np.add, self, other)
        return Tensor._make(out, (self, other), "add", lambda g: (g, g))

    def __mul__(self, other: Any) -> Tensor:
        """a * b.  d/da = b, d/db = a."""
        other = self._lift(other)
        if other is None:
            return NotImplemented
        a, b = self.data, other.data
        out = _elementwise("mul", np.multiply, self, other)
        return Tensor._make(out, (self, other), "mul", lambda g: (g * b, g * a))

    def __pow__(self, exponent: Any) -> Tensor:
        """x ** p.  d/dx = p * x^(p-1); for a tensor exponent, d/dp = x^p * log(x)."""
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, Tensor):
            # A numpy scalar exponent as a Python number, so it cannot promote float32 to float64.
            x, p = self.data, exponent.item() if isinstance(exponent, np.generic) else exponent
            try:
                out = x**p
            except ValueError as error:  # numpy's "Integers to negative integer powers are not allowed."
                raise ValueError(f"pow: {error} (a {x.dtype} tensor to the power {p}); use floats") from None
            if p == 0:  # x^0 = 1 everywhere: the gradient is 0, also at x = 0 where p * x^-1 is nan
                return Tensor._make(out, (self,), "pow", lambda g: (np.zeros_like(g),), "p=0")
            return Tensor._make(out, (self,), "pow", lambda g: (g * p * x ** (p - 1),), f"p={p}")
        power = self._lift(exponent)
        if power is None:
            return NotImplemented
        x, p = self.data, power.data
        out = _elementwise("pow", np.power, self, power)

        def pow_backward(g: np.ndarray) -> tuple:
            with np.errstate(divide="ignore", invalid="ignore"):
                # Where p = 0 (x^0 = 1) or x = 0 (0^p = 0 for p > 0) the slope is 0, not 0 * inf.
                d_x = g * np.where(p == 0, 0.0, p * x ** (p - 1)) if self.requires_grad else None
                d_power = g * np.where(x == 0, 0.0, out * np.log(x)) if power.requires_grad else None
            return d_x, d_power

        return Tensor._make(out, (self, power), "pow", pow_backward)

    def __matmul__(self, other: Any) -> Tensor:
        """Matrix product with numpy's rules (1-D, 2-D, batched).

        For C = A @ B:  dA = G @ B^T  and  dB = A^T @ G  (batch axes summed back).
        """
        other = self._lift(other)
        if other is None:
            return NotImplemented
        a, b = self.data, other.data
        _check_matmul(a.shape, b.shape)
        try:
            out = a @ b
        except ValueError:
            raise ValueError(
                f"matmul: cannot broadcast the batch dimensions of {a.shape} and {b.shape}"
            ) from None
        need_a, need_b = self.requires_grad, other.requires_grad
        return Tensor._make(out, (self, other), "matmul", lambda g: _matmul_grads(a, b, g, need_a, need_b))

    # Composites of the ops above.
    def __neg__(self) -> Tensor:  # -a = a * -1
        return self * -1

    def __sub__(self, other: Any) -> Tensor:  # a - b = a + (-b)
        other = self._lift(other)
        return NotImplemented if other is None else self + (-other)

    def __truediv__(self, other: Any) -> Tensor:  # a / b = a * b^-1 (a float power, so ints divide too)
        other = self._lift(other)
        return NotImplemented if other is None else self * other**-1.0

    # __add__, not +: for an operand neither side knows (a Value), `+` would hand the
    # reflected op back to the other class, which hands it back here, forever.
    def __radd__(self, other: Any) -> Tensor:  # other + self
        return self.__add__(other)

    def __rmul__(self, other: Any) -> Tensor:  # other * self
        return self.__mul__(other)

    def __rsub__(self, other: Any) -> Tensor:  # other - self
        return (-self).__add__(other)

    def __rtruediv__(self, other: Any) -> Tensor:  # other / self
        return (self**-1.0).__mul__(other)

    def __rpow__(self, base: Any) -> Tensor:  # base ** self
        base = self._lift(base)
        return NotImplemented if base is None else base**self

    def __rmatmul__(self, other: Any) -> Tensor:  # other @ self
        other = self._lift(other)
        return NotImplemented if other is None else other @ self

    def matmul(self, other: Any) -> Tensor:
        """Same as `self @ other`."""
        return self @ other

    # ---- elementwise unary ops ----------------------------------------------

    def exp(self) -> Tensor:
        """e^x.  d/dx e^x = e^x, reusing the output."""
        out = np.exp(self.data)
        return Tensor._make(out, (self,), "exp", lambda g: (g * out,))

    def log(self) -> Tensor:
        """Natural log (nan below 0, -inf at 0).  d/dx log(x) = 1 / x."""
        x = self.data
        return Tensor._make(np.log(x), (self,), "log", lambda g: (g / x,))

    def tanh(self) -> Tensor:
        """tanh(x).  d/dx tanh(x) = 1 - tanh(x)^2, reusing the output."""
        out = np.tanh(self.data)
        return Tensor._make(out, (self,), "tanh", lambda g: (g * (1 - out * out),))

    def relu(self) -> Tensor:
        """max(0, x).  d/dx relu(x) = 1 where x > 0, else 0."""
        x = self.data
        return Tensor._make(np.maximum(x, 0), (self,), "relu", lambda g: (g * (x > 0),))

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x).  d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x)).

        Computed as (1 + tanh(x/2)) / 2, the same function, which cannot overflow.
        """
        out = 0.5 * (1 + np.tanh(0.5 * self.data))
        return Tensor._make(out, (self,), "sigmoid", lambda g: (g * out * (1 - out),))

    # ---- reductions ----------------------------------------------------------

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis`.  d/dx_i sum(x) = 1: g is spread back over the summed axes."""
        return self._sum_or_mean("sum", axis, keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis`.  d/dx_i mean(x) = 1/n, n the number of elements averaged."""
        return self._sum_or_mean("mean", axis, keepdims)

    def _sum_or_mean(self, op: str, axis: int | Sequence[int] | None, keepdims: bool) -> Tensor:
        axes = _normalize_axes(op, axis, self.shape)
        shape = self.shape
        count = int(np.prod([shape[a] for a in axes])) if op == "mean" else 1
        out = self.data.sum(axis=axes, keepdims=keepdims)
        if op == "mean":
            out = out / count  # as numpy's own mean: the sum, then one division

        def sum_backward(g: np.ndarray) -> tuple:
            if op == "mean":
                g = g / count
            return (np.broadcast_to(g if keepdims else np.expand_dims(g, axes), shape),)

        return Tensor._make(out, (self,), op, sum_backward, _reduce_args(axis, keepdims))

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Max over `axis`.  d/dx_i max(x) = 1 where x_i is the max, else 0.

        When several elements tie for the max, the gradient is split evenly
        between them (as numpy's definition of a subgradient allows; PyTorch's
        `amax` does the same), so it still sums to g.
        """
        axes = _normalize_axes("max", axis, self.shape)
        if self.data.size == 0:
            raise ValueError(f"max: cannot take the max of an empty tensor (shape {self.shape})")
        x = self.data
        biggest = x.max(axis=axes, keepdims=True)

        def max_backward(g: np.ndarray) -> tuple:
            is_max = x == biggest
            share = (g if keepdims else np.expand_dims(g, axes)) / is_max.sum(axis=axes, keepdims=True)
            return (is_max * share,)

        out = biggest if keepdims else biggest.reshape([n for i, n in enumerate(x.shape) if i not in axes])
        return Tensor._make(out, (self,), "max", max_backward, _reduce_args(axis, keepdims))

    def logsumexp(self, axis: int | Sequence[int] | None = -1, keepdims: bool = False) -> Tensor:
        """log(sum(e^x)) over `axis`, with the max subtracted first so it cannot overflow.

        d/dx_i logsumexp(x) = softmax(x)_i.
        """
        axes = _normalize_axes("logsumexp", axis, self.shape)
        x = self.data
        for ax in axes:
            _check_not_empty("logsumexp", x, ax)
        biggest = x.max(axis=axes, keepdims=True)
        lse = biggest + np.log(np.exp(x - biggest).sum(axis=axes, keepdims=True))

        def logsumexp_backward(g: np.ndarray) -> tuple:
            return ((g if keepdims else np.expand_dims(g, axes)) * np.exp(x - lse),)

        out = lse if keepdims else lse.squeeze(axes)
        return Tensor._make(out, (self,), "logsumexp", logsumexp_backward, _reduce_args(axis, keepdims))

    # ---- softmax -------------------------------------------------------------

    def log_softmax(self, axis: int = -1) -> Tensor:
        """log_softmax(x)_i = x_i - logsumexp(x), along `axis`, as one op.

        Fused backward: dx = g - softmax(x) * sum(g), with softmax(x) = e^out.
        The max is subtracted before exponentiating, so logits of +-1e4 stay finite.
        """
        if not isinstance(axis, numbers.Integral):
            raise ValueError(f"log_softmax: axis must be a single int, got {axis!r}")
        (ax,) = _normalize_axes("log_softmax", axis, self.shape)
        x = self.data
        _check_not_empty("log_softmax", x, ax)
        out = log_softmax_array(x, ax)

        def log_softmax_backward(g: np.ndarray) -> tuple:
            return (g - np.exp(out) * g.sum(axis=ax, keepdims=True),)

        return Tensor._make(out, (self,), "log_softmax", log_softmax_backward, f"axis={axis}")

    def softmax(self, axis: int = -1) -> Tensor:
        """e^x_i / sum_j e^x_j along `axis`, as exp(log_softmax(x))."""
        return self.log_softmax(axis).exp()

    # ---- shape ops -----------------------------------------------------------

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape (one entry may be -1).  Backward reshapes g back."""
        try:
            new_shape = (
                tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], numbers.Integral) else shape
            )
        except TypeError:  # reshape(1.5): not a shape; numpy refuses it below
            new_shape = shape
        old_shape = self.shape
        try:
            out = self.data.reshape(new_shape)
        except (ValueError, TypeError):
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {old_shape} ({self.data.size} elements) "
                f"into {new_shape}"
            ) from None
        return Tensor._make(out, (self,), "reshape", lambda g: (g.reshape(old_shape),), f"shape={new_shape}")

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reverse them if none are given).  Backward applies the inverse permutation."""
        try:
            order = tuple(axes[0]) if len(axes) == 1 and not isinstance(axes[0], numbers.Integral) else axes
        except TypeError:  # transpose(1.5): refused below
            order = axes
        if not order:  # reversing the axes, the common case, is its own inverse
            order = inverse = tuple(range(self.ndim - 1, -1, -1))
        else:
            in_range = all(isinstance(a, numbers.Integral) and -self.ndim <= a < self.ndim for a in order)
            if not in_range or sorted(a % self.ndim for a in order) != list(range(self.ndim)):
                raise ValueError(
                    f"transpose: axes {order} are not a permutation of the axes of shape {self.shape}"
                )
            inverse = tuple(sorted(range(self.ndim), key=lambda i: order[i] % self.ndim))
        out = self.data.transpose(order)
        return Tensor._make(out, (self,), "transpose", lambda g: (g.transpose(inverse),), f"axes={order}")

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] with numpy's slices, integers and integer arrays.

        Backward scatter-adds g into zeros of x's shape (`np.add.at`), so an
        element picked twice gets both gradients.
        """
        index = _plain_index(index)
        x_shape, x_dtype = self.shape, self.dtype
        try:
            out = self.data[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor shape {x_shape})") from None

        def getitem_backward(g: np.ndarray) -> tuple:
            grad = np.zeros(x_shape, dtype=np.result_type(x_dtype, g.dtype))
            np.add.at(grad, index, g)
            return (grad,)

        return Tensor._make(np.array(out), (self,), "getitem", getitem_backward)

    @staticmethod
    def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Join tensors along an existing axis.  Backward splits g at the same places."""
        tensors = _tensor_list("concatenate", tensors)
        try:
            out = np.concatenate([t.data for t in tensors], axis=axis)
        except (ValueError, TypeError):  # numpy's AxisError is a ValueError; axis="a" a TypeError
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(f"concatenate: cannot join shapes {shapes} along axis {axis}") from None
        ends = np.cumsum([t.shape[axis] for t in tensors])[:-1]
        return Tensor._make(
            out, tuple(tensors), "concatenate", lambda g: tuple(np.split(g, ends, axis=axis)), f"axis={axis}"
        )

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Join tensors of one shape along a new axis.  Backward takes g apart along it."""
        tensors = _tensor_list("stack", tensors)
        try:
            out = np.stack([t.data for t in tensors], axis=axis)
        except (ValueError, TypeError):  # numpy's AxisError is a ValueError; axis="a" a TypeError
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(
                f"stack: cannot stack shapes {shapes} along axis {axis} (all shapes must match)"
            ) from None
        ax = axis % out.ndim
        return Tensor._make(
            out, tuple(tensors), "stack", lambda g: tuple(np.moveaxis(g, ax, 0)), f"axis={axis}"
        )


# ---- helpers used by single ops -------------------------------------------------


def _to_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    """data as a fresh numeric array: Python floats become float32, numpy keeps its dtype."""
    if isinstance(data, Tensor):
        data = data.data
    if data is None or isinstance(data, (str, bytes, dict, set)):
        raise TypeError(
            "Tensor: data must be a number, a (nested) list of numbers or an array, "
            f"got {type(data).__name__}"
        )
    try:
        array = np.array(data, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"Tensor: cannot turn {type(data).__name__} into an array of numbers: {error}"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers, got an array of dtype {array.dtype}")
    if dtype is None and array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        array = array.astype(np.float32)
    return array


def _shape(op: str, shape: tuple) -> tuple[int, ...]:
    """A shape given as ints or one tuple, checked to be non-negative ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{op}: sizes must be non-negative ints, got {shape}")
    return tuple(int(n) for n in shape)


def _reduce_args(axis: Any, keepdims: bool) -> str:
    return f"axis={axis}" + (", keepdims" if keepdims else "")


def _check_not_empty(op: str, x: np.ndarray, axis: int) -> None:
    if x.shape[axis] == 0:
        raise ValueError(f"{op}: axis {axis} of shape {x.shape} is empty; there is nothing to normalize over")


def log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    """x - log(sum(e^x)) along `axis`, with the max subtracted first so e^x cannot overflow."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _check_matmul(a: tuple, b: tuple) -> None:
    if not a or not b:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a} and {b}")
    inner_a, inner_b = a[-1], b[-2] if len(b) > 1 else b[0]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: cannot multiply {a} by {b}: inner dimensions {inner_a} and {inner_b} differ"
        )


def _matmul_grads(a: np.ndarray, b: np.ndarray, g: np.ndarray, need_a: bool, need_b: bool) -> tuple:
    """dA = G @ B^T and dB = A^T @ G, treating 1-D operands as numpy does (a row, a column)."""
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


def _plain_index(index: Any) -> Any:
    """An index with any Tensors in it replaced by their integer arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _tensor_list(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    try:
        tensors = list(tensors)
    except TypeError:
        raise TypeError(f"{op}: expects a list of Tensors, got {type(tensors).__name__}") from None
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor, got none")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expects a list of Tensors, got a {type(t).__name__}")
    return tensors
