"""Tests for tensor.py: every op gradient-checked in float64, broadcasting, dtypes, errors, anomalies.

Inputs are float64 so that finite differences are accurate (see gradcheck.py). Where
PyTorch is installed, forward and backward are also compared with it; otherwise those
tests skip.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import AnomalyError, Tensor, Value, detect_anomaly, engine, gradcheck
from tinygrad_lite.functional import log_softmax

from .conftest import arrays, away_from_zero, distinct_arrays, positives, reals, shapes


def param(array: np.ndarray) -> Tensor:
    """A float64 Tensor that requires grad (a copy: gradcheck nudges its data in place)."""
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def constant(array: np.ndarray) -> Tensor:
    return Tensor(np.array(array, dtype=np.float64))


def random_array(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# ---- elementwise ops with one tensor input ------------------------------------------
#
# name: (our op, numpy's, the domain the op is differentiable on)

UNARY_OPS = {
    "-x": (lambda x: -x, np.negative, reals()),
    "exp": (lambda x: x.exp(), np.exp, reals()),
    "log": (lambda x: x.log(), np.log, positives()),
    "tanh": (lambda x: x.tanh(), np.tanh, reals()),
    "relu": (lambda x: x.relu(), lambda a: np.maximum(a, 0), away_from_zero()),
    "sigmoid": (lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), reals(6.0)),
    "x ** 2": (lambda x: x**2, np.square, reals()),
    "x ** 3": (lambda x: x**3, lambda a: a**3, reals()),
    "x ** -1": (lambda x: x**-1, np.reciprocal, away_from_zero()),
    "x ** 0.5": (lambda x: x**0.5, np.sqrt, positives()),
    "x ** -1.5": (lambda x: x**-1.5, lambda a: a**-1.5, positives()),
    "x + 2": (lambda x: x + 2, lambda a: a + 2, reals()),
    "2 + x": (lambda x: 2 + x, lambda a: 2 + a, reals()),
    "x - 2": (lambda x: x - 2, lambda a: a - 2, reals()),
    "2 - x": (lambda x: 2 - x, lambda a: 2 - a, reals()),
    "x * 2": (lambda x: x * 2, lambda a: a * 2, reals()),
    "2 * x": (lambda x: 2 * x, lambda a: 2 * a, reals()),
    "x / 2": (lambda x: x / 2, lambda a: a / 2, reals()),
    "2 / x": (lambda x: 2 / x, lambda a: 2 / a, away_from_zero()),
    "2 ** x": (lambda x: 2**x, lambda a: 2**a, reals()),
}


@pytest.mark.parametrize("name", UNARY_OPS)
@given(data=st.data())
def test_unary_ops(name, data):
    op, numpy_op, domain = UNARY_OPS[name]
    x = data.draw(arrays(data.draw(shapes, label="shape"), domain), label="x")
    out = op(param(x))
    assert out.shape == x.shape
    np.testing.assert_allclose(out.data, numpy_op(x), rtol=1e-12, atol=1e-15)
    assert gradcheck(op, [param(x)])


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):  # 1 / (1 + e^800) would overflow on the way to 0
        np.testing.assert_array_equal(Tensor(np.array([-800.0, 0.0, 800.0])).sigmoid().data, [0.0, 0.5, 1.0])


# ---- elementwise ops with two tensor inputs, broadcast ----------------------------

BINARY_OPS = {
    "a + b": (lambda a, b: a + b, np.add, reals(), reals()),
    "a - b": (lambda a, b: a - b, np.subtract, reals(), reals()),
    "a * b": (lambda a, b: a * b, np.multiply, reals(), reals()),
    "a / b": (lambda a, b: a / b, np.divide, reals(), away_from_zero()),
    "a ** b": (lambda a, b: a**b, np.power, positives(0.5, 2.0), reals()),
}

BROADCASTS = {
    "same shape": ((2, 3), (2, 3)),
    "scalar with matrix": ((), (2, 3)),
    "matrix with scalar": ((2, 3), ()),
    "row with column": ((1, 3), (2, 1)),
    "column with row": ((2, 1), (1, 3)),
    "missing leading dim": ((3,), (2, 3)),
    "missing leading dims": ((2, 4, 3), (3,)),
    "missing leading dim and a 1": ((2, 1, 3), (4, 1)),
    "stretched 1 in the middle": ((2, 1, 3), (2, 4, 3)),
}


@pytest.mark.parametrize("name", BINARY_OPS)
@pytest.mark.parametrize("pattern", BROADCASTS)
@given(data=st.data())
def test_binary_ops_broadcast(name, pattern, data):
    op, numpy_op, domain_a, domain_b = BINARY_OPS[name]
    shape_a, shape_b = BROADCASTS[pattern]
    a = data.draw(arrays(shape_a, domain_a), label="a")
    b = data.draw(arrays(shape_b, domain_b), label="b")
    np.testing.assert_allclose(op(param(a), param(b)).data, numpy_op(a, b), rtol=1e-12, atol=1e-15)
    assert gradcheck(op, [param(a), param(b)])


@pytest.mark.parametrize("name", BINARY_OPS)
@given(data=st.data())
def test_binary_ops_broadcast_any_shapes(name, data):
    op, _, domain_a, domain_b = BINARY_OPS[name]
    shape_a, shape_b = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3), label="shapes"
    ).input_shapes
    a = data.draw(arrays(shape_a, domain_a), label="a")
    b = data.draw(arrays(shape_b, domain_b), label="b")
    assert op(param(a), param(b)).shape == np.broadcast_shapes(shape_a, shape_b)
    assert gradcheck(op, [param(a), param(b)])


def test_a_constant_operand_gets_no_gradient():
    a, b = param(random_array(2, 3)), constant(random_array(3))
    (a * b).sum().backward()
    assert b.grad is None
    np.testing.assert_array_equal(a.grad, np.broadcast_to(b.data, (2, 3)))


def test_numpy_arrays_on_the_left_make_tensors():
    x = param(random_array(2, 3))
    m = np.full((2, 3), 2.0)
    for result in (m + x, m - x, m * x, m / x, m @ x.T):
        assert isinstance(result, Tensor)
    np.testing.assert_allclose((m - x).data, m - x.data)


# ---- reductions -------------------------------------------------------------------
#
# Every way to name the axes of a 3-D tensor: none (all of them), one (counted from
# either end), several, and the empty tuple (reduce nothing); each with and without keepdims.

REDUCTIONS = {
    "sum": (lambda x, axis, keep: x.sum(axis, keep), lambda a, axis, keep: np.sum(a, axis, keepdims=keep)),
    "mean": (lambda x, axis, keep: x.mean(axis, keep), lambda a, axis, keep: np.mean(a, axis, keepdims=keep)),
    "max": (lambda x, axis, keep: x.max(axis, keep), lambda a, axis, keep: np.max(a, axis, keepdims=keep)),
    "logsumexp": (
        lambda x, axis, keep: x.logsumexp(axis, keep),
        lambda a, axis, keep: np.log(np.sum(np.exp(a), axis, keepdims=keep)),
    ),
}
AXES = [None, 0, 1, 2, -1, -3, (0, 1), (0, 2), (1, 2), (2, 0), (-1, 0), (0, 1, 2), ()]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=repr)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_over_every_axis_combination(name, axis, keepdims):
    ours, numpys = REDUCTIONS[name]
    # Distinct values, spaced 0.5 apart: max has a derivative only where the max is unique.
    x = np.random.default_rng(1).permutation(24).reshape(2, 3, 4) * 0.5 - 6.0
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
    x = data.draw(distinct_arrays(shape), label="x")
    np.testing.assert_allclose(ours(param(x), axis, keepdims).data, numpys(x, axis, keepdims), rtol=1e-12)
    assert gradcheck(lambda t: ours(t, axis, keepdims), [param(x)])


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


# ---- softmax ------------------------------------------------------------------------


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


# ---- matmul ---------------------------------------------------------------------------

MATMUL_SHAPES = {
    "1-D x 1-D": ((3,), (3,)),
    "1-D x 2-D": ((3,), (3, 2)),
    "2-D x 1-D": ((2, 3), (3,)),
    "2-D x 2-D": ((2, 3), (3, 4)),
    "batch x 2-D": ((5, 2, 3), (3, 4)),
    "2-D x batch": ((2, 3), (5, 3, 4)),
    "batch x batch": ((5, 2, 3), (5, 3, 4)),
    "broadcast batch dims": ((5, 1, 2, 3), (4, 3, 2)),
    "1-D x batch": ((3,), (5, 3, 2)),
    "batch x 1-D": ((5, 2, 3), (3,)),
}


@pytest.mark.parametrize("case", MATMUL_SHAPES)
def test_matmul(case):
    shape_a, shape_b = MATMUL_SHAPES[case]
    a, b = random_array(*shape_a, seed=1), random_array(*shape_b, seed=2)
    out = param(a) @ param(b)
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    assert gradcheck(lambda x, y: x @ y, [param(a), param(b)])
    assert gradcheck(lambda x, y: x.matmul(y), [param(a), constant(b)])


# ---- shape ops --------------------------------------------------------------------------

INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "column": (slice(None), 1),
    "step": slice(None, None, 2),
    "reversed row": (1, slice(None, None, -1)),
    "ellipsis": (Ellipsis, 2),
    "int array with repeats": np.array([0, 0, 3, 0]),
    "int list with repeats": [2, 2, 2],
    "pairs of int arrays": (np.array([0, 1, 1, 1]), np.array([2, 2, 0, 2])),
    "2-D int array": np.array([[0, 1], [1, 1]]),
    "index tensor": Tensor(np.array([3, 3])),
    "boolean mask": np.array([True, False, True, True]),
}


@pytest.mark.parametrize("name", INDEXES)
def test_getitem(name):
    index = INDEXES[name]
    x = random_array(4, 3)
    plain = index.data if isinstance(index, Tensor) else index
    np.testing.assert_array_equal(param(x)[index].data, x[plain])
    assert gradcheck(lambda t: t[index], [param(x)])


def test_getitem_scatter_adds_repeated_indices():
    x = param([10.0, 20.0, 30.0, 40.0])
    x[[1, 1, 1, 3]].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 3.0, 0.0, 1.0])  # picked three times: 3x the gradient


@pytest.mark.parametrize(
    ("shapes_", "axis"),
    [
        ([(1, 3), (2, 3), (3, 3)], 0),
        ([(2, 3), (2, 1), (2, 2)], 1),
        ([(2, 3), (2, 1), (2, 2)], -1),
        ([(4,), (2,)], 0),
    ],
)
def test_concatenate(shapes_, axis):
    arrays_ = [random_array(*s, seed=i) for i, s in enumerate(shapes_)]
    out = Tensor.concatenate([param(a) for a in arrays_], axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate(arrays_, axis=axis))
    # The last input is a constant: it must not stop the others' gradients.
    inputs = [param(a) for a in arrays_[:-1]] + [constant(arrays_[-1])]
    assert gradcheck(lambda *ts: Tensor.concatenate(ts, axis=axis), inputs)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis):
    arrays_ = [random_array(2, 3, seed=i) for i in range(3)]
    out = Tensor.stack([param(a) for a in arrays_], axis=axis)
    np.testing.assert_array_equal(out.data, np.stack(arrays_, axis=axis))
    inputs = [param(arrays_[0]), constant(arrays_[1]), param(arrays_[2])]
    assert gradcheck(lambda *ts: Tensor.stack(ts, axis=axis), inputs)


@pytest.mark.parametrize("new_shape", [(4, -1), (-1,), (2, -1, 2), (24,), ((6, 4),), (1, 24, 1)], ids=repr)
def test_reshape(new_shape):
    x = random_array(2, 3, 4)
    out = param(x).reshape(*new_shape)
    assert out.shape == x.reshape(*new_shape).shape
    assert gradcheck(lambda t: t.reshape(*new_shape) * np.arange(24.0).reshape(out.shape), [param(x)])


@pytest.mark.parametrize("axes", [(), (1, 0, 2), (2, 0, 1), (-1, 0, 1), ((0, 2, 1),)], ids=repr)
def test_transpose(axes):
    x = random_array(2, 3, 4)
    expected = x.transpose(*axes) if axes else x.T
    np.testing.assert_array_equal(param(x).transpose(*axes).data, expected)
    assert gradcheck(lambda t: t.transpose(*axes) * np.arange(24.0).reshape(expected.shape), [param(x)])


def test_dot_t_reverses_the_axes():
    x = random_array(2, 3)
    np.testing.assert_array_equal(param(x).T.data, x.T)
    assert gradcheck(lambda t: t.T @ np.arange(2.0), [param(x)])


def test_a_200000_op_chain_of_shape_ops():
    # 50,000 rounds of four ops that move elements around. numpy makes the same moves
    # on the element numbers 0..5, which says where each input element ended up, and so
    # where its gradient must come from.
    x = param(np.zeros((2, 3)))
    y, where = x, np.arange(6).reshape(2, 3)
    for _ in range(50_000):
        y = y.T.reshape(2, 3)[:, ::-1] + 1.0
        where = where.T.reshape(2, 3)[:, ::-1]
    weights = np.arange(6.0).reshape(2, 3)
    (y * weights).sum().backward()
    expected = np.zeros(6)
    expected[where.ravel()] = weights.ravel()
    np.testing.assert_array_equal(x.grad, expected.reshape(2, 3))
    np.testing.assert_array_equal(y.data, np.full((2, 3), 50_000.0))


# ---- dtypes -------------------------------------------------------------------------------


def test_dtype_rules():
    assert Tensor(1.5).dtype == np.float32  # Python floats become float32, as in PyTorch
    assert Tensor([[1.0, 2.5]]).dtype == np.float32
    assert Tensor(np.array([1.0, 2.5])).dtype == np.float64  # numpy arrays keep their dtype
    assert Tensor(np.float64(2.0)).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor([1, 2]).dtype == np.int64  # int lists stay integers
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert (Tensor([1.0]) * 2.5 + 1).exp().dtype == np.float32  # Python numbers take the tensor's dtype
    assert (param([1.0]) * 2.5 + 1).exp().dtype == np.float64


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require grad, got dtype int64"):
        Tensor([1, 2], requires_grad=True)


def test_non_numbers_are_refused():
    with pytest.raises(TypeError, match="Tensor: data must be"):
        Tensor("abc")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(shapes_=hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3))
def test_grad_has_the_shape_and_dtype_of_data(dtype, shapes_):
    shape_a, shape_b = shapes_.input_shapes
    a = Tensor(np.ones(shape_a, dtype), requires_grad=True)
    b = Tensor(np.full(shape_b, 0.5, dtype), requires_grad=True)
    ((a * b).tanh() + a).sum().backward()
    for t in (a, b):
        assert t.grad.shape == t.shape
        assert t.grad.dtype == t.dtype


def test_grad_of_a_float32_tensor_is_float32_even_with_float64_constants():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    (x * np.arange(3.0)).sum().backward()  # the float64 array makes the product float64
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 2.0])


# ---- backward ------------------------------------------------------------------------------


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = param(np.ones((2, 3)))
    y = x * 2.0
    with pytest.raises(ValueError, match=re.escape("this one has shape (2, 3); pass grad=")):
        y.backward()
    with pytest.raises(ValueError, match=re.escape("grad has shape (3,), expected (2, 3)")):
        y.backward(np.ones(3))
    y.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_backward_of_a_tensor_that_does_not_require_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (constant([1.0]) * 2.0).backward()


# ---- error messages -----------------------------------------------------------------------


def test_matmul_mismatch_message():
    with pytest.raises(ValueError) as error:
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))
    assert str(error.value) == "matmul: cannot multiply (3, 4) by (5, 2): inner dimensions 4 and 5 differ"


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a**b, "pow"),
        (lambda a, b: a - b, "add"),  # a - b is a + (-b): the add is what fails
        (lambda a, b: a / b, "div"),
    ],
)
def test_broadcasting_errors_name_the_op_and_both_shapes(op, name):
    a, b = param(np.ones((2, 3))), param(np.ones(4))
    with pytest.raises(ValueError, match=re.escape(f"{name}: cannot broadcast shapes (2, 3) and (4,)")):
        op(a, b)


def test_reshape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=re.escape("shape (2, 3) (6 elements) into (4, 2)")):
        param(np.ones((2, 3))).reshape(4, 2)


def test_axis_errors_name_the_op_and_the_shape():
    with pytest.raises(
        ValueError, match=re.escape("sum: axis 2 is out of range for a tensor of shape (2, 3)")
    ):
        param(np.ones((2, 3))).sum(axis=2)


# ---- detect_anomaly ------------------------------------------------------------------------


def test_nan_propagates_without_detect_anomaly():
    x = param([-1.0, 4.0])
    with np.errstate(invalid="ignore"):
        y = x.log().exp().sum()
    assert math.isnan(y.item())
    y.backward()
    assert math.isnan(x.grad[0])


def test_detect_anomaly_names_the_first_forward_op_that_makes_nan():
    x = param([-1.0, 4.0])
    with detect_anomaly(), np.errstate(invalid="ignore"), pytest.raises(AnomalyError) as error:
        x.log().exp().sum()  # log makes the nan; exp only passes it on
    assert "the forward of 'log' made nan/inf" in str(error.value)


def test_detect_anomaly_names_the_first_backward_op_that_makes_inf():
    # sqrt(x) is finite at 0, its derivative 1 / (2 sqrt(x)) is not.
    x = param([0.0, 4.0])
    with detect_anomaly():
        y = (x**0.5 * 3.0).sum()
        with np.errstate(divide="ignore"), pytest.raises(AnomalyError) as error:
            y.backward()
    assert "the backward of 'pow' made nan/inf in the gradient of input 0" in str(error.value)


def test_detect_anomaly_does_not_blame_ops_for_nan_they_were_given():
    data = constant([math.nan, 1.0])  # nan in the data, not made by an op
    with detect_anomaly():
        out = (data.exp() * param([1.0, 2.0])).sum()
    assert math.isnan(out.item())


# ---- Value and Tensor agree ------------------------------------------------------------------


def test_values_and_tensors_agree_on_the_seed_network():
    # The blog post's network: a one-hot input of size 5, two tanh units without bias,
    # 5 logits, log_softmax, and the negative log-likelihood of the target (n -> n + 1).
    rng = np.random.default_rng(3)
    w1, w2 = rng.standard_normal((2, 5)), rng.standard_normal((5, 2))
    n, target = 1, 2

    v1 = [[Value(w) for w in row] for row in w1]
    v2 = [[Value(w) for w in row] for row in w2]
    x = [1.0 if i == n else 0.0 for i in range(5)]
    hidden = [sum(w * xi for w, xi in zip(row, x)).tanh() for row in v1]
    logits = [sum(w * h for w, h in zip(row, hidden)) for row in v2]
    loss = -log_softmax(logits)[target]
    loss.backward()

    t1, t2 = Tensor(w1, requires_grad=True), Tensor(w2, requires_grad=True)
    x_t = Tensor.one_hot([n], 5, dtype=np.float64)  # shape (1, 5)
    logits_t = (x_t @ t1.T).tanh() @ t2.T
    loss_t = -logits_t.log_softmax(axis=-1)[0, target]
    loss_t.backward()

    assert loss_t.item() == pytest.approx(loss.data, rel=1e-12)
    np.testing.assert_allclose(t1.grad, [[w.grad for w in row] for row in v1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t2.grad, [[w.grad for w in row] for row in v2], rtol=1e-12, atol=1e-15)


# ---- against PyTorch, where it is installed -------------------------------------------------

POSITIVE_WITH_TIES = np.array([[0.5, 2.0, 2.0], [1.5, 0.7, 1.5]])

TORCH_UNARY = {
    "exp": (lambda x: x.exp(), lambda x: x.exp()),
    "log": (lambda x: x.log(), lambda x: x.log()),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh()),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid()),
    "x ** 1.5": (lambda x: x**1.5, lambda x: x**1.5),
    "2 / x": (lambda x: 2 / x, lambda x: 2 / x),
    "sum axis 1 keepdims": (lambda x: x.sum(1, keepdims=True), lambda x: x.sum(1, keepdim=True)),
    "mean axis 0": (lambda x: x.mean(0), lambda x: x.mean(0)),
    "max with ties": (lambda x: x.max(1), lambda x: x.amax(1)),
    "max of all": (lambda x: x.max(), lambda x: x.amax()),
    "logsumexp": (lambda x: x.logsumexp(-1), lambda x: x.logsumexp(-1)),
    "softmax axis 0": (lambda x: x.softmax(0), lambda x: x.softmax(0)),
    "log_softmax": (lambda x: x.log_softmax(-1), lambda x: x.log_softmax(-1)),
    "transpose": (lambda x: x.T, lambda x: x.T),
    "reshape": (lambda x: x.reshape(3, -1), lambda x: x.reshape(3, -1)),
    "getitem with repeats": (lambda x: x[:, [0, 0, 2]], lambda x: x[:, [0, 0, 2]]),
}


@pytest.mark.parametrize("name", TORCH_UNARY)
def test_unary_ops_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = TORCH_UNARY[name]
    x = param(POSITIVE_WITH_TIES)
    out = ours(x)
    g = random_array(*out.shape)
    out.backward(g)
    x_t = torch.tensor(POSITIVE_WITH_TIES, requires_grad=True)
    out_t = theirs(x_t)
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad, x_t.grad.numpy(), rtol=1e-12, atol=1e-15)


TORCH_BINARY = {
    "broadcast mul": ((2, 1, 3), (4, 1), lambda a, b: a * b),
    "broadcast div": ((2, 3), (3,), lambda a, b: a / (b * b + 1)),
    "broadcast pow": ((2, 3), (2, 1), lambda a, b: (a * a + 1) ** b),
    "matmul 1-D x 1-D": ((3,), (3,), lambda a, b: a @ b),
    "matmul batched": ((5, 1, 2, 3), (4, 3, 2), lambda a, b: a @ b),
}


@pytest.mark.parametrize("name", TORCH_BINARY)
def test_binary_ops_match_pytorch(name):
    torch = pytest.importorskip("torch")
    shape_a, shape_b, op = TORCH_BINARY[name]
    a_np, b_np = random_array(*shape_a, seed=1), random_array(*shape_b, seed=2)
    a, b = param(a_np), param(b_np)
    out = op(a, b)
    g = random_array(*out.shape, seed=3)
    out.backward(g)
    a_t = torch.tensor(a_np, requires_grad=True)
    b_t = torch.tensor(b_np, requires_grad=True)
    out_t = op(a_t, b_t)
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.grad, a_t.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b.grad, b_t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_tensor_exponent_at_zero_base_gives_pytorchs_gradients():
    # d/dx x^p = p x^(p-1) and d/dp x^p = x^p log x; at x = 0 PyTorch takes 0 * log 0 as 0.
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    p = Tensor(np.array([2.0, 0.0]), requires_grad=True)
    (x**p).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    np.testing.assert_array_equal(p.grad, [0.0, np.log(2.0)])


def test_numpy_scalar_exponent_keeps_float32():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert (x ** np.float64(2)).dtype == np.float32
    assert (x * np.float64(2)).dtype == np.float32


def test_detect_anomaly_can_be_reentered_and_switches_off_after():
    checker = detect_anomaly()
    with np.errstate(invalid="ignore"):
        with checker:
            with checker:
                pass
            with pytest.raises(AnomalyError, match="'log'"):
                Tensor([-1.0], requires_grad=True).log()
        Tensor([-1.0], requires_grad=True).log()  # outside: nan is allowed again


def test_backward_copies_the_grad_it_is_given():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seed = np.ones(2, dtype=np.float32)
    y.backward(seed)
    seed[:] = 7
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])


def test_every_node_owns_its_grad_though_the_pass_copies_none():
    # `+` hands both inputs the very same array; each intermediate's .grad is still its own.
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    a, b = x * 2.0, x * 3.0
    (a + b).sum().backward()
    a.grad *= 10.0  # clipping one gradient in place
    np.testing.assert_array_equal(a.grad, [10.0, 10.0])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_an_intermediate_s_grad_has_its_own_dtype():
    # A backward handing a float32 intermediate a float64 gradient: .grad is float32, as for a leaf.
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    h = x * 2.0
    y = engine.op("widen", h.data.astype(np.float64), (h,), lambda g: (g,))
    y.backward(np.full(2, 1 / 3))
    assert h.grad.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(h.grad, np.full(2, 1 / 3, np.float32))


def test_requires_grad_switched_on_after_the_forward_gets_no_gradient():
    # As in PyTorch: the graph was recorded without `a`, so backward gives it nothing.
    a, w = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 1)), requires_grad=True)
    y = a @ w
    a.requires_grad = True
    y.sum().backward()
    assert a.grad is None
    np.testing.assert_array_equal(w.grad, [[2.0], [2.0], [2.0]])


# ---- bad input gets a clear error ---------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("Tensor-str", lambda: Tensor("abc"), TypeError, r"^Tensor: data must be a number, .*got str"),
    ("Tensor-None", lambda: Tensor(None), TypeError, r"^Tensor: data must be a number, .*got NoneType"),
    ("Tensor-dict", lambda: Tensor({"a": 1}), TypeError, r"^Tensor: data must be a number, .*got dict"),
    ("Tensor-ragged", lambda: Tensor([[1.0, 2.0], [3.0]]), TypeError,
     r"^Tensor: cannot turn list into an array of numbers"),
    ("Tensor-strings", lambda: Tensor([1, "a"]), TypeError, r"^Tensor: data must be numbers, got .*dtype <U"),
    ("Tensor-objects", lambda: Tensor([object()]),
     TypeError, r"^Tensor: data must be numbers, .*dtype object"),
    ("Tensor-complex", lambda: Tensor([1j]), TypeError, r"^Tensor: data must be numbers, .*dtype complex128"),
    ("Tensor-int-grad", lambda: Tensor([1, 2], requires_grad=True), TypeError,
     r"^Tensor: only floating-point tensors can require grad, got dtype int"),
    ("Tensor-dtype", lambda: Tensor([1.0], dtype="foo"), TypeError,
     r"^Tensor: dtype must be a numpy dtype such as np.float32, got 'foo'"),
    ("add-shapes", lambda: t23() + Tensor(np.ones(4)), ValueError,
     r"^add: cannot broadcast shapes \(2, 3\) and \(4,\)"),
    ("mul-shapes", lambda: t23() * np.ones((3, 2)),
     ValueError, r"^mul: cannot broadcast shapes \(2, 3\) and \(3, 2\)"),
    ("sub-shapes", lambda: t23() - np.ones(2),
     ValueError, r"^add: cannot broadcast shapes \(2, 3\) and \(2,\)"),
    ("div-shapes", lambda: t23() / np.ones(2),
     ValueError, r"^div: cannot broadcast shapes \(2, 3\) and \(2,\)"),
    ("pow-shapes", lambda: t23() ** Tensor(np.ones(4)), ValueError, r"^pow: cannot broadcast shapes"),
    ("add-str", lambda: t23() + "a", TypeError, r"unsupported operand type\(s\) for \+: 'Tensor' and 'str'"),
    ("mul-None", lambda: t23() * None, TypeError, r"unsupported operand .* 'Tensor' and 'NoneType'"),
    ("add-Value", lambda: t23() + Value(1.0), TypeError, r"unsupported operand .*'Tensor' and 'Value'"),
    ("sub-Value", lambda: t23() - Value(1.0), TypeError, r"unsupported operand .*-: 'Tensor' and 'Value'"),
    ("div-Value", lambda: t23() / Value(1.0), TypeError, r"unsupported operand .*/: 'Tensor' and 'Value'"),
    ("add-ragged", lambda: t23() + [[1.0], [2.0, 3.0]],  # noqa: RUF005 (a Tensor, not a list)
     TypeError, r"^Tensor: cannot turn list into an array"),
    ("pow-int-negative", lambda: Tensor([1, 2]) ** -1, ValueError,
     r"^pow: Integers to negative integer powers are not allowed.*int64 tensor to the power -1"),
    ("rpow-int-negative", lambda: 2 ** Tensor([-1]), ValueError,
     r"^pow: Integers to negative integer powers are not allowed"),
    ("matmul-inner", lambda: t23() @ Tensor(np.ones((2, 2))), ValueError,
     r"^matmul: cannot multiply \(2, 3\) by \(2, 2\): inner dimensions 3 and 2 differ"),
    ("matmul-0d", lambda: t23() @ Tensor(3.0),
     ValueError, r"^matmul: both operands need at least 1 dimension"),
    ("matmul-batch", lambda: Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 2))), ValueError,
     r"^matmul: cannot broadcast the batch dimensions of \(2, 2, 3\) and \(3, 3, 2\)"),
    ("matmul-str", lambda: t23() @ "a",
     TypeError, r"unsupported operand type\(s\) for @: 'Tensor' and 'str'"),
    ("sum-axis", lambda: t23().sum(axis=2), ValueError,
     r"^sum: axis 2 is out of range for a tensor of shape \(2, 3\)"),
    ("sum-axis-float", lambda: t23().sum(axis=1.5), TypeError,
     r"^sum: axis must be an int, a tuple of ints or None, got 1.5"),
    ("sum-axis-repeat", lambda: t23().sum(axis=(0, -2)), ValueError, r"^sum: axis \(0, -2\) repeats an axis"),
    ("mean-axis", lambda: t23().mean(axis=-3), ValueError, r"^mean: axis -3 is out of range"),
    ("max-axis", lambda: t23().max(axis=5), ValueError, r"^max: axis 5 is out of range"),
    ("max-empty", lambda: Tensor(np.zeros((0, 3))).max(), ValueError,
     r"^max: cannot take the max of an empty tensor \(shape \(0, 3\)\)"),
    ("logsumexp-axis", lambda: t23().logsumexp(axis=3), ValueError, r"^logsumexp: axis 3 is out of range"),
    ("logsumexp-empty", lambda: Tensor(np.zeros((2, 0))).logsumexp(), ValueError,
     r"^logsumexp: axis .* of shape \(2, 0\) is empty"),
    ("softmax-empty", lambda: Tensor(np.zeros((2, 0))).softmax(), ValueError,
     r"^log_softmax: axis .* of shape \(2, 0\) is empty"),
    ("reshape-size", lambda: t23().reshape(4, 2), ValueError,
     r"^reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)"),
    ("reshape-float", lambda: t23().reshape(1.5), ValueError, r"^reshape: cannot reshape .* into \(1.5,\)"),
    ("reshape-str", lambda: t23().reshape("a"), ValueError, r"^reshape: cannot reshape .* into \('a',\)"),
    ("transpose-repeat", lambda: t23().transpose(0, 0), ValueError,
     r"^transpose: axes \(0, 0\) are not a permutation of the axes of shape \(2, 3\)"),
    ("transpose-range", lambda: t23().transpose(2, 1),
     ValueError, r"^transpose: axes \(2, 1\) are not a permutation"),
    ("transpose-str", lambda: t23().transpose("a"),
     ValueError, r"^transpose: axes \('a',\) are not a permutation"),
    ("transpose-float", lambda: t23().transpose(1.5),
     ValueError, r"^transpose: axes \(1.5,\) are not a permutation"),
    ("getitem-range", lambda: t23()[5],
     IndexError, r"^getitem: index 5 is out of bounds .*\(tensor shape \(2, 3\)\)"),
    ("getitem-str", lambda: t23()["a"],
     IndexError, r"^getitem: only integers, slices .*\(tensor shape \(2, 3\)\)"),
    ("getitem-depth", lambda: t23()[0, 0, 0], IndexError, r"^getitem: too many indices"),
    ("getitem-float", lambda: t23()[Tensor([0.5])],
     IndexError, r"^getitem: arrays used as indices must be of integer"),
    ("concatenate-empty", lambda: Tensor.concatenate([]),
     ValueError, r"^concatenate: needs at least one tensor"),
    ("concatenate-None", lambda: Tensor.concatenate(None), TypeError,
     r"^concatenate: expects a list of Tensors, got NoneType"),
    ("concatenate-array", lambda: Tensor.concatenate([t23(), np.ones(3)]), TypeError,
     r"^concatenate: expects a list of Tensors, got a ndarray"),
    ("concatenate-shapes", lambda: Tensor.concatenate([t23(), Tensor(np.ones((2, 2)))]), ValueError,
     r"^concatenate: cannot join shapes \(2, 3\), \(2, 2\) along axis 0"),
    ("concatenate-axis", lambda: Tensor.concatenate([t23(), t23()], axis=2), ValueError,
     r"^concatenate: cannot join shapes .* along axis 2"),
    ("concatenate-axis-str", lambda: Tensor.concatenate([t23(), t23()], axis="a"), ValueError,
     r"^concatenate: cannot join shapes .* along axis a"),
    ("stack-shapes", lambda: Tensor.stack([t23(), Tensor(np.ones((3, 2)))]), ValueError,
     r"^stack: cannot stack shapes \(2, 3\), \(3, 2\) along axis 0 \(all shapes must match\)"),
    ("stack-axis", lambda: Tensor.stack([t23(), t23()], axis=3), ValueError, r"^stack: cannot stack shapes"),
    ("stack-axis-str", lambda: Tensor.stack([t23(), t23()], axis="a"),
     ValueError, r"^stack: cannot stack shapes"),
    ("item", lambda: t23().item(), ValueError, r"^item: needs a tensor with one element, got shape \(2, 3\)"),
    ("backward-no-grad", lambda: Tensor([1.0]).backward(), RuntimeError,
     r"^backward: this tensor does not require grad"),
    ("backward-implicit", lambda: (t23() * 2).backward(), ValueError,
     r"^backward: grad can be left out only for a one-element output, this one has shape \(2, 3\)"),
    ("backward-shape", lambda: (t23() * 2).backward(np.ones(2)), ValueError,
     r"^backward: grad has shape \(2,\), expected \(2, 3\)"),
    ("backward-str", lambda: (t23() * 2).backward("a"), TypeError,
     r"^backward: grad must be an array of numbers of shape \(2, 3\), got 'a'"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
