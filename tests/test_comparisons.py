"""Tests for comparisons.py (and the Value comparisons in value.py): < <= > >= == != on Tensors
(elementwise, broadcast, boolean, no gradient) and on Values (Python bools, == stays identity), tensors
hashed by identity in sets and dicts, isclose and allclose with numpy's rules.

len, numel, bool and dot are Tensor's own, in tensor.py: tests/test_tensor.py checks them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import Tensor, Value, allclose, isclose

from .conftest import arrays, grid, param

COMPARISONS = {
    "<": (lambda a, b: a < b, np.less),
    "<=": (lambda a, b: a <= b, np.less_equal),
    ">": (lambda a, b: a > b, np.greater),
    ">=": (lambda a, b: a >= b, np.greater_equal),
    "==": (lambda a, b: a == b, np.equal),
    "!=": (lambda a, b: a != b, np.not_equal),
}


@pytest.mark.parametrize("symbol", COMPARISONS)
@given(data=st.data())
def test_tensor_comparisons_are_elementwise_booleans_without_gradient(symbol, data):
    op, numpy_op = COMPARISONS[symbol]
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3)).input_shapes
    a = data.draw(arrays(shape_a, grid(0.0, 2)), label="a")  # a small grid: ties happen
    b = data.draw(arrays(shape_b, grid(0.0, 2)), label="b")
    for left, right, expected in [
        (param(a), param(b), numpy_op(a, b)),
        (param(a), b, numpy_op(a, b)),  # an array on the right
        (param(a), 0.5, numpy_op(a, 0.5)),  # a number on either side
        (0.5, param(b), numpy_op(0.5, b)),
    ]:
        out = op(left, right)
        assert isinstance(out, Tensor) and out.dtype == np.bool_
        assert not out.requires_grad and not out.parents
        np.testing.assert_array_equal(out.data, expected)


def test_a_tensor_hashes_by_identity_so_graphs_with_tensors_in_sets_and_dicts_backprop():
    x = param([1.0, 2.0])
    same_numbers = param([1.0, 2.0])
    seen, names = {x, same_numbers}, {x: "x", same_numbers: "twin"}
    assert len(seen) == 2 and names[x] == "x" and names[same_numbers] == "twin"
    assert hash(x) != hash(same_numbers)
    # The engine keeps nodes in a set and a dict: a graph that uses x twice still gets both gradients.
    y = (x * x + x * same_numbers).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + same_numbers.data)
    np.testing.assert_array_equal(same_numbers.grad, x.data)


def test_a_comparison_inside_a_graph_masks_without_cutting_it():
    x = param([-1.0, 2.0, 3.0])
    y = (x * (x > 0)).sum()  # relu, written with a comparison
    y.backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])


# ---- Value: comparisons are Python bools; == stays identity (micrograd's) --------------------


@given(a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_value_comparisons_are_python_bools(a, b):
    va, vb = Value(a), Value(b)
    for result, expected in [
        (va < vb, a < b), (va <= vb, a <= b), (va > vb, a > b), (va >= vb, a >= b),
        (va < b, a < b), (a <= vb, a <= b), (b > va, b > a), (va >= 0, a >= 0),
    ]:  # fmt: skip
        assert type(result) is bool and result == expected


def test_value_equality_stays_identity_so_micrograds_sets_work():
    a, b = Value(2.0), Value(2.0)
    assert a == a and a != b and len({a, b}) == 2
    assert (a < 3) and not (a > 3)
    if a < b or a > b:
        pytest.fail("2 is neither below nor above 2")
    assert max([Value(1.0), Value(5.0), Value(3.0)]).data == 5.0  # max() compares with >


# ---- isclose, allclose ---------------------------------------------------------------------------


@given(data=st.data())
def test_isclose_is_numpys(data):
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3)).input_shapes
    a = data.draw(arrays(shape_a), label="a")
    b = data.draw(arrays(shape_b), label="b")
    nudge = data.draw(st.sampled_from([0.0, 1e-9, 1e-6, 1e-3]), label="nudge")
    for rtol, atol in [(1e-5, 1e-8), (1e-3, 0.0), (0.0, 1e-4)]:
        expected = np.isclose(a, b + nudge, rtol, atol)
        np.testing.assert_array_equal(isclose(Tensor(a), Tensor(b + nudge), rtol, atol).data, expected)
        np.testing.assert_array_equal(Tensor(a).isclose(b + nudge, rtol, atol).data, expected)
        assert allclose(Tensor(a), b + nudge, rtol, atol) is bool(expected.all())
        assert Tensor(a).allclose(Tensor(b + nudge), rtol, atol) is bool(expected.all())


def test_isclose_of_nan_and_inf_as_numpy():
    a = Tensor(np.array([math.nan, math.inf, -math.inf, 1.0]))
    b = np.array([math.nan, math.inf, math.inf, 1.0 + 1e-9])
    np.testing.assert_array_equal(isclose(a, b).data, [False, True, False, True])
    np.testing.assert_array_equal(isclose(a, b, equal_nan=True).data, [True, True, False, True])
    assert not allclose(a, b) and not a.allclose(b, equal_nan=True)
    assert not isclose(a, b).requires_grad


def test_isclose_takes_the_tensor_on_either_side_and_b_stays_the_reference():
    a, b = np.array([1.0, 100.0]), np.array([1.5, 110.0])  # |a - b| <= rtol * |b| holds for b, not for a
    expected = np.isclose(a, b, rtol=0.091, atol=0.0)
    np.testing.assert_array_equal(isclose(a, Tensor(b), rtol=0.091, atol=0.0).data, expected)
    np.testing.assert_array_equal(isclose(Tensor(a), b, rtol=0.091, atol=0.0).data, expected)
    assert expected.tolist() == [False, True] and not np.isclose(b, a, rtol=0.091, atol=0.0)[1]


# ---- bad input gets a clear error ------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("lt-shapes", lambda: t23() < Tensor(np.ones(4)), ValueError,
     r"^lt: cannot broadcast shapes \(2, 3\) and \(4,\)"),
    ("eq-shapes", lambda: t23() == np.ones((3, 2)),
     ValueError, r"^eq: cannot broadcast shapes \(2, 3\) and \(3, 2\)"),
    ("ge-str", lambda: t23() >= "a",
     TypeError, r"'>=' not supported between instances of 'Tensor' and 'str'"),
    ("lt-Value", lambda: t23() < Value(1.0),
     TypeError, r"'<' not supported between instances of 'Tensor' and 'Value'"),
    ("Value-lt-str", lambda: Value(1.0) < "a",
     TypeError, r"'<' not supported between instances of 'Value' and 'str'"),
    ("isclose-shapes", lambda: isclose(t23(), np.ones(4)), ValueError,
     r"^isclose: cannot broadcast shapes \(2, 3\) and \(4,\)"),
    ("isclose-rtol", lambda: isclose(t23(), t23(), rtol=-1.0), ValueError,
     r"^isclose: rtol must be a non-negative finite number, got -1.0"),
    ("allclose-atol", lambda: t23().allclose(t23(), atol="a"), ValueError,
     r"^allclose: atol must be a non-negative finite number, got 'a'"),
    ("allclose-shapes", lambda: allclose(np.ones(4), t23()), ValueError,
     r"^allclose: cannot broadcast shapes \(4,\) and \(2, 3\)"),
    ("allclose-no-tensor", lambda: allclose([1.0], 1.0), TypeError,
     r"^allclose: expects at least one Tensor \(numpy.allclose compares arrays\), got list and float"),
    ("allclose-data", lambda: allclose(t23(), "abc"), TypeError, r"^Tensor: data must be a number"),
    ("isclose-no-tensor", lambda: isclose(np.ones(3), np.ones(3)), TypeError,
     r"^isclose: expects at least one Tensor \(numpy.isclose compares arrays\), got ndarray and ndarray"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
