"""Tests for elementwise.py (and their Value twins in value.py): exp, log, tanh, relu, sigmoid, sqrt, abs,
sin, cos, square, log1p, expm1, clip, maximum, minimum and where, gradient-checked in float64 on each op's
domain over hypothesis inputs and broadcast shapes, compared with numpy, and with PyTorch where installed.

The arithmetic operators (+ - * / ** @) are Tensor's own, in tensor.py: tests/test_tensor.py checks them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import Tensor, Value, functional, gradcheck, maximum, minimum, where

from .conftest import (
    arrays,
    assert_matches_torch,
    avoiding,
    away_from_zero,
    check_elementwise,
    grid,
    param,
    positives,
    reals,
)

# ---- one input ----------------------------------------------------------------------------
#
# name: (our op, numpy's, the domain the op is differentiable on)

UNARY = {
    "exp": (lambda x: x.exp(), np.exp, reals()),
    "log": (lambda x: x.log(), np.log, positives()),
    "tanh": (lambda x: x.tanh(), np.tanh, reals()),
    "relu": (lambda x: x.relu(), lambda a: np.maximum(a, 0), away_from_zero()),
    "sigmoid": (lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), reals(6.0)),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, positives()),
    "abs": (lambda x: x.abs(), np.abs, away_from_zero()),
    "abs()": (abs, np.abs, away_from_zero()),
    "sin": (lambda x: x.sin(), np.sin, reals(4.0)),
    "cos": (lambda x: x.cos(), np.cos, reals(4.0)),
    "square": (lambda x: x.square(), np.square, reals()),
    "log1p": (lambda x: x.log1p(), np.log1p, positives(-0.8, 3.0)),
    "expm1": (lambda x: x.expm1(), np.expm1, reals()),
    "clip(-0.5, 1)": (lambda x: x.clip(-0.5, 1.0), lambda a: np.clip(a, -0.5, 1.0), avoiding(-0.5, 1.0)),
    "clip(lo only)": (lambda x: x.clip(0.3), lambda a: np.maximum(a, 0.3), avoiding(0.3)),
    "clamp(hi only)": (lambda x: x.clamp(hi=-0.2), lambda a: np.minimum(a, -0.2), avoiding(-0.2)),
    "maximum(x, 0.5)": (lambda x: x.maximum(0.5), lambda a: np.maximum(a, 0.5), avoiding(0.5)),
    "minimum(x, 0.5)": (lambda x: minimum(x, 0.5), lambda a: np.minimum(a, 0.5), avoiding(0.5)),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_ops(name, data):
    check_elementwise(*UNARY[name], data)


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):  # 1 / (1 + e^800) would overflow on the way to 0
        np.testing.assert_array_equal(Tensor(np.array([-800.0, 0.0, 800.0])).sigmoid().data, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("name", ["sqrt", "abs", "sin", "cos", "square", "log1p", "expm1", "clip(-0.5, 1)"])
def test_float32_stays_float32(name):
    x = Tensor(np.linspace(0.1, 2.0, 5, dtype=np.float32), requires_grad=True)
    out = UNARY[name][0](x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


def test_abs_has_slope_zero_at_zero_as_pytorch():
    x = param([-2.0, 0.0, 3.0])
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])
    v = Value(0.0)
    v.abs().backward()
    assert v.grad == 0.0


def test_clip_has_slope_one_on_its_bounds_as_pytorch():
    # PyTorch's clamp passes the gradient where lo <= x <= hi, bounds included.
    x = param([-2.0, -1.0, 0.0, 1.0, 2.0])
    x.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_with_lo_above_hi_gives_hi_everywhere_and_no_gradient():
    x = param([-1.0, 0.5, 3.0])
    out = x.clip(2.0, 1.0)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_edges_follow_ieee():
    with np.errstate(all="ignore"):
        x = Tensor(np.array([-1.0, 0.0, np.inf]))
        np.testing.assert_array_equal(x.sqrt().data, [np.nan, 0.0, np.inf])
        np.testing.assert_array_equal(x.log1p().data, [-np.inf, 0.0, np.inf])
        np.testing.assert_array_equal(Tensor(np.array([1000.0])).expm1().data, [np.inf])
    assert math.isnan(Value(-1.0).sqrt().data) and Value(-1.0).log1p().data == -math.inf
    assert math.isnan(Value(-2.0).log1p().data) and Value(1000.0).expm1().data == math.inf
    assert math.isnan(Value(math.inf).sin().data) and math.isnan(Value(-math.inf).cos().data)


def test_log1p_and_expm1_are_exact_for_tiny_x():
    tiny = 1e-12
    assert Tensor(np.array([tiny])).log1p().data[0] == pytest.approx(tiny - tiny**2 / 2, rel=1e-15)
    assert Value(tiny).expm1().data == pytest.approx(tiny + tiny**2 / 2, rel=1e-15)


# ---- the Value twins ----------------------------------------------------------------------

VALUE_TWINS = {
    "sqrt": positives(),
    "abs": away_from_zero(),
    "sin": reals(4.0),
    "cos": reals(4.0),
    "square": reals(),
    "log1p": positives(-0.8, 3.0),
    "expm1": reals(),
    "softplus": reals(30.0),
}


@pytest.mark.parametrize("name", VALUE_TWINS)
@given(data=st.data())
def test_value_twins_are_gradient_checked_and_match_the_tensor_ops(name, data):
    x = data.draw(VALUE_TWINS[name], label="x")
    assert gradcheck(lambda v: getattr(v, name)(), [Value(x)])
    v, t = Value(x), param([x])
    out_v = getattr(v, name)()
    # Value.softplus is exact everywhere; functional.softplus switches to x above PyTorch's threshold.
    out_t = functional.softplus(t, threshold=math.inf) if name == "softplus" else getattr(t, name)()
    out_v.backward()
    out_t.backward(np.ones(1))
    assert isinstance(out_v.data, float) and isinstance(v.grad, float)
    assert out_v.data == pytest.approx(out_t.data[0], rel=1e-14, abs=1e-300)
    assert v.grad == pytest.approx(t.grad[0], rel=1e-14, abs=1e-300)


# ---- two inputs, broadcast ------------------------------------------------------------------

BINARY = {
    "maximum": (lambda a, b: a.maximum(b), np.maximum),
    "minimum": (lambda a, b: a.minimum(b), np.minimum),
    "maximum()": (maximum, np.maximum),
    "minimum()": (minimum, np.minimum),
}


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_maximum_and_minimum_broadcast(name, data):
    op, numpy_op = BINARY[name]
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3)).input_shapes
    # Two grids a quarter apart: no ties, no near-ties, where the slope jumps.
    a = data.draw(arrays(shape_a, grid(0.25)), label="a")
    b = data.draw(arrays(shape_b, grid(0.0)), label="b")
    out = op(param(a), param(b))
    np.testing.assert_array_equal(out.data, numpy_op(a, b))
    assert gradcheck(op, [param(a), param(b)])


def test_maximum_and_minimum_split_ties_evenly():
    a, b = param([1.0, 2.0, 3.0]), param([1.0, 5.0, 0.0])
    maximum(a, b).backward(np.array([4.0, 1.0, 1.0]))
    np.testing.assert_array_equal(a.grad, [2.0, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [2.0, 1.0, 0.0])
    a.zero_grad(), b.zero_grad()
    minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0, 1.0])


@given(data=st.data())
def test_where_broadcasts_three_ways(data):
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_side=3)).input_shapes
    cond = data.draw(hnp.arrays(np.bool_, shapes_[0]), label="cond")
    a, b = data.draw(arrays(shapes_[1]), label="a"), data.draw(arrays(shapes_[2]), label="b")
    out = where(cond, param(a), param(b))
    np.testing.assert_array_equal(out.data, np.where(cond, a, b))
    assert gradcheck(lambda x, y: where(Tensor(cond), x, y), [param(a), param(b)])


def test_where_takes_numbers_and_a_comparison():
    x = param([-2.0, 0.5, 3.0])
    y = where(x > 0, x, 0.0)  # relu, written with where
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 3.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(where([True, False], 1.0, Tensor([5.0, 6.0])).data, [1.0, 6.0])
    assert where(np.array([True]), 1.0, Tensor([5.0])).dtype == np.float32  # the number takes the dtype


# ---- against PyTorch, where installed -------------------------------------------------------

TORCH = {  # name: (ours, torch's) on x in (0.1, 3) with ties against 1.5
    "exp": (lambda x: x.exp(), lambda x: x.exp()),
    "log": (lambda x: x.log(), lambda x: x.log()),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh()),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid()),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt()),
    "abs of x - 1.5": (lambda x: (x - 1.5).abs(), lambda x: (x - 1.5).abs()),
    "sin": (lambda x: x.sin(), lambda x: x.sin()),
    "cos": (lambda x: x.cos(), lambda x: x.cos()),
    "square": (lambda x: x.square(), lambda x: x.square()),
    "log1p": (lambda x: x.log1p(), lambda x: x.log1p()),
    "expm1": (lambda x: x.expm1(), lambda x: x.expm1()),
    "clip on the bound": (lambda x: x.clip(0.5, 1.5), lambda x: x.clamp(0.5, 1.5)),
    "maximum with ties": (lambda x: x.maximum(x.T), lambda x: x.maximum(x.T)),
    "minimum with ties": (lambda x: x.minimum(x.T), lambda x: x.minimum(x.T)),
    "where": (
        lambda x: where(x > 1.0, x * 2, x.sin()),
        lambda x: x.where(x > 1.0, x.sin()) * (1 + (x > 1.0)),
    ),
}
X = np.array([[0.5, 1.5, 2.0], [1.5, 0.7, 1.5], [2.0, 2.5, 0.1]])


@pytest.mark.parametrize("name", TORCH)
def test_matches_pytorch(name):
    assert_matches_torch(*TORCH[name], X, rtol=1e-14)


# ---- bad input gets a clear error ------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("clip-str", lambda: t23().clip("a", 1.0), TypeError, r"^clip: lo must be a number or None, got 'a'"),
    ("clip-tensor", lambda: t23().clip(0.0, t23()),
     TypeError, r"^clip: hi must be a number or None, got Tensor"),
    ("clip-none", lambda: t23().clip(), ValueError,
     r"^clip: at least one of lo and hi must be a number, got None for both"),
    ("maximum-shapes", lambda: t23().maximum(Tensor(np.ones(4))), ValueError,
     r"^maximum: cannot broadcast shapes \(2, 3\) and \(4,\)"),
    ("maximum-str", lambda: maximum(t23(), "a"),
     TypeError, r"^maximum: expects a Tensor or a number, got str"),
    ("maximum-numbers", lambda: maximum(1.0, 2.0),
     TypeError, r"^maximum: expects a Tensor and a Tensor or a number, got float"),
    ("minimum-shapes", lambda: minimum(t23(), np.ones((3, 2))), ValueError,
     r"^minimum: cannot broadcast shapes \(2, 3\) and \(3, 2\)"),
    ("minimum-Value", lambda: t23().minimum(Value(1.0)), TypeError,
     r"^minimum: expects a Tensor or a number, got Value"),
    ("where-float-cond", lambda: where(t23(), t23(), 0.0), TypeError,
     r"^where: condition must be boolean \(a comparison such as x > 0\), got dtype float64"),
    ("where-numbers", lambda: where([True], 1.0, 2.0), TypeError,
     r"^where: a and b must be Tensors or numbers, at least one a Tensor; got float and float"),
    ("where-list", lambda: where([True], t23(), [1.0]), TypeError,
     r"^where: a and b must be Tensors or numbers, .*got Tensor and list"),
    ("where-shapes", lambda: where(np.ones(4, bool), t23(), 0.0), ValueError,
     r"^where: cannot broadcast shapes \(4,\) and \(2, 3\)"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
