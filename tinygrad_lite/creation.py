"""Making tensors: zeros, ones, eye, randn, uniform and one_hot (PyTorch's creation ops).

A mixin of `Tensor` (`class Tensor(Node, CreationOps, ElementwiseOps, ...)`): each
is a class method, `Tensor.zeros(2, 3)`, that checks its arguments, fills a numpy
array and wraps it as a leaf. Sizes come as ints or as one tuple; random ones
draw from `rng`, a numpy Generator or an int seed, so the same seed gives the
same numbers. The tensors made here are float32 unless `dtype` says otherwise.
`to_array`, below, is the rule for a tensor made from data: Python floats become
float32, a numpy array keeps its dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks
from .engine import Node

if TYPE_CHECKING:
    from .tensor import Tensor


class CreationOps:
    """Class methods that make a new leaf tensor from sizes, a random generator or class indices."""

    __slots__ = ()

    @classmethod
    def zeros(cls, *shape: int, requires_grad: bool = False, dtype: Any = np.float32) -> Tensor:
        """A tensor of zeros of `shape` (ints, or one tuple)."""
        return cls(np.zeros(checks.shape("zeros", shape), checks.dtype("zeros", dtype)), requires_grad)

    @classmethod
    def ones(cls, *shape: int, requires_grad: bool = False, dtype: Any = np.float32) -> Tensor:
        """A tensor of ones of `shape` (ints, or one tuple)."""
        return cls(np.ones(checks.shape("ones", shape), checks.dtype("ones", dtype)), requires_grad)

    @classmethod
    def eye(
        cls, n: int, m: int | None = None, requires_grad: bool = False, dtype: Any = np.float32
    ) -> Tensor:
        """The n x m identity matrix (square when m is left out)."""
        n, m = checks.shape("eye", (n, n if m is None else m))
        return cls(np.eye(n, m, dtype=checks.dtype("eye", dtype)), requires_grad)

    @classmethod
    def randn(
        cls, *shape: int, requires_grad: bool = False, rng: Any = None, dtype: Any = np.float32
    ) -> Tensor:
        """Standard normal samples from `rng` (a numpy Generator or an int seed)."""
        data = checks.rng("randn", rng).standard_normal(checks.shape("randn", shape))
        return cls(data.astype(checks.dtype("randn", dtype)), requires_grad)

    @classmethod
    def uniform(cls, *shape: int, low: float = 0.0, high: float = 1.0, requires_grad: bool = False,
                rng: Any = None, dtype: Any = np.float32) -> Tensor:  # fmt: skip
        """Samples from U[low, high) drawn with `rng` (a numpy Generator or an int seed)."""
        if not all(checks.is_number(b) and np.isfinite(b) for b in (low, high)) or low > high:
            raise ValueError(
                "uniform: low and high must be finite numbers with low <= high, "
                f"got low={low!r}, high={high!r}"
            )
        data = checks.rng("uniform", rng).uniform(low, high, checks.shape("uniform", shape))
        return cls(data.astype(checks.dtype("uniform", dtype)), requires_grad)

    @classmethod
    def one_hot(cls, indices: Any, n: int, dtype: Any = np.float32) -> Tensor:
        """Rows of the n x n identity picked by `indices` (class indices in [0, n))."""
        (n,) = checks.shape("one_hot", (n,))
        idx = np.asarray(indices.data if isinstance(indices, Node) else indices)
        rows = np.eye(n, dtype=checks.dtype("one_hot", dtype))
        return cls(rows[checks.class_indices("one_hot", "indices", idx, n)])


def to_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    """data as a fresh numeric array: Python floats become float32, numpy keeps its dtype."""
    if isinstance(data, CreationOps):  # a Tensor
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
