"""Tests for the reductions of issue 15 (reductions.py): min, prod, var, std, argmax, argmin, gradient-checked
in float64 over every way to name the axes, compared with numpy, and with PyTorch where installed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import Tensor, gradcheck

from .conftest import arrays, assert_matches_torch, away_from_zero, distinct_arrays
from .test_tensor import AXES, shape_and_axis


def param(array) -> Tensor:
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def count(shape: tuple[int, ...], axis) -> int:
    axes = range(len(shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


REDUCTIONS = {  # name: (ours, numpy's)
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


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [a for a in AXES if a != ()], ids=repr)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_over_every_axis_combination(name, axis, keepdims):
    ours, numpys = REDUCTIONS[name]
    # Distinct values, spaced 0.5 apart and away from 0: min has a derivative only where it is unique.
    x = (np.random.default_rng(1).permutation(24).reshape(2, 3, 4) * 0.5 - 5.75) / 3
    out = ours(param(x), axis, keepdims)
    expected = numpys(x, axis, keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradcheck(lambda t: ours(t, axis, keepdims), [param(x)])


@pytest.mark.parametrize("name", REDUCTIONS)
@given(shape_axis=shape_and_axis(), keepdims=st.booleans(), data=st.data())
def test_reductions_over_any_shape(name, shape_axis, keepdims, data):
    ours, numpys = REDUCTIONS[name]
    shape, axis = shape_axis
    if name.startswith(("var", "std")):  # n > 1: for std, a variance above 0, where it has a slope
        assume(axis != () and count(shape, axis) > 1)
    elements = data.draw(st.sampled_from(["distinct", "away from zero"]), label="kind")
    if elements == "distinct" or name.startswith(("min", "std")):  # no ties, no zero variance
        x = data.draw(distinct_arrays(shape), label="x")
    else:
        x = data.draw(arrays(shape, away_from_zero(0.3, 1.5)), label="x")
    np.testing.assert_allclose(ours(param(x), axis, keepdims).data, numpys(x, axis, keepdims), rtol=1e-12)
    assert gradcheck(lambda t: ours(t, axis, keepdims), [param(x)])


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


# ---- against PyTorch, where installed ---------------------------------------------------------

X = np.array([[0.5, 2.0, 2.0, -1.0], [1.5, 0.0, 1.5, 3.0], [-2.0, 0.0, 0.0, 1.0]])
TORCH = {
    "min with ties": (lambda x: x.min(1), lambda x: x.amin(1)),
    "min of all": (lambda x: x.min(), lambda x: x.amin()),
    "prod with zeros": (lambda x: x.prod(1), lambda x: x.prod(1)),
    "prod of all": (lambda x: x[0].prod(), lambda x: x[0].prod()),
    "var": (lambda x: x.var(1), lambda x: x.var(1)),
    "var correction=0": (lambda x: x.var(0, correction=0), lambda x: x.var(0, correction=0)),
    "std keepdims": (lambda x: x.std(1, keepdims=True), lambda x: x.std(1, keepdim=True)),
    "std of all": (lambda x: x.std(), lambda x: x.std()),
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
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
