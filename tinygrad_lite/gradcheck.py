"""gradcheck(): compare the gradients backward() computes with central finite differences.

For inputs x and a function f, pick a fixed random weight w for each output and
look at the scalar L = sum(w * f(x)). Backward gives dL/dx analytically; the
numeric estimate for each element is

    dL/dx_i  ~  (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)

whose error shrinks like eps^2. In float32 the rounding error of L swamps that,
so Tensors must be float64 (Values are always Python floats, i.e. float64).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import backward, no_grad
from .tensor import Tensor
from .value import Value


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with the finite-difference one."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Value | Tensor],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    seed: int = 0,
) -> bool:
    """Check the gradient of `fn(*inputs)` against central differences.

    `inputs` are Values, or Tensors (float64; those with requires_grad=True are
    checked, the rest are constants). `fn` returns a Value, a list of Values or
    a Tensor. Returns True, or raises GradcheckError listing the worst
    mismatches: which input, which element, analytic vs numeric.
    """
    inputs = list(inputs)
    checked = [i for i, x in enumerate(inputs) if _is_checked("gradcheck", i, x)]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; pass Values or Tensors with requires_grad=True")
    outputs = _outputs(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(np.shape(out.data)) for out in outputs]

    for x in inputs:
        x.zero_grad()
    for out, w in zip(outputs, weights):
        if out.requires_grad and (out.parents or out in inputs):
            backward(out, float(w) if isinstance(out, Value) else w.astype(out.dtype))

    def weighted_output() -> float:
        with no_grad():
            return sum(float(np.sum(w * out.data)) for out, w in zip(_outputs(fn(*inputs)), weights))

    mismatches = []
    for i in checked:
        analytic = (
            np.zeros(np.shape(inputs[i].data))
            if inputs[i].grad is None
            else np.asarray(inputs[i].grad, float)
        )
        numeric = _numeric_gradient(weighted_output, inputs[i], eps)
        bad = ~np.isclose(analytic, numeric, rtol=rtol, atol=atol, equal_nan=True)
        for index in zip(*np.nonzero(bad)) if analytic.ndim else ([()] if bad else []):
            mismatches.append(
                (abs(analytic[index] - numeric[index]), i, index, analytic[index], numeric[index])
            )
    if mismatches:
        raise GradcheckError(_report(mismatches, atol, rtol))
    return True


def _is_checked(op: str, i: int, x: Any) -> bool:
    if isinstance(x, Value):
        return True
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input {i} must be a Value or a Tensor, got {type(x).__name__}")
    if x.requires_grad and x.dtype != np.float64:
        raise ValueError(
            f"{op}: input {i} is {x.dtype}; finite differences need float64 (create it with dtype=np.float64)"
        )
    return x.requires_grad


def _outputs(result: Any) -> list[Value | Tensor]:
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    for out in outputs:
        if not isinstance(out, (Value, Tensor)):
            raise TypeError(
                f"gradcheck: fn must return a Value, a list of Values or a Tensor, got {type(out).__name__}"
            )
    return outputs


def _numeric_gradient(f: Callable[[], float], x: Value | Tensor, eps: float) -> np.ndarray:
    """(f(x + eps) - f(x - eps)) / 2 eps for each element of x, changing x in place and back."""
    if isinstance(x, Value):
        original = x.data
        x.data = original + eps
        plus = f()
        x.data = original - eps
        minus = f()
        x.data = original
        return np.asarray((plus - minus) / (2 * eps))
    numeric = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        original = x.data[index]
        x.data[index] = original + eps
        plus = f()
        x.data[index] = original - eps
        minus = f()
        x.data[index] = original
        numeric[index] = (plus - minus) / (2 * eps)
    return numeric


def _report(mismatches: list, atol: float, rtol: float) -> str:
    mismatches.sort(key=lambda m: -m[0] if m[0] == m[0] else -np.inf)
    lines = [
        f"gradcheck: {len(mismatches)} gradient element(s) differ (atol={atol}, rtol={rtol}); worst first:"
    ]
    for diff, i, index, analytic, numeric in mismatches[:10]:
        where = f"element {tuple(int(k) for k in index)}" if index else "the value"
        lines.append(
            f"  input {i}, {where}: analytic {analytic:.8g} vs numeric {numeric:.8g} (diff {diff:.3g})"
        )
    return "\n".join(lines)
