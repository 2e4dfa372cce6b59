"""The check behind every bad-input test: the error is clear, raised by tinygrad_lite, and not chained.

Each test file with error cases keeps a table `BAD_INPUT` of rows
(id naming the entry point, call, exception type, message pattern) and runs it with
`as_params`; tests/test_bad_input.py checks that every public entry point has a row somewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite
from tinygrad_lite import Tensor

PACKAGE = Path(tinygrad_lite.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent


def as_params(rows: list[tuple]) -> list:
    """The rows of a BAD_INPUT table as pytest params, each with its id."""
    return [pytest.param(*row[1:], id=row[0]) for row in rows]


def assert_clear_error(call, expected: type[BaseException], pattern: str) -> None:
    """`call()` raises `expected`, its message matching `pattern`, from tinygrad_lite, nothing chained."""
    with pytest.raises(expected) as info:
        call()
    error, message = info.value, str(info.value)
    assert re.search(pattern, message), f"{type(error).__name__}: {message!r} does not match {pattern!r}"
    # Raised by tinygrad_lite (or by Python for an operator the test applied), not deep in numpy...
    where = Path(str(info.traceback[-1].path)).resolve()
    assert where.parent == TESTS or PACKAGE in where.parents, f"raised at {where}: {message}"
    # ...and with no other traceback printed above it ("During handling of the above exception").
    assert error.__context__ is None or error.__suppress_context__, f"chained to {error.__context__!r}"


# ---- what the tables' calls are made of ---------------------------------------------------------

NAN, INF = float("nan"), float("inf")


def t23() -> Tensor:
    """A fresh (2, 3) float64 tensor that requires grad."""
    return Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)


def logits() -> Tensor:
    """Fresh (2, 3) zero logits that require grad."""
    return Tensor(np.zeros((2, 3)), requires_grad=True)
