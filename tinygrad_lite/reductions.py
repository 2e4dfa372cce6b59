"""Tensor ops that reduce axes (sum, mean, max, var, prod, ...) and the softmaxes that normalize along one.

A mixin of `Tensor`, kept in its own file so that each kind of op reads in one
sitting. A reduction's backward spreads g back over the axes it summed away
(`spread`); the derivative says with what weight.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import checks, numerics
from .engine import op

if TYPE_CHECKING:
    from .tensor import Tensor

Axis = int | Sequence[int] | None


class ReductionOps:
    """Sums, means, maxima over axes, and the log-softmax along one."""

    __slots__ = ()
    data: np.ndarray
    shape: tuple[int, ...]

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis`.  d/dx_i sum(x) = 1: g is spread back over the summed axes."""
        axes, shape = checks.axes("sum", axis, self.shape), self.shape
        out = self.data.sum(axis=axes, keepdims=keepdims)
        return op("sum", out, (self,), lambda g: (spread(g, axes, keepdims, shape),))

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis`.  d/dx_i mean(x) = 1/n, n the number of elements averaged."""
        axes, shape = checks.axes("mean", axis, self.shape), self.shape
        count = int(np.prod([shape[a] for a in axes]))
        out = self.data.sum(axis=axes, keepdims=keepdims) / count  # as numpy's own mean: sum, then divide
        return op("mean", out, (self,), lambda g: (spread(g / count, axes, keepdims, shape),))

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Max over `axis`.  d/dx_i max(x) = 1 where x_i is the max, else 0.

        When several elements tie for the max, the gradient is split evenly
        between them (PyTorch's `amax` does the same), so it still sums to g.
        """
        return _extreme("max", self, axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Min over `axis`.  d/dx_i min(x) = 1 where x_i is the min, else 0; ties split g as in max."""
        return _extreme("min", self, axis, keepdims)

    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Product over `axis`.  d/dx_i prod(x) = the product of the other elements.

        That is prod(x) / x_i where no element is 0. With exactly one zero, the
        zero's slope is the product of the others and every other slope is 0;
        with two or more zeros every slope is 0 (each product still holds a zero).
        """
        axes, x = checks.axes("prod", axis, self.shape), self.data
        out = x.prod(axis=axes, keepdims=keepdims)

        def prod_backward(g: np.ndarray) -> tuple:
            zero = x == 0
            zeros = zero.sum(axis=axes, keepdims=True)
            others = np.where(zero, 1, x).prod(axis=axes, keepdims=True)  # the product of the nonzero ones
            slope = np.where(zeros == 0, others / np.where(zero, 1, x), zero * (zeros == 1) * others)
            return (spread(g, axes, keepdims, x.shape) * slope,)

        return op("prod", out, (self,), prod_backward)

    def var(self, axis: Axis = None, correction: int = 1, keepdims: bool = False) -> Tensor:
        """Variance over `axis`: sum((x - mean)^2) / (n - correction), as PyTorch's `var`.

        correction=1 (the default) is the unbiased sample variance, 0 the
        population one; with n <= correction the result is inf or nan.
        d/dx_i var(x) = 2 (x_i - mean) / (n - correction).
        """
        return _variance("var", self, axis, correction, keepdims)

    def std(self, axis: Axis = None, correction: int = 1, keepdims: bool = False) -> Tensor:
        """Standard deviation over `axis`: sqrt(var(x, correction)), as PyTorch's `std`."""
        return _variance("std", self, axis, correction, keepdims).sqrt()

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the max along `axis` (of the flattened tensor for None): integers, no gradient.

        The first index wins a tie, as in numpy and PyTorch.
        """
        return _arg_extreme("argmax", self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the min along `axis` (of the flattened tensor for None): integers, no gradient."""
        return _arg_extreme("argmin", self, axis, keepdims)

    def logsumexp(self, axis: Axis = -1, keepdims: bool = False) -> Tensor:
        """log(sum(e^x)) over `axis`, so that it cannot overflow.  d/dx_i logsumexp(x) = softmax(x)_i."""
        axes, x = checks.axes("logsumexp", axis, self.shape), self.data
        for a in axes:
            checks.not_empty("logsumexp", x.shape, a)
        lse = numerics.logsumexp(x, axes)
        out = lse if keepdims else lse.squeeze(axes)
        return op(
            "logsumexp", out, (self,), lambda g: (spread(g, axes, keepdims, x.shape) * np.exp(x - lse),)
        )

    def log_softmax(self, axis: int = -1) -> Tensor:
        """log_softmax(x)_i = x_i - logsumexp(x), along `axis`, as one op.

        Fused backward: dx = g - softmax(x) * sum(g), with softmax(x) = e^out.
        """
        a = checks.single_axis("log_softmax", axis, self.shape)
        out = numerics.log_softmax(self.data, a)
        return op("log_softmax", out, (self,), lambda g: (g - np.exp(out) * g.sum(axis=a, keepdims=True),))

    def softmax(self, axis: int = -1) -> Tensor:
        """e^x_i / sum_j e^x_j along `axis`, as exp(log_softmax(x))."""
        return self.log_softmax(axis).exp()


def spread(g: np.ndarray, axes: tuple[int, ...], keepdims: bool, shape: tuple[int, ...]) -> np.ndarray:
    """g of a reduction over `axes`, stretched back to the input's `shape` (a read-only view)."""
    return np.broadcast_to(g if keepdims else np.expand_dims(g, axes), shape)


def _extreme(name: str, t: Tensor, axis: Axis, keepdims: bool) -> Tensor:
    """max or min over `axis`; g goes to the elements that equal it, split evenly between ties."""
    axes, x = checks.axes(name, axis, t.shape), t.data
    if x.size == 0:
        raise ValueError(f"{name}: cannot take the {name} of an empty tensor (shape {t.shape})")
    extreme = (x.max if name == "max" else x.min)(axis=axes, keepdims=True)

    def extreme_backward(g: np.ndarray) -> tuple:
        picked = x == extreme
        return (picked * spread(g, axes, keepdims, x.shape) / picked.sum(axis=axes, keepdims=True),)

    return op(name, extreme if keepdims else extreme.squeeze(axes), (t,), extreme_backward)


def _arg_extreme(name: str, t: Tensor, axis: int | None, keepdims: bool) -> Tensor:
    """argmax or argmin: a plain integer Tensor, outside the graph."""
    if axis is not None and not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name}: axis must be a single int or None, got {axis!r}")
    if axis is not None:
        (axis,) = checks.axes(name, axis, t.shape)
    if t.data.size == 0:
        raise ValueError(f"{name}: cannot take the {name} of an empty tensor (shape {t.shape})")
    pick = np.argmax if name == "argmax" else np.argmin
    return type(t)._new(np.asarray(pick(t.data, axis=axis, keepdims=keepdims)), False)


def _variance(name: str, t: Tensor, axis: Axis, correction: float, keepdims: bool) -> Tensor:
    """The var op, checked in the name of `name` (var, or std asking for it)."""
    axes, x = checks.axes(name, axis, t.shape), t.data
    if not checks.is_number(correction):
        raise TypeError(f"{name}: correction must be a number, got {correction!r}")
    count = int(np.prod([x.shape[a] for a in axes]))
    centered = x - x.mean(axis=axes, keepdims=True) if x.size else x
    with np.errstate(divide="ignore", invalid="ignore"):
        divisor = np.asarray(max(count - correction, 0), x.dtype)
        out = (centered * centered).sum(axis=axes, keepdims=keepdims) / divisor
    return op("var", out, (t,), lambda g: (spread(g, axes, keepdims, x.shape) * 2 * centered / divisor,))
