"""Tensor ops that reduce axes (sum, mean, max, logsumexp) and the softmaxes that normalize along one.

A mixin of `Tensor`, kept in its own file so that each kind of op reads in one
sitting. A reduction's backward spreads g back over the axes it summed away
(`spread`); the derivative says with what weight.
"""

from __future__ import annotations

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
        axes, x = checks.axes("max", axis, self.shape), self.data
        if x.size == 0:
            raise ValueError(f"max: cannot take the max of an empty tensor (shape {self.shape})")
        biggest = x.max(axis=axes, keepdims=True)

        def max_backward(g: np.ndarray) -> tuple:
            is_max = x == biggest
            return (is_max * spread(g, axes, keepdims, x.shape) / is_max.sum(axis=axes, keepdims=True),)

        return op("max", biggest if keepdims else biggest.squeeze(axes), (self,), max_backward)

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
