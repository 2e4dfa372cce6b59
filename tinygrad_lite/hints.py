"""Hints for a failed gradient check: which familiar mistake the mismatches look like.

`check_op` checks an op's backward on many cases. When some fail, `hint` looks
at all of them together, every mismatching element, and names the pattern it
finds, in this order: a gradient that is zero everywhere; the local derivative
not multiplied by g; an input wrong only where it was broadcast (its gradient
not summed back); the same factor everywhere (2, or -1: a flipped sign); one or
two wrong elements (a special case in backward). Anything else gets no hint:
the numbers speak for themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gradcheck import GradcheckError


@dataclass
class Case:
    """One gradient check `check_op` ran: its inputs (described), their shapes, and gradcheck's error
    (None where it passed)."""

    description: str
    shapes: list[tuple[int, ...]]
    error: GradcheckError | None

    def was_broadcast(self, i: int) -> bool:
        """Whether input i was stretched to the shape of the others (never in an op that does not
        broadcast, such as matmul)."""
        try:
            return self.shapes[i] != np.broadcast_shapes(*self.shapes)
        except ValueError:  # shapes that do not broadcast together
            return False


def hint(results: list[Case], atol: float, rtol: float) -> str | None:
    """A hint naming the pattern of the mismatches, if they follow a familiar one (else None)."""
    failed = [r for r in results if r.error is not None]
    pairs = [(r, i) for r in failed for i in r.error.analytic]
    wrong = {(id(r), i): _wrong(r.error, i, atol, rtol) for r, i in pairs}
    bad_pairs = [(r, i) for r, i in pairs if wrong[id(r), i].any()]
    analytic = np.concatenate([r.error.analytic[i].ravel() for r, i in bad_pairs])
    numeric = np.concatenate([r.error.numeric[i].ravel() for r, i in bad_pairs])
    if not analytic.any():
        return "the gradient is zero everywhere: does backward return the gradient (times g) for each input?"
    if all(_forgot_g(r.error, i) for r, i in bad_pairs):
        return "analytic * w = numeric: backward returns the local derivative but forgets to multiply it by g"
    for i in sorted({i for _, i in bad_pairs}):
        if broadcast := _broadcast_hint(results, wrong, i):
            return broadcast
    factor = _common_factor(analytic, numeric)
    if factor is not None and len(failed) == len(results):
        if np.isclose(factor, -1):
            return "analytic = -numeric everywhere: the sign is flipped"
        return (
            f"analytic = {factor:.4g} * numeric everywhere: your backward is off by a factor of {factor:.4g}"
        )
    counts = [int(wrong[id(r), i].sum()) for r, i in bad_pairs]
    sizes = [wrong[id(r), i].size for r, i in bad_pairs]
    if max(counts) <= 2 and all(3 * c <= s for c, s in zip(counts, sizes)):
        r, i = bad_pairs[0]
        where = ", ".join(str(tuple(int(k) for k in index)) for index in np.argwhere(wrong[id(r), i]))
        return (
            f"only element(s) {where} of input {i} disagree, the others agree: look for a special case in "
            "backward (an index, a mask, a boundary)"
        )
    return None


def _wrong(error: GradcheckError, i: int, atol: float, rtol: float) -> np.ndarray:
    return ~np.isclose(error.analytic[i], error.numeric[i], rtol=rtol, atol=atol, equal_nan=True)


def _forgot_g(error: GradcheckError, i: int) -> bool:
    """analytic * w == numeric, w the weights of the one output, of the input's shape (elementwise ops)."""
    if len(error.weights) != 1 or np.shape(error.weights[0]) != np.shape(error.analytic[i]):
        return False
    return bool(np.allclose(error.analytic[i] * error.weights[0], error.numeric[i], rtol=1e-4, atol=1e-6))


def _broadcast_hint(results: list[Case], wrong: dict, i: int) -> str | None:
    """Input i wrong in some cases, in each of them broadcast, and right in a case where it was not."""
    fails = [r for r in results if r.error is not None and (id(r), i) in wrong and wrong[id(r), i].any()]
    passes = [r for r in results if r not in fails]
    if not fails or not all(r.was_broadcast(i) for r in fails) or all(r.was_broadcast(i) for r in passes):
        return None
    r = fails[0]
    return (
        f"input {i} is wrong only where it was broadcast (shape {r.shapes[i]} against "
        f"{np.broadcast_shapes(*r.shapes)}): its gradient must be summed over the broadcast axes "
        "(did you forget to sum, or take one copy, or the mean?)"
    )


def _common_factor(analytic: np.ndarray, numeric: np.ndarray) -> float | None:
    """c if analytic = c * numeric at every element where numeric is not tiny, rounded to 4 digits."""
    big = np.abs(numeric) > 1e-4 * np.abs(numeric).max()
    if not big.any() or not np.isfinite(analytic).all():
        return None
    ratios = analytic[big] / numeric[big]
    c = float(np.median(ratios))
    if c == 0 or not np.allclose(ratios, c, rtol=1e-3) or np.isclose(c, 1, rtol=1e-3):
        return None
    return float(f"{c:.4g}")
