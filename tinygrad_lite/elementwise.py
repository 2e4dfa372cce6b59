"""Tensor ops on each element alone (exp, log, tanh, relu, sigmoid): a derivative times g, elementwise.

A mixin of `Tensor` (`class Tensor(Node, ElementwiseOps, ReductionOps, ShapeOps)`):
the methods are the Tensor's own, kept in this file so that each kind of op
reads in one sitting. Each computes its output with numpy and hands `op()` its
backward, closing over arrays taken now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import numerics
from .engine import op

if TYPE_CHECKING:
    from .tensor import Tensor


class ElementwiseOps:
    """f(x) applied to each element; backward multiplies g by f'(x), elementwise."""

    __slots__ = ()
    data: np.ndarray

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
        out = numerics.sigmoid(self.data).astype(self.dtype, copy=False)
        return op("sigmoid", out, (self,), lambda g: (g * out * (1 - out),))
