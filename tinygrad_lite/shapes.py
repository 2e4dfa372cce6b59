"""Tensor ops that move elements without changing them: reshape, transpose, indexing, concatenate, stack.

A mixin of `Tensor`, kept in its own file so that each kind of op reads in one
sitting. Each backward puts g's elements back where they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks
from .engine import Node, op

if TYPE_CHECKING:
    from .tensor import Tensor


class ShapeOps:
    """The same numbers, arranged differently."""

    __slots__ = ()
    data: np.ndarray
    shape: tuple[int, ...]
    dtype: np.dtype

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape (one entry may be -1).  Backward reshapes g back."""
        old_shape = self.shape
        out = checks.reshaped("reshape", self.data, shape)
        return op("reshape", out, (self,), lambda g: (g.reshape(old_shape),))

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reverse them if none are given).  Backward applies the inverse permutation."""
        order = checks.permutation("transpose", axes, self.shape)
        inverse = tuple(np.argsort(order))
        return op("transpose", self.data.transpose(order), (self,), lambda g: (g.transpose(inverse),))

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
        shape, dtype = self.shape, self.dtype
        try:
            out = np.array(self.data[index])
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor shape {shape})") from None

        def getitem_backward(g: np.ndarray) -> tuple:
            grad = np.zeros(shape, dtype=np.result_type(dtype, g.dtype))
            np.add.at(grad, index, g)
            return (grad,)

        return op("getitem", out, (self,), getitem_backward)

    @staticmethod
    def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Join tensors along an existing axis.  Backward splits g at the same places."""
        tensors = _tensor_list("concatenate", tensors)
        out = checks.joined("concatenate", np.concatenate, [t.data for t in tensors], axis)
        ends = np.cumsum([t.shape[axis] for t in tensors])[:-1]
        return op("concatenate", out, tuple(tensors), lambda g: tuple(np.split(g, ends, axis=axis)))

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Join tensors of one shape along a new axis.  Backward takes g apart along it."""
        tensors = _tensor_list("stack", tensors)
        out = checks.joined("stack", np.stack, [t.data for t in tensors], axis)
        a = axis % out.ndim
        return op("stack", out, tuple(tensors), lambda g: tuple(np.moveaxis(g, a, 0)))


def _plain_index(index: Any) -> Any:
    """An index with any Tensors in it replaced by their integer arrays."""
    if isinstance(index, Node):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Node) else i for i in index)
    return index


def _tensor_list(op_name: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    try:
        tensors = list(tensors)
    except TypeError:
        raise TypeError(f"{op_name}: expects a list of Tensors, got {type(tensors).__name__}") from None
    if not tensors:
        raise ValueError(f"{op_name}: needs at least one tensor, got none")
    for t in tensors:
        if not isinstance(t, ShapeOps):
            raise TypeError(f"{op_name}: expects a list of Tensors, got a {type(t).__name__}")
    return tensors
