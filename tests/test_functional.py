"""The fused ops of functional.py (linear, the losses, the scalar log-softmax) and the activation table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.bad_input import NAN, as_params, assert_clear_error, logits, t23
from tinygrad_lite import Tensor, Value, functional, gradcheck


def param(array) -> Tensor:
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


# ---- linear ------------------------------------------------------------------------------------


@pytest.mark.parametrize("x_shape", [(4, 3), (3,), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_is_gradient_checked(x_shape, bias):
    rng = np.random.default_rng(0)
    x, w = param(rng.normal(size=x_shape)), param(rng.normal(size=(2, 3)))
    b = param(rng.normal(size=2)) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    assert gradcheck(lambda x, w, *b: functional.linear(x, w, *b), inputs)


@pytest.mark.parametrize("x_shape", [(4, 3), (5, 4, 3)])
def test_linear_with_a_stack_of_weights_runs_each_model_on_its_copy(x_shape):
    rng = np.random.default_rng(1)
    x, w, b = (
        param(rng.normal(size=x_shape)),
        param(rng.normal(size=(5, 2, 3))),
        param(rng.normal(size=(5, 1, 2))),
    )
    y = functional.linear(x, w, b)
    assert y.shape == (5, 4, 2)
    for k in range(5):
        xk = x.data if x.ndim == 2 else x.data[k]
        np.testing.assert_allclose(y.data[k], xk @ w.data[k].T + b.data[k], rtol=1e-12)
    assert gradcheck(lambda x, w, b: functional.linear(x, w, b), [x, w, b])


def test_linear_keeps_its_input_from_the_forward():
    # Rebinding x.data after the forward must not change the weight gradient (issue 14, item 6).
    x, w = param([[1.0, 2.0]]), param([[0.5, -0.5]])
    y = functional.linear(x, w)
    x.data = np.array([[100.0, 200.0]])
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [[1.0, 2.0]])


@pytest.mark.parametrize(
    "forward",
    [lambda x, w: x * w, lambda x, w: x @ w.T, lambda x, w: functional.linear(x, w), lambda x, w: x / w],
    ids=["mul", "matmul", "linear", "div"],
)
def test_requires_grad_switched_on_after_the_forward_gives_no_gradient(forward):
    # One rule for every op, PyTorch's: the graph is what was recorded at forward time (issue 14, item 7).
    x, w = Tensor(np.ones((1, 2))), param([[2.0, 3.0]])
    y = forward(x, w).sum()
    x.requires_grad = True
    y.backward()
    assert x.grad is None and w.grad is not None


# ---- losses -------------------------------------------------------------------------------------


def test_a_list_target_takes_the_prediction_s_float_dtype():
    # A list beside a float64 tensor is not rounded to float32 first (issue 14, item 5).
    prediction = param([0.1])
    loss = functional.mse_loss(prediction, [0.1])
    loss.backward()
    assert loss.item() == 0.0 and prediction.grad[0] == 0.0
    assert (Tensor(np.zeros(1)) + [0.1]).item() == 0.1  # noqa: RUF005 (a Tensor, not a list)


def test_cross_entropy_is_finite_for_logits_of_1e4():
    logits = param([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]])
    loss = functional.cross_entropy(logits, [1, 2])
    loss.backward()
    assert np.isfinite(loss.data) and np.isfinite(logits.grad).all()
    assert loss.item() == pytest.approx((2e4 + math.log(3)) / 2)


def test_cross_entropy_equals_nll_of_log_softmax():
    rng = np.random.default_rng(2)
    logits, targets = param(rng.normal(size=(4, 5))), rng.integers(0, 5, 4)
    for reduction in ("mean", "sum", "none"):
        fused = functional.cross_entropy(logits, targets, reduction)
        composed = functional.nll_loss(logits.log_softmax(), targets, reduction)
        np.testing.assert_allclose(fused.data, composed.data, rtol=1e-12)
    assert gradcheck(lambda z: functional.cross_entropy(z, targets), [logits])


def test_scalar_log_softmax_matches_the_tensor_one():
    xs = [Value(0.5), Value(-1.0), Value(2.0)]
    outs = functional.log_softmax(xs)
    np.testing.assert_allclose([o.data for o in outs], Tensor(np.array([0.5, -1.0, 2.0])).log_softmax().data)
    assert gradcheck(lambda *v: functional.log_softmax(v), xs)


# ---- the activation table ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(functional.ACTIVATIONS))
def test_every_activation_works_on_values_and_tensors_alike(name):
    x = np.array([-1.5, 0.3, 2.0])
    tensor_out = functional.activate(Tensor(x), name).data
    value_out = [functional.activate(Value(v), name).data for v in x]
    np.testing.assert_allclose(tensor_out, value_out, rtol=1e-12)


def test_an_unknown_activation_is_refused_with_the_choices():
    with pytest.raises(
        ValueError, match=r"^MLP: activation must be one of \('tanh', 'relu', 'sigmoid', 'linear', 'leaky"
    ):
        functional.check_activation("MLP", "swish")


# ---- bad input gets a clear error ---------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("linear-x", lambda: functional.linear([1.0], Tensor(np.ones((2, 3)))),
     TypeError, r"^linear: x must be a Tensor, got list"),
    ("linear-shapes", lambda: functional.linear(t23(), Tensor(np.ones((2, 2)))), ValueError,
     r"^linear: an input of shape \(2, 3\) does not fit weight of shape \(2, 2\); "
     r"expected an input of shape \(\.\.\., 2\)"),
    ("linear-bias", lambda: functional.linear(t23(), Tensor(np.ones((2, 3))), Tensor(np.ones(3))), ValueError,
     r"^linear: .* bias of shape \(3,\); .*a bias of shape \(2,\)"),
    ("cross_entropy-list", lambda: functional.cross_entropy([[0.0, 1.0]], [0]), TypeError,
     r"^cross_entropy: expects a Tensor of shape \(\.\.\., classes\), got list"),
    ("cross_entropy-0d", lambda: functional.cross_entropy(Tensor(1.0), 0), ValueError,
     r"^cross_entropy: expects a Tensor of shape \(\.\.\., classes\), got a 0-d tensor"),
    ("cross_entropy-class-too-big", lambda: functional.cross_entropy(logits(), [0, 3]), ValueError,
     r"^cross_entropy: targets must be class indices in \[0, 3\), got values from 0 to 3"),
    ("cross_entropy-class-negative", lambda: functional.cross_entropy(logits(), [-1, 0]), ValueError,
     r"^cross_entropy: targets must be class indices in \[0, 3\), got values from -1 to 0"),
    ("cross_entropy-no-classes", lambda: functional.cross_entropy(Tensor(np.zeros((2, 0))), [0, 0]),
     ValueError,
     r"^cross_entropy: targets must be class indices in \[0, 0\)"),
    ("cross_entropy-float-targets", lambda: functional.cross_entropy(logits(), [0.0, 1.0]), TypeError,
     r"^cross_entropy: targets must be integer class indices, got dtype float64"),
    ("cross_entropy-nan-targets", lambda: functional.cross_entropy(logits(), [NAN, 1]), TypeError,
     r"^cross_entropy: targets must be integer class indices, got dtype float64"),
    ("cross_entropy-None-targets", lambda: functional.cross_entropy(logits(), None), TypeError,
     r"^cross_entropy: targets must be integer class indices, got dtype object"),
    ("cross_entropy-target-shape", lambda: functional.cross_entropy(logits(), [0]), ValueError,
     r"^cross_entropy: targets of shape \(1,\) do not match input of shape \(2, 3\); "
     r"expected targets of shape \(2,\)"),
    ("cross_entropy-reduction", lambda: functional.cross_entropy(logits(), [0, 1], reduction="avg"),
     ValueError,
     r"^cross_entropy: reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"),
    ("nll_loss-class", lambda: functional.nll_loss(logits(), [5, 0]), ValueError,
     r"^nll_loss: targets must be class indices in \[0, 3\), got values from 0 to 5"),
    ("nll_loss-list", lambda: functional.nll_loss("x", [0]), TypeError, r"^nll_loss: expects a Tensor"),
    ("mse_loss-list", lambda: functional.mse_loss([1.0], [1.0]),
     TypeError, r"^mse_loss: expects a Tensor prediction, got list"),
    ("mse_loss-shape", lambda: functional.mse_loss(Tensor(np.ones((3, 1))), np.ones(3)), ValueError,
     r"^mse_loss: target of shape \(3,\) does not match prediction of shape \(3, 1\)"),
    ("value_cross_entropy-range", lambda: functional.value_cross_entropy([Value(1.0)], 1), ValueError,
     r"^value_cross_entropy: target must be in \[0, 1\), got 1"),
    ("value_cross_entropy-float", lambda: functional.value_cross_entropy([Value(1.0)], 0.5), TypeError,
     r"^value_cross_entropy: target must be an int class index, got 0.5"),
    ("value_cross_entropy-None", lambda: functional.value_cross_entropy(None, 0), TypeError,
     r"^value_cross_entropy: logits must be a list of Values, got NoneType"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)


def test_a_stack_of_weights_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"expected an input of shape \(batch, 3\) or \(2, batch, 3\)"):
        functional.linear(Tensor(np.ones(3)), param(np.ones((2, 4, 3))))
