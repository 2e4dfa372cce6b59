"""Tests for gradcheck.py: it passes correct ops, catches wrong ones, and says where."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import GradcheckError, Tensor, Value, gradcheck, op
from tinygrad_lite.functional import log_softmax
from tinygrad_lite.gradcheck import numerical_grad

from .conftest import param

# ---- ops with a deliberately wrong derivative ------------------------------------


def square_forgetting_element_1(x: Tensor) -> Tensor:
    """x^2, whose backward is right (2x) except at element 1, where it says 0."""
    mask = np.ones(x.shape)
    mask[1] = 0.0
    data = x.data
    return op("bad_square", data**2, (x,), lambda g: (g * 2 * data * mask,))


def square_with_half_the_derivative(v: Value) -> Value:
    """x^2 with local gradient x instead of 2x: tinygrad's bug of October 2020."""
    x = v.data
    return op("bad_square", x**2, (v,), lambda g: (x * g,))


def analytic_and_numeric(message: str) -> tuple[float, float]:
    found = re.search(r"analytic (\S+) vs numeric (\S+)", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


# ---- correct ops pass ------------------------------------------------------------


def test_correct_value_ops_pass():
    assert gradcheck(lambda a, b: (a * b + a.exp()).tanh() / b, [Value(0.3), Value(-1.2)]) is True


def test_correct_tensor_ops_pass_and_constants_are_left_alone():
    a, b = param([[0.5, -1.0, 2.0]]), Tensor(np.array([[1.0], [2.0]]))  # b is a constant
    assert gradcheck(lambda x, y: (x * y).tanh().sum(axis=0), [a, b]) is True
    np.testing.assert_array_equal(a.data, [[0.5, -1.0, 2.0]])  # nudged during the check, then restored


def test_list_of_values_outputs():
    assert gradcheck(lambda *xs: log_softmax(xs), [Value(1.0), Value(-0.5), Value(2.0)]) is True


# ---- wrong ops are caught, and the report says where -----------------------------


def test_a_wrong_tensor_backward_is_reported_by_input_and_element():
    a, x = param([0.1, 0.2, 0.3]), param([1.0, 2.0, 3.0])
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda a, x: a + square_forgetting_element_1(x), [a, x])
    message = str(error.value)
    assert "1 gradient element(s) differ" in message  # input 0 is fine, and so are x's other elements
    assert "input 1, element (1,): analytic" in message
    analytic, numeric = analytic_and_numeric(message)
    assert analytic == 0.0
    assert numeric != 0.0  # w * 2x for x = 2 and a random weight w


def test_a_wrong_value_derivative_is_reported():
    with pytest.raises(GradcheckError) as error:
        gradcheck(square_with_half_the_derivative, [Value(3.0)])
    message = str(error.value)
    assert "input 0, the value:" in message
    analytic, numeric = analytic_and_numeric(message)
    assert analytic / numeric == pytest.approx(0.5)  # x where 2x was due


def test_a_wrong_derivative_in_a_list_of_outputs_is_caught():
    def softmax_and_bad_square(a, b):
        return [*log_softmax([a, b]), square_with_half_the_derivative(b)]

    with pytest.raises(GradcheckError, match="input 1, the value"):
        gradcheck(softmax_and_bad_square, [Value(0.5), Value(1.5)])


def test_nan_gradients_are_mismatches():
    def nan_derivative(x: Tensor) -> Tensor:
        return op("nan_double", x.data * 2, (x,), lambda g: (g * math.nan,))

    with pytest.raises(GradcheckError, match="analytic nan vs numeric"):
        gradcheck(nan_derivative, [param([1.0])])


# ---- what it refuses ---------------------------------------------------------------


def test_float32_tensors_are_refused():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    with pytest.raises(ValueError, match=r"input 0 is float32; finite differences need float64"):
        gradcheck(lambda t: t.exp(), [x])


def test_inputs_must_be_values_or_tensors():
    with pytest.raises(TypeError, match="input 1 must be a Value or a Tensor, got float"):
        gradcheck(lambda a, b: a * b, [Value(1.0), 2.0])


def test_something_must_require_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t: t.exp(), [Tensor(np.ones(2))])


def test_fn_must_return_values_or_tensors():
    with pytest.raises(TypeError, match="fn must return a Value, a list of Values or a Tensor, got float"):
        gradcheck(lambda v: v.data, [Value(1.0)])


def test_the_error_keeps_both_gradients_for_a_closer_look():
    x = param([1.0, 2.0, 3.0])
    with pytest.raises(GradcheckError) as error:
        gradcheck(square_forgetting_element_1, [x])
    analytic, numeric = error.value.analytic[0], error.value.numeric[0]
    (w,) = error.value.weights
    np.testing.assert_allclose(numeric, 2 * x.data * w, rtol=1e-8)  # d/dx sum(w x^2) = 2 w x
    np.testing.assert_allclose(analytic, [numeric[0], 0.0, numeric[2]], rtol=1e-8)


# ---- numerical_grad: the central differences gradcheck uses ---------------------------


def test_numerical_grad_of_values_is_a_float_per_input():
    grads = numerical_grad(lambda a, b: a * b + a.exp(), [Value(0.5), Value(-2.0)])
    assert all(type(g) is float for g in grads)
    assert grads == pytest.approx([-2.0 + math.exp(0.5), 0.5], abs=1e-8)


def test_numerical_grad_of_tensors_has_their_shapes_and_skips_constants():
    x, c = param([[0.5, -1.0, 2.0]]), Tensor(np.array([[1.0], [3.0]]))
    gx, gc = numerical_grad(lambda x, c: (x * c).tanh().sum(), [x, c])
    assert gc is None
    expected = ((1 - np.tanh(x.data * c.data) ** 2) * c.data).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(gx, expected, rtol=1e-8)
    np.testing.assert_array_equal(x.data, [[0.5, -1.0, 2.0]])  # put back after each nudge


def test_numerical_grad_takes_plain_numbers_and_its_error_shrinks_like_eps_squared():
    x = param([1.0])
    errors = [abs(numerical_grad(lambda t: float(np.sin(t.data[0])), [x], eps)[0][0] - math.cos(1.0))
              for eps in (1e-2, 1e-3)]  # fmt: skip
    assert 50 < errors[0] / errors[1] < 200  # ten times smaller eps, a hundred times smaller error


BAD_INPUT = [
    ("numerical_grad-many", lambda: numerical_grad(lambda t: t * 2, [param([1.0, 2.0])]), ValueError,
     r"^numerical_grad: fn must return one number .* got Tensor of shape \(2,\)"),
    ("numerical_grad-float32", lambda: numerical_grad(lambda t: t.sum(), [Tensor([1.0], requires_grad=True)]),
     ValueError, r"^numerical_grad: input 0 is float32; finite differences need float64"),
    ("numerical_grad-not-a-node", lambda: numerical_grad(lambda a: a, [1.0]), TypeError,
     r"^numerical_grad: input 0 must be a Value or a Tensor, got float"),
    ("numerical_grad-number", lambda: numerical_grad(lambda a: a, 1.0), TypeError,
     r"^numerical_grad: inputs must be a list of Values or Tensors, got float"),
    ("numerical_grad-eps", lambda: numerical_grad(lambda a: a, [Value(1.0)], eps=0), ValueError,
     r"^numerical_grad: eps must be a positive finite number, got 0"),
    ("gradcheck-number", lambda: gradcheck(lambda a: a, 1.0), TypeError,
     r"^gradcheck: inputs must be a list of Values or Tensors, got float"),
    ("gradcheck-eps", lambda: gradcheck(lambda a: a, [Value(1.0)], eps="a"), ValueError,
     r"^gradcheck: eps must be a positive finite number, got 'a'"),
    ("gradcheck-atol", lambda: gradcheck(lambda a: a, [Value(1.0)], atol=-1.0), ValueError,
     r"^gradcheck: atol must be a non-negative finite number, got -1.0"),
    ("gradcheck-rtol", lambda: gradcheck(lambda a: a, [Value(1.0)], rtol=math.nan), ValueError,
     r"^gradcheck: rtol must be a non-negative finite number, got nan"),
    ("gradcheck-seed", lambda: gradcheck(lambda a: a, [Value(1.0)], seed="s"), TypeError,
     r"^gradcheck: seed must be a numpy Generator, a non-negative int seed or None, got 's'"),
]  # fmt: skip


def test_one_input_may_be_given_alone_as_in_pytorch():
    x = param([0.5, 1.5])
    assert gradcheck(lambda t: t.tanh(), x) and gradcheck(lambda v: v.exp(), Value(0.3))
    assert numerical_grad(lambda v: v * v, Value(3.0)) == pytest.approx([6.0])
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda t: op("twice", t.data * 2, (t,), lambda g: (g,)), x)


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)


def test_an_output_that_is_one_of_the_inputs_is_checked():
    # `out in inputs` would compare tensors elementwise (==); identity is what counts.
    a, b = param([1.0, 2.0]), param([3.0, 4.0])
    assert gradcheck(lambda a, b: b * 1.0, [a, b])
    assert gradcheck(lambda a, b: b, [a, b])
