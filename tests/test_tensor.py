"""Tests for tensor.py: the Tensor itself and its arithmetic.

Construction and dtype rules; + - * / ** @ and dot, gradient-checked in float64 over broadcast
shapes and compared with numpy (and with PyTorch where installed); len, numel, bool; backward and
who owns a gradient; detect_anomaly; the seed's network on Values and Tensors alike; errors.
The other ops are mixed into Tensor from their own modules and tested beside them:
tests/test_elementwise.py, test_reductions.py, test_shapes.py, test_comparisons.py, test_creation.py.

Inputs are float64 so that finite differences are accurate (see gradcheck.py).
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

from .conftest import (
    arrays,
    assert_matches_torch,
    away_from_zero,
    check_elementwise,
    constant,
    param,
    positives,
    random_array,
    reals,
)

# ---- arithmetic on one tensor and a number ----------------------------------------
#
# name: (our op, numpy's, the domain the op is differentiable on)

WITH_A_NUMBER = {
    "-x": (lambda x: -x, np.negative, reals()),
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


@pytest.mark.parametrize("name", WITH_A_NUMBER)
@given(data=st.data())
def test_arithmetic_with_a_number(name, data):
    check_elementwise(*WITH_A_NUMBER[name], data)


# ---- arithmetic on two tensors, broadcast ------------------------------------------

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


# ---- dot, with numpy's rules ------------------------------------------------------------------------

DOT_SHAPES = {
    "0-d x 0-d": ((), ()),
    "0-d x 2-D": ((), (2, 3)),
    "2-D x 0-d": ((2, 3), ()),
    "1-D x 1-D": ((3,), (3,)),
    "1-D x 2-D": ((3,), (3, 2)),
    "2-D x 1-D": ((2, 3), (3,)),
    "2-D x 2-D": ((2, 3), (3, 4)),
    "3-D x 1-D": ((4, 2, 3), (3,)),
    "1-D x 3-D": ((3,), (4, 3, 2)),
    "3-D x 2-D": ((4, 2, 3), (3, 5)),
    "2-D x 3-D (pairs every row with every batch, unlike @)": ((2, 3), (4, 3, 5)),
    "3-D x 3-D (every batch with every batch, unlike @)": ((2, 2, 3), (4, 3, 2)),
    "4-D x 3-D": ((2, 1, 2, 3), (2, 3, 2)),
}


@pytest.mark.parametrize("case", DOT_SHAPES)
def test_dot_follows_numpy(case):
    shape_a, shape_b = DOT_SHAPES[case]
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    out = param(a).dot(param(b))
    expected = np.dot(a, b)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)
    assert gradcheck(lambda x, y: x.dot(y), [param(a), param(b)])


def test_dot_against_pytorch_tensordot():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 2, 3)), rng.standard_normal((4, 3, 2))
    ours_a, ours_b = param(a), param(b)
    out = ours_a.dot(ours_b)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out_t = torch.tensordot(ta, tb, dims=([2], [1]))  # numpy's dot for N-d operands
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours_a.grad, ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours_b.grad, tb.grad.numpy(), rtol=1e-13)


# ---- len, numel, bool ----------------------------------------------------------------------------


def test_len_and_numel_are_numpys():
    t = Tensor(np.zeros((4, 3, 2)))
    assert len(t) == 4 and t.numel() == 24
    assert Tensor(5.0).numel() == 1 and Tensor(np.zeros((0, 3))).numel() == 0
    assert [row.shape for row in Tensor(np.zeros((2, 3)))] == [(3,), (3,)]  # iterating gives the rows


def test_bool_of_a_tensor_is_pytorchs():
    assert bool(Tensor([3.0]) > 2) and not Tensor(0.0)
    assert bool(Tensor([[1.0]]) == 1.0)
    with pytest.raises(ValueError, match=r"^bool: the truth value of a tensor of shape \(2,\) is ambiguous"):
        bool(Tensor([1.0, 2.0]) > 0)
    # So `in` on a list of tensors compares with ==, as in PyTorch: one element each, it works.
    assert Tensor([2.0]) in [Tensor([1.0]), Tensor([2.0])]


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

TORCH_WITH_A_NUMBER = {
    "x ** 1.5": (lambda x: x**1.5, lambda x: x**1.5),
    "2 / x": (lambda x: 2 / x, lambda x: 2 / x),
}


@pytest.mark.parametrize("name", TORCH_WITH_A_NUMBER)
def test_arithmetic_with_a_number_matches_pytorch(name):
    assert_matches_torch(*TORCH_WITH_A_NUMBER[name], POSITIVE_WITH_TIES, rtol=1e-12)


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
    assert a._grad is b._grad and a._grad_borrowed and b._grad_borrowed  # the pass made no copy
    a.grad *= 10.0  # clipping one gradient in place: reading .grad made a's own copy first
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
    ("dot-shapes", lambda: t23().dot(Tensor(np.ones((2, 2)))), ValueError,
     r"^dot: cannot multiply \(2, 3\) by \(2, 2\): inner dimensions 3 and 2 differ"),
    ("dot-str", lambda: t23().dot("a"), TypeError, r"^dot: expects a Tensor, an array or a number, got str"),
    ("len-0d", lambda: len(Tensor(1.0)), TypeError, r"^len: a 0-d tensor has no length"),
    ("bool-ambiguous", lambda: bool(t23()), ValueError,
     r"^bool: the truth value of a tensor of shape \(2, 3\) is ambiguous"),
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
