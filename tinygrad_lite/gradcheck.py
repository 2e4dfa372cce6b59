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

from . import checks
from .engine import backward, no_grad
from .tensor import Tensor
from .value import Value


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with the finite-difference one.

    Besides the message it keeps both gradients of the weighted sum L, by input
    position, for whoever wants to look closer (`testing.check_op` diagnoses
    them): `analytic[i]` and `numeric[i]` are arrays of input i's shape, and
    `weights` holds the random weight of each output.
    """

    def __init__(
        self,
        message: str,
        analytic: dict[int, np.ndarray] | None = None,
        numeric: dict[int, np.ndarray] | None = None,
        weights: list[np.ndarray] | None = None,
    ) -> None:
        super().__init__(message)
        self.analytic = analytic or {}
        self.numeric = numeric or {}
        self.weights = weights or []


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Value | Tensor] | Value | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    seed: int = 0,
) -> bool:
    """Check the gradient of `fn(*inputs)` against central differences.

    `inputs` are Values, or Tensors (float64; those with requires_grad=True are
    checked, the rest are constants); one input may come alone, as in PyTorch.
    `fn` returns a Value, a list of Values or a Tensor. Returns True, or raises
    GradcheckError listing the worst mismatches: which input, which element,
    analytic vs numeric.
    """
    inputs = _input_list("gradcheck", inputs)
    checked = [i for i, x in enumerate(inputs) if _is_checked("gradcheck", i, x)]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; pass Values or Tensors with requires_grad=True")
    eps = checks.positive_number("gradcheck", "eps", eps)
    atol = checks.non_negative_number("gradcheck", "atol", atol)
    rtol = checks.non_negative_number("gradcheck", "rtol", rtol)
    rng = checks.rng("gradcheck", seed, "seed")
    outputs = _outputs(fn(*inputs))
    weights = [rng.standard_normal(np.shape(out.data)) for out in outputs]

    for x in inputs:
        x.zero_grad()
    for out, w in zip(outputs, weights):
        if out.requires_grad and (out.parents or any(out is x for x in inputs)):
            backward(out, float(w) if isinstance(out, Value) else w.astype(out.dtype))

    def weighted_output(*_: Any) -> float:
        return sum(float(np.sum(w * out.data)) for out, w in zip(_outputs(fn(*inputs)), weights))

    numerics = numerical_grad(weighted_output, inputs, eps)
    analytic, numeric, mismatches = {}, {}, []
    for i in checked:
        grad = inputs[i].grad
        analytic[i] = np.zeros(np.shape(inputs[i].data)) if grad is None else np.asarray(grad, float)
        numeric[i] = np.asarray(numerics[i], float)
        bad = ~np.isclose(analytic[i], numeric[i], rtol=rtol, atol=atol, equal_nan=True)
        for index in zip(*np.nonzero(bad)) if bad.ndim else ([()] if bad else []):
            a, n = analytic[i][index], numeric[i][index]
            mismatches.append((abs(a - n), i, index, a, n))
    if mismatches:
        raise GradcheckError(_report(mismatches, atol, rtol), analytic, numeric, weights)
    return True


def _input_list(owner: str, inputs: Any) -> list:
    """`inputs` as a list; one Value or Tensor alone is a list of one (as in torch.autograd.gradcheck)."""
    if isinstance(inputs, (Value, Tensor)):
        return [inputs]
    try:
        return list(inputs)
    except TypeError:  # not iterable
        raise TypeError(
            f"{owner}: inputs must be a list of Values or Tensors, got {type(inputs).__name__}"
        ) from None


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


def numerical_grad(
    fn: Callable[..., Any], inputs: Sequence[Value | Tensor] | Value | Tensor, eps: float = 1e-6
) -> list[float | np.ndarray | None]:
    """d fn / d input for each input, by central differences: the estimate `gradcheck` uses.

    `fn(*inputs)` must return one number: a float, a Value or a one-element
    Tensor. Each element of each input is nudged in place to x + eps and
    x - eps (and put back), and fn is evaluated under `no_grad`:

        d fn / d x_i  ~  (fn(x + eps e_i) - fn(x - eps e_i)) / (2 eps)

    Returns one entry per input (one input may come alone, as in `gradcheck`):
    a float for a Value, an array of the input's shape for a Tensor, None for a
    Tensor that does not require grad (a constant). Tensors that require grad
    must be float64.
    """
    inputs = _input_list("numerical_grad", inputs)
    wanted = [_is_checked("numerical_grad", i, x) for i, x in enumerate(inputs)]
    eps = checks.positive_number("numerical_grad", "eps", eps)

    def f() -> float:
        with no_grad():
            return _number(fn(*inputs))

    grads: list[float | np.ndarray | None] = []
    for x, want in zip(inputs, wanted):
        if not want:
            grads.append(None)
        elif isinstance(x, Value):
            grads.append(_central_difference(f, x, None, eps))
        else:
            grads.append(
                np.reshape([_central_difference(f, x, k, eps) for k in np.ndindex(*x.shape)], x.shape)
            )
    return grads


def _central_difference(f: Callable[[], float], x: Value | Tensor, index: tuple | None, eps: float) -> float:
    """(f(x + eps) - f(x - eps)) / 2 eps, nudging element `index` of x (a Value's value: None) in place."""

    def put(number: float) -> None:
        if index is None:
            x.data = number
        else:
            x.data[index] = number

    original = x.data if index is None else x.data[index]
    put(original + eps)
    plus = f()
    put(original - eps)
    minus = f()
    put(original)
    return (plus - minus) / (2 * eps)


def _number(result: Any) -> float:
    """fn's result as a float, if it is one number."""
    if isinstance(result, (Value, Tensor)) and np.size(result.data) == 1:
        return float(np.asarray(result.data).item())
    if isinstance(result, (int, float, np.floating, np.integer)) and not isinstance(result, bool):
        return float(result)
    shape = f" of shape {result.shape}" if isinstance(result, Tensor) else ""
    raise ValueError(
        "numerical_grad: fn must return one number (a float, a Value or a one-element Tensor), "
        f"got {type(result).__name__}{shape}"
    )


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
