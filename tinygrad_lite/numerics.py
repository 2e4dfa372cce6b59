"""Stable formulas, written once and shared by Value, Tensor, the losses and the pictures.

Each one follows IEEE arithmetic as numpy does (inf and nan, never an exception)
and is written so that it neither overflows nor cancels where the true value is
finite. The scalar helpers give Python floats numpy's answers where `math` raises.
"""

from __future__ import annotations

import math

import numpy as np

# ---- Python floats with numpy's answers -----------------------------------------------


def exp(x: float) -> float:
    """e^x, inf on overflow (math.exp raises)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def log(x: float) -> float:
    """Natural log: -inf at 0, nan below 0 (math.log raises)."""
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def power(x: float, p: float) -> float:
    """x^p: inf when too big, inf for 0 to a negative power, nan for a root of a negative."""
    try:
        return math.pow(x, p)
    except (OverflowError, ValueError):
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(x), p))


def divide(a: float, b: float) -> float:
    """a / b: +-inf for a nonzero a over 0, nan for 0 / 0 (Python raises)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def sqrt(x: float) -> float:
    """Square root: nan below 0 (math.sqrt raises)."""
    return math.sqrt(x) if x >= 0 else math.nan


def log1p(x: float) -> float:
    """log(1 + x), exact for tiny x: -inf at -1, nan below (math.log1p raises)."""
    if x > -1:
        return math.log1p(x)
    return -math.inf if x == -1 else math.nan


def expm1(x: float) -> float:
    """e^x - 1, exact for tiny x: inf on overflow (math.expm1 raises)."""
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf


def sin(x: float) -> float:
    """sin(x): nan at +-inf (math.sin raises)."""
    return math.nan if math.isinf(x) else math.sin(x)


def cos(x: float) -> float:
    """cos(x): nan at +-inf (math.cos raises)."""
    return math.nan if math.isinf(x) else math.cos(x)


# ---- arrays (a float works too) ----------------------------------------------------------


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """1 / (1 + e^-x), exact in both tails.

    With e = e^-|x| (at most 1, so it cannot overflow): sigmoid(x) = 1 / (1 + e)
    for x >= 0 and e / (1 + e) for x < 0, the same value written so that neither
    tail rounds to 0 or 1 before it must.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def softplus(x: np.ndarray | float) -> np.ndarray:
    """log(1 + e^x), exact in both tails: max(x, 0) + log1p(e^-|x|).

    The two forms are equal (log(1 + e^x) = x + log(1 + e^-x)); with e^-|x| at
    most 1 nothing overflows, and log1p keeps the tiny values of the far
    negative tail that log(1 + ...) would round to 0.
    """
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


_math_erf = np.vectorize(math.erf, otypes=[np.float64])


def erf(x: np.ndarray | float) -> np.ndarray:
    """The error function 2/sqrt(pi) * integral_0^x e^(-t^2) dt, elementwise (numpy has none).

    Each element goes through Python's `math.erf`, correct to the last bit or so:
    slower than a numpy ufunc, but exact, and the exact GELU needs nothing more.
    """
    x = np.asarray(x)
    return _math_erf(x).astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


def logsumexp(x: np.ndarray, axis: int | tuple[int, ...] = -1) -> np.ndarray:
    """log(sum(e^x)) along `axis`, keeping the axis: m + log sum e^(x - m), m the max.

    Any finite m gives the same value; the max keeps every e^(x - m) at most 1,
    so nothing overflows. All -inf gives -inf and any +inf gives +inf, as in PyTorch.
    """
    shift, _, log_total = _shifted_sum(x, axis)
    return shift + log_total


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) = (x - m) - log sum e^(x - m) along `axis`, m the max.

    Subtracting m first keeps the result exact for large logits (x - m is exact
    where x - logsumexp(x) would round m + log sum away), and finite for +-1e4.
    """
    _, shifted, log_total = _shifted_sum(x, axis)
    return shifted - log_total


def _shifted_sum(x: np.ndarray, axis: int | tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m, x - m, log sum e^(x - m)) along `axis`, with m the max where it is finite and 0 where it is not.

    (numpy's ufunc reductions, rather than the array methods that wrap them, save a Python call;
    `count_nonzero` counts the finite maxima faster than `all()` asks whether they all are.)
    """
    shift = np.maximum.reduce(x, axis=axis, keepdims=True)
    if np.count_nonzero(np.isfinite(shift)) == shift.size:  # every max is finite
        shifted = x - shift
        return shift, shifted, np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
    shift = np.where(np.isfinite(shift), shift, 0)  # a row of -inf, or a +inf, would make x - m a nan
    shifted = x - shift
    with np.errstate(divide="ignore"):  # log(0) = -inf for a row of -inf
        return shift, shifted, np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
