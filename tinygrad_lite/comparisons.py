"""Comparing tensors: < <= > >= == != and isclose, elementwise and broadcast, boolean, outside the graph.

A mixin of `Tensor`, like the files of ops. A comparison is a step, with
derivative 0 wherever it has one, so its result is a boolean Tensor that does
not require grad, as in PyTorch: use it to pick (`where(x > 0, x, 0.0)`), and
the gradient flows through what it picked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks
from .creation import to_array
from .engine import Node

if TYPE_CHECKING:
    from .tensor import Tensor


def _comparison(name: str, fn: np.ufunc, symbol: str) -> Any:
    """The operator `symbol` as a Tensor method: elementwise, broadcast, a boolean result without gradient."""

    def compare(self: Tensor, other: Any) -> Tensor:
        if (other := self._operand(other)) is None:
            return NotImplemented
        return self._new(checks.broadcasting(name, fn, self, other), False)

    compare.__doc__ = f"a {symbol} b elementwise: a boolean Tensor that does not require grad."
    return compare


class ComparisonOps:
    """The comparison operators and `isclose`/`allclose`, as numpy and PyTorch mean them."""

    __slots__ = ()

    # Comparing defines __eq__, which would unset the hash: a Tensor stays hashable by identity,
    # so the sets and dicts of the backward pass still tell nodes apart.
    __hash__ = Node.__hash__

    __lt__ = _comparison("lt", np.less, "<")
    __le__ = _comparison("le", np.less_equal, "<=")
    __gt__ = _comparison("gt", np.greater, ">")
    __ge__ = _comparison("ge", np.greater_equal, ">=")
    __eq__ = _comparison("eq", np.equal, "==")  # PyTorch's meaning; `is` still tells tensors apart
    __ne__ = _comparison("ne", np.not_equal, "!=")

    def isclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
        """|a - b| <= atol + rtol * |b| elementwise, numpy's test and defaults (boolean, no gradient)."""
        return isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
        """True when every element is `isclose`, numpy's test and defaults."""
        return allclose(self, other, rtol, atol, equal_nan)


def isclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b|, elementwise, as `numpy.isclose` (same defaults, b the reference).

    a and b are Tensors, arrays or numbers, at least one a Tensor (for arrays alone
    there is `numpy.isclose`). The result is a boolean Tensor outside the graph.
    """
    tensor, close = _close("isclose", a, b, rtol, atol, equal_nan)
    return tensor._new(close, False)


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """True when `isclose(a, b)` holds for every element, as `numpy.allclose` (at least one a Tensor)."""
    return bool(_close("allclose", a, b, rtol, atol, equal_nan)[1].all())


def _close(owner: str, a: Any, b: Any, rtol: Any, atol: Any, equal_nan: Any) -> tuple[Tensor, np.ndarray]:
    """The first Tensor of a and b, and numpy's isclose of their data, once the arguments are checked."""
    tensor = next((t for t in (a, b) if isinstance(t, ComparisonOps)), None)
    if tensor is None:
        kinds = f"{type(a).__name__} and {type(b).__name__}"
        raise TypeError(f"{owner}: expects at least one Tensor (numpy.{owner} compares arrays), got {kinds}")
    rtol = checks.non_negative_number(owner, "rtol", rtol)
    atol = checks.non_negative_number(owner, "atol", atol)
    x, y = (t.data if isinstance(t, ComparisonOps) else to_array(t, None) for t in (a, b))
    checks.broadcast(owner, x.shape, y.shape)
    return tensor, np.isclose(x, y, rtol, atol, bool(equal_nan))
