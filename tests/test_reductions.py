"""Tests for reductions.py: sum, mean, max, min, prod, var, std, logsumexp over every way to name the axes,
softmax and log_softmax along one, argmax and argmin; gradient-checked in float64, compared with numpy, and
with PyTorch where installed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import Tensor, gradcheck

from .conftest import (
    arrays,
    assert_matches_torch,
    away_from_zero,
    distinct_arrays,
    param,
    random_array,
    shapes,
)


def count(shape: tuple[int, ...], axis) -> int:
    axes = range(len(shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


# ---- reductions over axes ---------------------------------------------------------------------
#
# Every way to name the axes of a 3-D tensor: none (all of them), one (counted from
# either end), several, and the empty tuple (reduce nothing); each with and without keepdims.

REDUCTIONS = {  # name: (ours, numpy's)
    "sum": (lambda x, axis, keep: x.sum(axis, keep), lambda a, axis, keep: np.sum(a, axis, keepdims=keep)),
    "mean": (lambda x, axis, keep: x.mean(axis, keep), lambda a, axis, keep: np.mean(a, axis, keepdims=keep)),
    "max": (lambda x, axis, keep: x.max(axis, keep), lambda a, axis, keep: np.max(a, axis, keepdims=keep)),
    "logsumexp": (
        lambda x, axis, keep: x.logsumexp(axis, keep),
        lambda a, axis, keep: np.log(np.sum(np.exp(a), axis, keepdims=keep)),
    ),
    "min": (lambda x, axis, keep: x.min(axis, keep), lambda a, axis, keep: np.min(a, axis, keepdims=keep)),
    "prod": (lambda x, axis, keep: x.prod(axis, keep), lambda a, axis, keep: np.prod(a, axis, keepdims=keep)),
    "var": (
        lambda x, axis, keep: x.var(axis, keepdims=keep),
        lambda a, axis, keep: np.var(a, axis, ddof=1, keepdims=keep),
    ),
    "var correction=0": (
        lambda x, axis, keep: x.var(axis, correction=0, keepdims=keep),
        lambda a, axis, keep: np.var(a, axis, keepdims=keep),
    ),
    "std": (
        lambda x, axis, keep: x.std(axis, keepdims=keep),
        lambda a, axis, keep: np.std(a, axis, ddof=1, keepdims=keep),
    ),
    "std correction=0": (
        lambda x, axis, keep: x.std(axis, correction=0, keepdims=keep),
        lambda a, axis, keep: np.std(a, axis, keepdims=keep),
    ),
}
AXES = [None, 0, 1, 2, -1, -3, (0, 1), (0, 2), (1, 2), (2, 0), (-1, 0), (0, 1, 2), ()]
# Over no axis, var and std see one element at a time: n - 1 = 0 (nan), and std has no slope at 0.
EVERY_AXIS = [
    (name, axis) for name in REDUCTIONS for axis in AXES if axis != () or not name.startswith(("var", "std"))
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize(("name", "axis"), EVERY_AXIS, ids=[f"{name}-{axis!r}" for name, axis in EVERY_AXIS])
def test_reductions_over_every_axis_combination(name, axis, keepdims):
    ours, numpys = REDUCTIONS[name]
    # Distinct values, spaced 1/6 apart and away from 0: max and min have a derivative only where
    # the extreme is unique, and prod's gradient is checked at zeros on its own, below.
    x = (np.random.default_rng(1).permutation(24).reshape(2, 3, 4) * 0.5 - 5.75) / 3
    out = ours(param(x), axis, keepdims)
    expected = numpys(x, axis, keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradcheck(lambda t: ours(t, axis, keepdims), [param(x)])


@st.composite
def shape_and_axis(draw: st.DrawFn) -> tuple:
    """A shape, and an axis argument valid for it: None, an int, or a tuple of distinct axes."""
    shape = draw(shapes)
    ndim = len(shape)
    if ndim == 0:
        return shape, draw(st.sampled_from([None, ()]))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return shape, None
    if kind == "int":
        return shape, draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return shape, tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


@pytest.mark.parametrize("name", REDUCTIONS)
@given(shape_axis=shape_and_axis(), keepdims=st.booleans(), data=st.data())
def test_reductions_over_any_shape(name, shape_axis, keepdims, data):
    ours, numpys = REDUCTIONS[name]
    shape, axis = shape_axis
    if name.startswith(("var", "std")):  # n > 1: for std, a variance above 0, where it has a slope
        assume(axis != () and count(shape, axis) > 1)
    elements = data.draw(st.sampled_from(["distinct", "away from zero"]), label="kind")
    if elements == "distinct" or name.startswith(("max", "min", "std")):  # no ties, no zero variance
        x = data.draw(distinct_arrays(shape), label="x")
    else:
        x = data.draw(arrays(shape, away_from_zero(0.3, 1.5)), label="x")
    np.testing.assert_allclose(ours(param(x), axis, keepdims).data, numpys(x, axis, keepdims), rtol=1e-12)
    assert gradcheck(lambda t: ours(t, axis, keepdims), [param(x)])


# ---- max and min at ties -------------------------------------------------------------------------


def test_max_ties_split_the_gradient_evenly():
    # Where several elements share the max, max has no derivative, only subgradients: any
    # split of g between the tied elements that sums to g is one. We split it evenly, as
    # PyTorch's amax does, so the rule is symmetric and the gradient still sums to g.
    x = param([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])

    m = param([[5.0, 5.0, 5.0], [2.0, 7.0, 7.0]])
    m.max(axis=1).backward(np.array([3.0, 1.0]))
    np.testing.assert_array_equal(m.grad, [[1.0, 1.0, 1.0], [0.0, 0.5, 0.5]])

    flat = param(np.full((2, 2), 4.0))
    flat.max(keepdims=True).backward(np.array([[1.0]]))
    np.testing.assert_array_equal(flat.grad, np.full((2, 2), 0.25))


def test_min_ties_split_the_gradient_evenly():
    x = param([[3.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    x.min(axis=1).backward(np.array([1.0, 3.0]))
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0]])


# ---- prod at zeros -------------------------------------------------------------------------


def test_prod_with_one_zero_gives_the_zero_the_product_of_the_others():
    x = param([[2.0, 0.0, 3.0], [2.0, 5.0, 3.0], [0.0, 0.0, 3.0]])
    x.prod(axis=1).backward(np.ones(3))
    # Row 0: the zero gets 2 * 3, the others 0; row 1: prod / x; row 2: two zeros, all 0.
    np.testing.assert_array_equal(x.grad, [[0.0, 6.0, 0.0], [15.0, 6.0, 10.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("zeros", [1, 2, 3])
@given(data=st.data())
def test_prod_with_zeros_is_gradient_checked(zeros, data):
    x = data.draw(arrays((2, 4), away_from_zero(0.5, 1.5)), label="x")
    for row in range(2):
        x[row, data.draw(st.permutations(range(4)), label="where")[:zeros]] = 0.0
    for axis in (None, 0, 1):
        assert gradcheck(lambda t, axis=axis: t.prod(axis), [param(x)])


# ---- var and std ------------------------------------------------------------------------------


def test_var_with_too_few_elements_is_inf_or_nan_as_pytorch():
    with np.errstate(all="ignore"):
        assert math.isnan(Tensor(np.array([2.0])).var().item())  # 0 / 0
        assert Tensor(np.array([2.0, 3.0])).var(correction=2).item() == math.inf  # 0.5 / 0
        assert Tensor(np.array([2.0])).var(correction=0).item() == 0.0


def test_var_of_float32_stays_float32():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    out = x.var(axis=1)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# ---- argmax and argmin ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_and_argmin_are_numpys_integers_without_gradient(name, axis, keepdims):
    x = np.array([[1.0, 5.0, 5.0], [7.0, -2.0, 7.0]])  # ties: the first index wins
    t = param(x)
    out = getattr(t, name)(axis, keepdims)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(out.data, expected)
    assert out.shape == np.shape(expected) and out.dtype.kind == "i"
    assert not out.requires_grad and not out.parents
    (t * 2).sum().backward()  # the graph around it still works
    np.testing.assert_array_equal(t.grad, np.full(x.shape, 2.0))


# ---- softmax and log_softmax -----------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_ops(name, axis):
    x = random_array(2, 3, 4)
    exps = np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
    expected = exps if name == "softmax" else np.log(exps)
    np.testing.assert_allclose(getattr(param(x), name)(axis).data, expected, rtol=1e-12)
    assert gradcheck(lambda t: getattr(t, name)(axis), [param(x)])


HUGE_LOGITS = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_ops_are_finite_for_huge_logits(dtype):
    # e^(1e4) overflows even float64; subtracting the max first keeps every step finite.
    cases = {
        "log_softmax": (lambda x: x.log_softmax(), [[0.0, -2e4, -1e4], [-math.log(3)] * 3]),
        "softmax": (lambda x: x.softmax(), [[1.0, 0.0, 0.0], [1 / 3] * 3]),
        "logsumexp": (lambda x: x.logsumexp(axis=-1), [1e4, -1e4 + math.log(3)]),
    }
    for name, (op, expected) in cases.items():
        x = Tensor(HUGE_LOGITS.astype(dtype), requires_grad=True)
        out = op(x)
        assert np.isfinite(out.data).all(), name
        np.testing.assert_allclose(out.data, expected, rtol=1e-6, err_msg=name)
        out.backward(random_array(*out.shape))
        assert np.isfinite(x.grad).all(), name


# ---- against PyTorch, where installed ---------------------------------------------------------

X = np.array([[0.5, 2.0, 2.0, -1.0], [1.5, 0.0, 1.5, 3.0], [-2.0, 0.0, 0.0, 1.0]])
TORCH = {  # name: (ours, torch's) on X, which has ties and zeros
    "sum axis 1 keepdims": (lambda x: x.sum(1, keepdims=True), lambda x: x.sum(1, keepdim=True)),
    "mean axis 0": (lambda x: x.mean(0), lambda x: x.mean(0)),
    "max with ties": (lambda x: x.max(1), lambda x: x.amax(1)),
    "max of all with ties": (lambda x: x[:, :3].max(), lambda x: x[:, :3].amax()),
    "min with ties": (lambda x: x.min(1), lambda x: x.amin(1)),
    "min of all": (lambda x: x.min(), lambda x: x.amin()),
    "prod with zeros": (lambda x: x.prod(1), lambda x: x.prod(1)),
    "prod of all": (lambda x: x[0].prod(), lambda x: x[0].prod()),
    "var": (lambda x: x.var(1), lambda x: x.var(1)),
    "var correction=0": (lambda x: x.var(0, correction=0), lambda x: x.var(0, correction=0)),
    "std keepdims": (lambda x: x.std(1, keepdims=True), lambda x: x.std(1, keepdim=True)),
    "std of all": (lambda x: x.std(), lambda x: x.std()),
    "logsumexp": (lambda x: x.logsumexp(-1), lambda x: x.logsumexp(-1)),
    "softmax axis 0": (lambda x: x.softmax(0), lambda x: x.softmax(0)),
    "log_softmax": (lambda x: x.log_softmax(-1), lambda x: x.log_softmax(-1)),
}


@pytest.mark.parametrize("name", TORCH)
def test_matches_pytorch(name):
    assert_matches_torch(*TORCH[name], X, rtol=1e-13)


def test_argmax_matches_pytorch():
    torch = pytest.importorskip("torch")
    for axis in (0, 1):
        np.testing.assert_array_equal(param(X).argmax(axis).data, torch.tensor(X).argmax(axis).numpy())
        np.testing.assert_array_equal(param(X).argmin(axis).data, torch.tensor(X).argmin(axis).numpy())


# ---- bad input gets a clear error ------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("sum-axis", lambda: t23().sum(axis=2), ValueError,
     r"^sum: axis 2 is out of range for a tensor of shape \(2, 3\)"),
    ("sum-axis-float", lambda: t23().sum(axis=1.5), TypeError,
     r"^sum: axis must be an int, a tuple of ints or None, got 1.5"),
    ("sum-axis-repeat", lambda: t23().sum(axis=(0, -2)), ValueError, r"^sum: axis \(0, -2\) repeats an axis"),
    ("mean-axis", lambda: t23().mean(axis=-3), ValueError, r"^mean: axis -3 is out of range"),
    ("max-axis", lambda: t23().max(axis=5), ValueError, r"^max: axis 5 is out of range"),
    ("max-empty", lambda: Tensor(np.zeros((0, 3))).max(), ValueError,
     r"^max: cannot take the max of an empty tensor \(shape \(0, 3\)\)"),
    ("min-axis", lambda: t23().min(axis=2), ValueError, r"^min: axis 2 is out of range for a tensor"),
    ("min-empty", lambda: Tensor(np.zeros((0, 3))).min(), ValueError,
     r"^min: cannot take the min of an empty tensor \(shape \(0, 3\)\)"),
    ("prod-axis", lambda: t23().prod(axis=(0, 0)), ValueError, r"^prod: axis \(0, 0\) repeats an axis"),
    ("var-axis", lambda: t23().var(axis=-3), ValueError, r"^var: axis -3 is out of range"),
    ("var-correction", lambda: t23().var(correction="1"),
     TypeError, r"^var: correction must be a number, got '1'"),
    ("std-axis", lambda: t23().std(axis=1.5),
     TypeError, r"^std: axis must be an int, a tuple of ints or None"),
    ("argmax-axis", lambda: t23().argmax(axis=2), ValueError, r"^argmax: axis 2 is out of range"),
    ("argmax-tuple", lambda: t23().argmax(axis=(0, 1)), TypeError,
     r"^argmax: axis must be a single int or None, got \(0, 1\)"),
    ("argmin-empty", lambda: Tensor(np.zeros(0)).argmin(), ValueError,
     r"^argmin: cannot take the argmin of an empty tensor \(shape \(0,\)\)"),
    ("logsumexp-axis", lambda: t23().logsumexp(axis=3), ValueError, r"^logsumexp: axis 3 is out of range"),
    ("logsumexp-empty", lambda: Tensor(np.zeros((2, 0))).logsumexp(), ValueError,
     r"^logsumexp: axis .* of shape \(2, 0\) is empty"),
    ("softmax-empty", lambda: Tensor(np.zeros((2, 0))).softmax(), ValueError,
     r"^log_softmax: axis .* of shape \(2, 0\) is empty"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
