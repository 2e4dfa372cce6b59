"""Testing your own op: `check_op`, the gradient check a teacher writes by hand, and hypothesis strategies.

`check_op(op)` draws inputs on the op's domain, in shapes that broadcast,
compares the forward with a reference function and the backward with central
differences (`gradcheck`), and returns quietly, or raises `OpCheckError` with a
report: the case, the input, the element, analytic vs numeric, and a hint when
the mistake has a familiar pattern (a factor of 2, a flipped sign, a zero
gradient, a forgotten g, a broadcast input not summed, one wrong element: `hints.py`).

`check_op` needs numpy alone. The strategies (`arrays`, `tensors`,
`broadcastable_shapes`) need hypothesis (`pip install hypothesis`).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from .hints import Case, hint
from .tensor import Tensor
from .value import Value


class OpCheckError(AssertionError):
    """`check_op` found the op wrong; the message is the report (an AssertionError, so pytest shows it)."""


@dataclass(frozen=True)
class Domain:
    """Where inputs are drawn: uniform in [low, high] (and in [-high, -low] too with `both_signs`).

    With `distinct`, the numbers of all inputs with this domain are spread
    evenly over [low, high] in random order: no two tie (for max, min, maximum).
    """

    low: float
    high: float
    both_signs: bool = False
    distinct: bool = False

    def __post_init__(self) -> None:
        lo, hi = self.low, self.high
        finite = all(checks.is_number(b) and math.isfinite(b) for b in (lo, hi))
        if not finite or lo > hi or (self.distinct and lo == hi):
            raise ValueError(
                f"Domain: expected finite low <= high (< if distinct), got low={lo!r}, high={hi!r}"
            )


DOMAINS = {
    "real": Domain(-2.0, 2.0),  # exp, tanh, sigmoid, +, *
    "positive": Domain(0.2, 3.0),  # log, sqrt, x ** 0.5
    "away_from_zero": Domain(0.2, 3.0, both_signs=True),  # 1 / x, abs, relu: no kink within a step
    "unit": Domain(-0.9, 0.9),  # arcsin, arctanh: inside (-1, 1)
    "distinct": Domain(-2.0, 2.0, distinct=True),  # max, min, maximum: no ties
}
KINDS = ("tensor", "value", "both")


def check_op(
    op: Callable[..., Any] | type[Function],
    *,
    domain: str | Domain | Sequence[str | Domain] = "real",
    shapes: Sequence[Any] | None = None,
    dtype: Any = np.float64,
    reference: Callable[..., Any] | None = None,
    kind: str = "tensor",
    examples: int = 2,
    seed: int = 0,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> None:
    """Check an op's forward (against `reference`) and backward (against finite differences).

    `op` is a function of Tensors (or Values) such as `lambda x: x.tanh()`, one
    built with `op()`, or a `Function` subclass (its `apply` is called).
    `domain` names where inputs come from (a key of DOMAINS, or a `Domain`), one
    for all inputs or one per input. `shapes` lists the cases, each a shape (one
    input) or a tuple of shapes; by default every input is checked alone and
    broadcast against the others. `reference` is the numpy function the forward
    should agree with. `kind` is "tensor", "value" or "both". Each case is drawn
    `examples` times from `seed`. Gradients are checked in float64; with
    dtype=np.float32 the forward is also run in float32 and must stay float32.
    Returns None, or raises OpCheckError with a report.
    """
    fn, name, arity = _callable(op, shapes)
    domains = _domains(domain, arity)
    kinds = _kinds(kind, shapes)
    dtype = _dtype(dtype, "check_op")
    cases = _cases(shapes, arity, kinds)
    rng = np.random.default_rng(seed)
    for engine in kinds:
        results = []
        for case_shapes in cases if engine == "tensor" else [((),) * arity]:
            for _ in range(examples):
                arrays = _draw_case(rng, domains, case_shapes)
                try:
                    _check_forward(fn, name, engine, arrays, reference, dtype)
                    results.append(_gradient_case(fn, engine, arrays, eps, atol, rtol))
                except OpCheckError:
                    raise
                except Exception as error:  # the op's own error, with the inputs that caused it
                    raise OpCheckError(
                        f"check_op({name}): {type(error).__name__} on {_describe(engine, arrays)}: {error}"
                    ) from error
        failed = [r for r in results if r.error is not None]
        if failed:
            raise OpCheckError(_report(name, engine, results, failed, atol, rtol))


# ---- what check_op is given --------------------------------------------------------------------


def _callable(op: Any, shapes: Any) -> tuple[Callable[..., Any], str, int]:
    """The function to call, its name for the report, and how many inputs it takes."""
    if isinstance(op, type) and issubclass(op, Function):
        fn, name, signature_of, skip = op.apply, op.__name__, op.forward, 1  # forward(ctx, ...)
    elif callable(op):
        fn, name, signature_of, skip = op, getattr(op, "__name__", type(op).__name__), op, 0
    else:
        raise TypeError(f"check_op: op must be a function or a Function subclass, got {type(op).__name__}")
    if shapes is not None:
        return fn, name, len(_as_case(shapes[0])) if len(shapes) else 0
    try:
        parameters = list(inspect.signature(signature_of).parameters.values())[skip:]
    except (TypeError, ValueError):
        parameters = [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)]
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        raise TypeError(f"check_op: cannot tell how many inputs {name} takes; pass shapes=[...]")
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return fn, name, sum(p.kind in positional and p.default is p.empty for p in parameters)


def _as_case(entry: Any) -> tuple[tuple[int, ...], ...]:
    """A case of `shapes`: a shape (one input) or a tuple of shapes."""
    entry = tuple(entry)
    if all(isinstance(n, (int, np.integer)) for n in entry):
        return (tuple(int(n) for n in entry),)
    return tuple(tuple(int(n) for n in shape) for shape in entry)


def _domains(domain: Any, arity: int) -> list[Domain]:
    many = isinstance(domain, (list, tuple))
    domains = [_domain(d, "check_op") for d in domain] if many else [_domain(domain, "check_op")] * arity
    if len(domains) != arity:
        raise ValueError(f"check_op: got {len(domains)} domains for an op of {arity} input(s)")
    return domains


def _domain(domain: Any, owner: str) -> Domain:
    if isinstance(domain, Domain):
        return domain
    if not isinstance(domain, str) or domain not in DOMAINS:
        raise ValueError(f"{owner}: domain must be a Domain or one of {', '.join(DOMAINS)}; got {domain!r}")
    return DOMAINS[domain]


def _kinds(kind: Any, shapes: Any) -> list[str]:
    if kind not in KINDS:
        raise ValueError(f"check_op: kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind == "value" and shapes is not None:
        raise ValueError("check_op: Values have no shapes; leave shapes out with kind='value'")
    return ["tensor", "value"] if kind == "both" else [kind]


def _dtype(dtype: Any, owner: str) -> np.dtype:
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"{owner}: dtype must be np.float64 or np.float32, got {dtype!r}")
    return np.dtype(dtype)


def _cases(shapes: Any, arity: int, kinds: list[str]) -> list[tuple[tuple[int, ...], ...]]:
    if shapes is None:
        return default_shapes(checks.positive_int("check_op", "the op's number of inputs", arity))
    cases = [_as_case(entry) for entry in shapes]
    if not cases or any(len(case) != arity for case in cases):
        raise ValueError(f"check_op: each case of shapes needs {arity} shape(s), got {list(shapes)!r}")
    return cases


def default_shapes(n: int) -> list[tuple[tuple[int, ...], ...]]:
    """The cases `check_op` draws for an op of n inputs: for one input four ranks; for more, all of
    shape (2, 3), then each input alone as (3,), (2, 1) and () against the others, then (2, 1) with (1, 3)."""
    if checks.positive_int("default_shapes", "n", n) == 1:
        return [((),), ((3,),), ((2, 3),), ((2, 1, 4),)]
    cases = [((2, 3),) * n]
    for small in ((3,), (2, 1), ()):
        cases += [tuple(small if k == i else (2, 3) for k in range(n)) for i in range(n)]
    return [*cases, ((2, 1), *[(1, 3)] * (n - 1))]


# ---- one case: draw, run the forward, check the backward -----------------------------------------


def _draw_case(rng: np.random.Generator, domains: list[Domain], shapes: tuple) -> list[np.ndarray]:
    arrays = []
    for domain, shape in zip(domains, shapes):
        x = rng.uniform(domain.low, domain.high, shape)
        arrays.append(x * rng.choice([-1.0, 1.0], shape) if domain.both_signs else x)
    spread = [i for i, d in enumerate(domains) if d.distinct]
    if spread:
        sizes = [arrays[i].size for i in spread]
        d = domains[spread[0]]
        numbers = np.linspace(d.low, d.high, sum(sizes))[rng.permutation(sum(sizes))]
        for i, part in zip(spread, np.split(numbers, np.cumsum(sizes)[:-1])):
            arrays[i] = part.reshape(shapes[i])
    return arrays


def _inputs(engine: str, arrays: list[np.ndarray], dtype: np.dtype) -> list[Tensor | Value]:
    if engine == "value":
        return [Value(float(a)) for a in arrays]
    return [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def _check_forward(fn: Callable, name: str, engine: str, arrays: list, reference: Any, dtype: Any) -> None:
    """The forward: a Tensor (or Value) of the reference's value, in the inputs' dtype."""
    dtypes = [np.dtype(np.float64)] if engine == "value" else sorted({np.dtype(np.float64), dtype}, key=str)
    for dt in dtypes:
        out = fn(*_inputs(engine, arrays, dt))
        kind = Value if engine == "value" else Tensor
        where = f"{name} on {_describe(engine, arrays)}"
        if not isinstance(out, kind):
            raise OpCheckError(f"check_op({name}): expected a {kind.__name__} from {where}, got {out!r}")
        if engine == "tensor" and out.dtype != dt:
            raise OpCheckError(f"check_op({name}): {where} in {dt} gave {out.dtype}; keep the inputs' dtype")
        if reference is not None:
            _compare(name, where, np.asarray(out.data), np.asarray(reference(*arrays)), dt)


def _compare(name: str, where: str, got: np.ndarray, expected: np.ndarray, dt: np.dtype) -> None:
    rtol, atol = (1e-9, 1e-12) if dt == np.float64 else (1e-5, 1e-6)
    if got.shape != expected.shape:
        raise OpCheckError(
            f"check_op({name}): the forward of {where} has shape {got.shape}, "
            f"the reference's {expected.shape}"
        )
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        index = tuple(int(k) for k in np.argwhere(bad)[0])
        raise OpCheckError(
            f"check_op({name}): the forward of {where} ({dt}) differs from the reference at "
            f"{bad.sum()} element(s); first at {index or 'the value'}: got {got[index]:.10g}, "
            f"expected {expected[index]:.10g}"
        )


def _describe(engine: str, arrays: list[np.ndarray]) -> str:
    if engine == "value":
        return "Values " + ", ".join(f"{float(a):.6g}" for a in arrays)
    return "inputs of shapes " + ", ".join(str(a.shape) for a in arrays)


def _gradient_case(fn: Callable, engine: str, arrays: list, eps: float, atol: float, rtol: float) -> Case:
    case = Case(_describe(engine, arrays), [a.shape for a in arrays], None)
    try:
        gradcheck(fn, _inputs(engine, arrays, np.dtype(np.float64)), eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as error:
        case.error = error
    return case


# ---- the report ----------------------------------------------------------------------------------


def _report(name: str, engine: str, results: list, failed: list[Case], atol: float, rtol: float) -> str:
    first = failed[0]
    lines = [
        f"check_op({name}): the backward disagrees with finite differences in {len(failed)} of "
        f"{len(results)} checks ({engine.capitalize()} inputs).",
        f"First failing case: {first.description}. The numbers are gradients of L = sum(w * out) for "
        "fixed random weights w:",
        *("  " + line for line in str(first.error).splitlines()),
    ]
    found = hint(results, atol, rtol)
    return "\n".join(lines + ([f"Hint: {found}"] if found else []))


# ---- hypothesis strategies -------------------------------------------------------------------------


def _hypothesis() -> tuple[Any, Any]:
    try:
        from hypothesis import strategies as st
        from hypothesis.extra import numpy as hnp
    except ImportError:
        raise ImportError(
            "tinygrad_lite.testing: the hypothesis strategies need hypothesis: pip install hypothesis"
        ) from None
    return st, hnp


def arrays(shape: Any = None, *, dtype: Any = np.float64, domain: str | Domain = "real") -> Any:
    """A hypothesis strategy for numpy arrays of `shape` (a tuple, a strategy of tuples, or None for any
    shape of up to 3 axes of up to 3) and `dtype`, with elements drawn from `domain` (see DOMAINS)."""
    return _arrays("arrays", shape, dtype, domain)


def tensors(
    shape: Any = None, *, dtype: Any = np.float64, domain: str | Domain = "real", requires_grad: bool = True
) -> Any:
    """A hypothesis strategy for Tensors: `arrays(shape, dtype=..., domain=...)`, wrapped."""
    return _arrays("tensors", shape, dtype, domain).map(lambda a: Tensor(a, requires_grad=requires_grad))


def _arrays(owner: str, shape: Any, dtype: Any, domain: Any) -> Any:
    st, hnp = _hypothesis()
    d, dtype = _domain(domain, owner), _dtype(dtype, owner)
    if shape is None:
        shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: _arrays(owner, s, dtype, d))
    shape = checks.shape(owner, (shape,))
    if d.distinct:
        size = int(np.prod(shape))
        grid = np.linspace(d.low, d.high, size).astype(dtype)
        return st.permutations(range(size)).map(lambda order: grid[list(order)].reshape(shape))
    width = 64 if dtype == np.float64 else 32
    low, high = (float(dtype.type(bound)) for bound in (d.low, d.high))
    elements = st.floats(low, high, width=width)
    if d.both_signs:
        elements = elements | st.floats(-high, -low, width=width)
    return hnp.arrays(dtype, shape, elements=elements)


def broadcastable_shapes(n: int = 2, *, max_dims: int = 3, max_side: int = 3) -> Any:
    """A hypothesis strategy for tuples of n shapes that broadcast together, as numpy's rules allow."""
    _, hnp = _hypothesis()
    name = "broadcastable_shapes"
    n, side = checks.positive_int(name, "n", n), checks.positive_int(name, "max_side", max_side)
    if not checks.is_int(max_dims) or not 0 <= max_dims <= 32:  # 32: hypothesis's limit
        raise ValueError(f"{name}: max_dims must be an int in [0, 32], got {max_dims!r}")
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=0, max_dims=max_dims, min_side=1, max_side=side
    ).map(lambda shapes: shapes.input_shapes)
