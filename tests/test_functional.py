"""Tests for functional.py: the fused ops (linear, the losses, the scalar log-softmax), the activations and
dropout.

Each activation is gradient-checked in float64 over hypothesis inputs on its domain, against PyTorch's
formula written out in numpy and against torch where installed, on Tensors and Values alike. nn.Dropout
and Module.train()/eval() are tested with nn and module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bad_input import NAN, as_params, assert_clear_error, logits, t23
from tinygrad_lite import Tensor, Value, functional, gradcheck, nn
from tinygrad_lite.functional import dropout

from .conftest import assert_matches_torch, avoiding, check_elementwise, param, reals

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


def test_a_stack_of_weights_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"expected an input of shape \(batch, 3\) or \(2, batch, 3\)"):
        functional.linear(Tensor(np.ones(3)), param(np.ones((2, 4, 3))))


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


# ---- activations ---------------------------------------------------------------------------------


def normal_cdf(x: np.ndarray) -> np.ndarray:
    return np.array([(1 + math.erf(v / math.sqrt(2))) / 2 for v in np.ravel(x)]).reshape(np.shape(x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


K = math.sqrt(2 / math.pi)

# name: (ours, PyTorch's formula in numpy, the domain: away from the kinks)
ACTIVATION_FORMULAS = {
    "leaky_relu": (functional.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), avoiding(0.0)),
    "leaky_relu(0.2)": (
        lambda x: functional.leaky_relu(x, 0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        avoiding(0.0),
    ),
    "relu6": (functional.relu6, lambda x: np.minimum(np.maximum(x, 0), 6), avoiding(0.0, 6.0, bound=8.0)),
    "elu": (functional.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1), reals(3.0)),
    "elu(0.5)": (
        lambda x: functional.elu(x, 0.5),
        lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1)),
        avoiding(0.0),
    ),
    "softplus": (functional.softplus, lambda x: np.log1p(np.exp(x)), reals(15.0)),
    "softplus(2, 5)": (
        lambda x: functional.softplus(x, beta=2.0, threshold=5.0),
        lambda x: np.where(2 * x > 5, x, np.log1p(np.exp(2 * x)) / 2),
        avoiding(2.5, bound=5.0),
    ),
    "gelu": (functional.gelu, lambda x: x * normal_cdf(x), reals(5.0)),
    "gelu tanh": (
        lambda x: functional.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(K * (x + 0.044715 * x**3))),
        reals(5.0),
    ),
    "silu": (functional.silu, lambda x: x * sigmoid(x), reals(8.0)),
    "hardswish": (
        functional.hardswish,
        lambda x: x * np.clip(x + 3, 0, 6) / 6,
        avoiding(-3.0, 3.0, bound=5.0),
    ),
    "mish": (functional.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), reals(8.0)),
}


@pytest.mark.parametrize("name", ACTIVATION_FORMULAS)
@given(data=st.data())
def test_activations_on_tensors(name, data):
    check_elementwise(*ACTIVATION_FORMULAS[name], data)


@pytest.mark.parametrize("name", ACTIVATION_FORMULAS)
@given(data=st.data())
def test_activations_on_values_match_the_tensor_ones(name, data):
    ours, _, domain = ACTIVATION_FORMULAS[name]
    x = data.draw(domain, label="x")
    assert gradcheck(ours, [Value(x)])
    v, t = Value(x), param([x])
    out_v, out_t = ours(v), ours(t)
    out_v.backward()
    out_t.backward(np.ones(1))
    assert isinstance(out_v.data, float) and isinstance(v.grad, float)
    assert out_v.data == out_t.data[0] and v.grad == t.grad[0]


@pytest.mark.parametrize(
    "name", ["leaky_relu", "relu6", "elu", "softplus", "gelu", "silu", "hardswish", "mish"]
)
def test_float32_stays_float32(name):
    x = Tensor(np.linspace(-4, 7, 12, dtype=np.float32), requires_grad=True)
    out = getattr(functional, name)(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


def test_softplus_and_mish_are_finite_and_exact_for_huge_inputs():
    x = param([-1e4, -800.0, -40.0, 40.0, 800.0, 1e4])
    with np.errstate(over="raise"):  # log(1 + e^800) would overflow on the way
        out = functional.softplus(x, threshold=math.inf)
        np.testing.assert_array_equal(out.data[3:], [40.0, 800.0, 1e4])
        assert out.data[2] == pytest.approx(math.exp(-40.0), rel=1e-15)  # kept, not rounded to 0
        assert out.data[0] == 0.0
        out.sum().backward()
        m = functional.mish(param([-1e4, 1e4]))
    assert np.isfinite(x.grad).all() and np.isfinite(m.data).all()
    v = Value(-800.0).softplus()
    assert v.data == 0.0 and Value(800.0).softplus().data == 800.0


@pytest.mark.parametrize("name", ["relu6", "hardswish", "leaky_relu", "elu"])
def test_slopes_at_the_kinks_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    kinks = np.array([-3.0, 0.0, 3.0, 6.0])
    x = param(kinks)
    getattr(functional, name)(x).sum().backward()
    x_t = torch.tensor(kinks, requires_grad=True)
    getattr(torch.nn.functional, name)(x_t).sum().backward()
    np.testing.assert_array_equal(x.grad, x_t.grad.numpy())


TORCH = {  # name: (the function's name in both libraries, its other arguments)
    "leaky_relu": ("leaky_relu", (0.1,), {}),
    "relu6": ("relu6", (), {}),
    "elu": ("elu", (0.7,), {}),
    "softplus": ("softplus", (), {}),
    "softplus(2, 5)": ("softplus", (2.0, 5.0), {}),
    "gelu": ("gelu", (), {}),
    "gelu tanh": ("gelu", (), {"approximate": "tanh"}),
    "silu": ("silu", (), {}),
    "hardswish": ("hardswish", (), {}),
    "mish": ("mish", (), {}),
}


@pytest.mark.parametrize("name", TORCH)
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    function, args, kwargs = TORCH[name]
    data = np.concatenate([np.linspace(-9, 9, 37), [-30.0, 25.0, 1e-8]])
    ours, theirs = getattr(functional, function), getattr(torch.nn.functional, function)
    assert_matches_torch(
        lambda x: ours(x, *args, **kwargs), lambda x: theirs(x, *args, **kwargs), data, rtol=1e-14
    )


@pytest.mark.parametrize(
    "activation", ["leaky_relu", "relu6", "elu", "softplus", "gelu", "silu", "hardswish", "mish"]
)
def test_mlps_take_the_new_activations_on_both_engines(activation):
    mlp = nn.MLP(3, 4, 2, activation=activation, bias=True, rng=0, dtype=np.float64)
    twin = nn.ValueMLP.from_mlp(mlp)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(mlp(Tensor(x[None])).data[0], [v.data for v in twin(list(x))], rtol=1e-13)


# ---- the activation table ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(functional.ACTIVATIONS))
def test_every_activation_works_on_values_and_tensors_alike(name):
    x = np.array([-1.5, 0.3, 2.0])
    tensor_out = functional.activate(Tensor(x), name).data
    value_out = [functional.activate(Value(v), name).data for v in x]
    np.testing.assert_allclose(tensor_out, value_out, rtol=1e-12)


# ---- dropout -------------------------------------------------------------------------------------


def test_dropout_zeroes_about_p_and_scales_the_rest():
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    out = dropout(x, 0.3, rng=0)
    kept = out.data != 0
    assert abs(kept.mean() - 0.7) < 0.01  # 20,000 draws: the standard error is 0.003
    np.testing.assert_array_equal(out.data[kept], 1 / 0.7)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, kept / 0.7)  # d/dx = mask / (1 - p)


def test_dropout_is_deterministic_under_a_seed_and_gradient_checked():
    x = np.random.default_rng(1).standard_normal((4, 5))
    a, b = dropout(param(x), 0.5, rng=7), dropout(param(x), 0.5, rng=np.random.default_rng(7))
    assert a.data.tobytes() == b.data.tobytes()
    assert gradcheck(lambda t: dropout(t, 0.4, rng=3), [param(x)])  # the same seed: the same mask each call


def test_dropout_is_off_in_eval_and_at_p_zero_and_drops_everything_at_p_one():
    x = param(np.ones(5))
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0, rng=0) is x
    out = dropout(x, 1.0, rng=0)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, np.zeros(5))
    np.testing.assert_array_equal(x.grad, np.zeros(5))
    assert dropout(Tensor(np.ones(3, np.float32)), 0.5, rng=0).dtype == np.float32


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
    ("leaky_relu-list", lambda: functional.leaky_relu([1.0]), TypeError,
     r"^leaky_relu: expects a Tensor or a Value, got list"),
    ("leaky_relu-slope", lambda: functional.leaky_relu(t23(), "a"), TypeError,
     r"^leaky_relu: negative_slope must be a number, got 'a'"),
    ("relu6-number", lambda: functional.relu6(1.0),
     TypeError, r"^relu6: expects a Tensor or a Value, got float"),
    ("elu-alpha", lambda: functional.elu(t23(), None), TypeError, r"^elu: alpha must be a number, got None"),
    ("softplus-beta", lambda: functional.softplus(t23(), beta=0), ValueError,
     r"^softplus: beta must be a positive finite number, got 0"),
    ("softplus-threshold", lambda: functional.softplus(t23(), threshold="20"), TypeError,
     r"^softplus: threshold must be a number, got '20'"),
    ("gelu-approximate", lambda: functional.gelu(t23(), approximate=True), ValueError,
     r"^gelu: approximate must be one of \('none', 'tanh'\), got True"),
    ("silu-array", lambda: functional.silu(np.ones(2)),
     TypeError, r"^silu: expects a Tensor or a Value, got ndarray"),
    ("hardswish-None", lambda: functional.hardswish(None),
     TypeError, r"^hardswish: expects a Tensor or a Value"),
    ("mish-str", lambda: functional.mish("x"), TypeError, r"^mish: expects a Tensor or a Value, got str"),
    ("activate-unknown", lambda: functional.activate(t23(), "nope"), ValueError,
     r"^activate: activation must be one of \('tanh', 'relu', 'sigmoid', 'linear', .*'mish'\), got 'nope'"),
    ("activate-callable", lambda: functional.activate(t23(), np.tanh), ValueError,
     r"^activate: activation must be one of \('tanh', .*\), got <ufunc 'tanh'>"),
    ("check_activation-unknown", lambda: functional.check_activation("MLP", "swish"), ValueError,
     r"^MLP: activation must be one of \('tanh', 'relu', 'sigmoid', 'linear', 'leaky_relu', .*got 'swish'"),
    ("check_activation-None", lambda: functional.check_activation("ValueMLP", None), ValueError,
     r"^ValueMLP: activation must be one of \('tanh', .*\), got None"),
    ("probability-above-one", lambda: functional.probability("dropout", 2), ValueError,
     r"^dropout: p must be a probability in \[0, 1\], got 2$"),
    ("probability-str", lambda: functional.probability("Dropout", "0.5"), ValueError,
     r"^Dropout: p must be a probability in \[0, 1\], got '0.5'"),
    ("probability-bool", lambda: functional.probability("Dropout", True), ValueError,
     r"^Dropout: p must be a probability in \[0, 1\], got True"),
    ("dropout-p", lambda: dropout(t23(), 1.5),
     ValueError, r"^dropout: p must be a probability in \[0, 1\], got 1.5"),
    ("dropout-p-nan", lambda: dropout(t23(), math.nan),
     ValueError, r"^dropout: p must be a probability"),
    ("dropout-Value", lambda: dropout(Value(1.0)),
     TypeError, r"^dropout: expects a Tensor, got Value"),
    ("dropout-rng", lambda: dropout(t23(), rng="seed"),
     TypeError, r"^dropout: rng must be a numpy Generator"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
