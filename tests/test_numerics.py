"""The stable formulas of numerics.py, at the values where a naive formula fails, for both engines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_lite import Tensor, Value, functional, numerics

# ---- sigmoid: exact in both tails, one formula for Value and Tensor ------------------------------


@pytest.mark.parametrize("x", [-20.0, -38.0, -100.0, -700.0, 0.0, 5.0, 40.0])
def test_sigmoid_is_exact_in_both_tails(x):
    exact = math.exp(x) / (1 + math.exp(x)) if x < 0 else 1 / (1 + math.exp(-x))
    assert numerics.sigmoid(x) == pytest.approx(exact, rel=1e-15, abs=0)
    assert Value(x).sigmoid().data == Tensor(np.float64(x)).sigmoid().item()


def test_sigmoid_keeps_the_float32_negative_tail():
    out = Tensor(np.float32([-20.0, -80.0])).sigmoid()
    assert out.dtype == np.float32
    assert out.data[0] == pytest.approx(2.0611537e-09, rel=1e-6)
    assert out.data[1] > 0  # 1.8e-35, a float32 normal number


def test_log_of_sigmoid_stays_finite_with_a_finite_gradient():
    x = Tensor(np.array([-40.0, -300.0]), requires_grad=True)
    y = x.sigmoid().log()
    y.sum().backward()
    np.testing.assert_allclose(y.data, [-40.0, -300.0], rtol=1e-12)
    np.testing.assert_allclose(x.grad, [1.0, 1.0], rtol=1e-12)


# ---- division: its own op, neither the value nor the derivative over- or underflows -----------------


def test_division_of_tiny_float32_numbers_is_numpy_s():
    a = Tensor(np.float32([1e-39, 0.0]))
    b = Tensor(np.float32([1e-39, 1e-39]))
    np.testing.assert_array_equal((a / b).data, np.float32([1e-39, 0.0]) / np.float32([1e-39, 1e-39]))


def test_value_division_of_subnormals_is_one():
    assert (Value(1e-320) / Value(1e-320)).data == 1.0
    assert math.isinf((Value(1.0) / 0).data) and math.isnan((Value(0.0) / 0).data)
    assert (Value(-1.0) / -0.0).data == math.inf


def test_division_derivative_with_huge_magnitudes_matches_the_formula():
    # d(a/b)/db = -a/b^2; b^2 overflows here, -(a/b)/b does not.
    rng = np.random.default_rng(0)
    a = 10.0 ** rng.uniform(-300, 300, 2000) * rng.choice([-1, 1], 2000)
    b = 10.0 ** rng.uniform(-300, 300, 2000) * rng.choice([-1, 1], 2000)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    (ta / tb).backward(np.ones(2000))
    with np.errstate(over="ignore"):  # the formula overflows where the true value does; those are left out
        expected = -(a / b) / b
    finite = np.isfinite(expected)
    np.testing.assert_allclose(tb.grad[finite], expected[finite], rtol=1e-12)
    np.testing.assert_allclose(ta.grad, 1 / b, rtol=1e-15)
    va, vb = Value(2.35e-100), Value(2.35e168)
    (va / vb).backward()
    assert vb.grad == pytest.approx(-(2.35e-100 / 2.35e168) / 2.35e168, rel=1e-12)


# ---- logsumexp and log_softmax with infinities and huge logits ----------------------------------


def test_logsumexp_of_infinities_is_torch_s():
    x = Tensor(np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.inf, -np.inf], [1.0, 2.0]]))
    out = x.logsumexp(axis=-1).data
    assert out[0] == -np.inf and out[1] == np.inf and out[2] == np.inf
    assert out[3] == pytest.approx(np.log(np.e + np.e**2))


def test_cross_entropy_of_a_row_with_minus_infinity_is_finite():
    logits = Tensor(np.array([[0.0, -np.inf, 0.0]]), requires_grad=True)
    loss = functional.cross_entropy(logits, [0])
    loss.backward()
    assert loss.item() == pytest.approx(math.log(2))
    np.testing.assert_allclose(logits.grad, [[-0.5, 0.0, 0.5]])


def test_scalar_log_softmax_is_exact_for_huge_logits():
    outs = functional.log_softmax([3e38, 3e38, 0.0])
    assert outs[0].data == pytest.approx(-math.log(2))
    logits = [Value(1e16), Value(1e16), Value(0.0)]
    loss = functional.value_cross_entropy(logits, 0)
    loss.backward()
    assert loss.data == pytest.approx(math.log(2))
    assert [v.grad for v in logits] == pytest.approx([-0.5, 0.5, 0.0])


def test_log_softmax_is_finite_for_logits_of_1e4():
    out = numerics.log_softmax(np.array([1e4, -1e4, 0.0]))
    assert np.isfinite(out).all() and out[0] == 0.0


# ---- the IEEE helpers for Python floats ------------------------------------------------------------


def test_float_helpers_give_numpy_s_answers():
    assert numerics.exp(1000.0) == math.inf
    assert numerics.log(0.0) == -math.inf and math.isnan(numerics.log(-1.0))
    assert numerics.power(0.0, -1.0) == math.inf and math.isnan(numerics.power(-8.0, 1 / 3))
    assert numerics.divide(1.0, 0.0) == math.inf and numerics.divide(-1.0, 0.0) == -math.inf


def test_sigmoid_of_an_integer_tensor_is_a_float_tensor():
    np.testing.assert_allclose(
        Tensor([1, -2, 3]).sigmoid().data, 1 / (1 + np.exp(-np.array([1.0, -2.0, 3.0])))
    )


@pytest.mark.parametrize(
    ("name", "numpy_op", "points"),
    [
        ("sqrt", np.sqrt, [-1.0, 0.0, 2.0, math.inf, math.nan]),
        ("log1p", np.log1p, [-2.0, -1.0, -0.5, 1e-300, math.inf, math.nan]),
        ("expm1", np.expm1, [-math.inf, 1e-300, 1.0, 1000.0, math.nan]),
        ("sin", np.sin, [-math.inf, 0.5, math.inf, math.nan]),
        ("cos", np.cos, [-math.inf, 0.5, math.inf, math.nan]),
    ],
)
def test_new_float_helpers_give_numpy_s_answers(name, numpy_op, points):
    with np.errstate(all="ignore"):
        expected = numpy_op(np.array(points))
    got = [getattr(numerics, name)(x) for x in points]
    assert all(type(g) is float for g in got)
    np.testing.assert_allclose(got, expected, rtol=1e-15)  # inf and nan where numpy has them, or 1 ulp apart


def test_softplus_is_exact_in_both_tails():
    x = np.array([-1e4, -745.0, -40.0, -1e-20, 0.0, 30.0, 800.0, 1e4])
    with np.errstate(over="raise"):
        out = numerics.softplus(x)
    # log(1 + e^x) = e^x (1 - e^x / 2 ...) far left, x + e^-x far right, log 2 at 0.
    np.testing.assert_allclose(out[1:4], [math.exp(-745.0), math.exp(-40.0), math.log(2)], rtol=1e-15)
    np.testing.assert_array_equal(out[[0, 6, 7]], [0.0, 800.0, 1e4])
    assert out[4] == math.log(2) and out[5] == 30.0 + math.exp(-30.0)
    assert numerics.softplus(np.float32(-100.0)).dtype == np.float32


def test_erf_is_pythons_for_every_element_and_keeps_the_dtype():
    x = np.array([[-math.inf, -1.5, 0.0], [1e-10, 2.0, math.nan]])
    out = numerics.erf(x)
    np.testing.assert_array_equal(out[0], [-1.0, math.erf(-1.5), 0.0])
    assert out[1, 0] == math.erf(1e-10) and out[1, 1] == math.erf(2.0) and math.isnan(out[1, 2])
    assert numerics.erf(x.astype(np.float32)).dtype == np.float32
    assert numerics.erf(np.zeros((0, 3))).shape == (0, 3)
