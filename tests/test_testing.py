"""Tests for testing.py: check_op passes right ops quietly, and names each kind of wrong one."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import Function, Tensor, op
from tinygrad_lite.testing import (
    DOMAINS,
    Domain,
    OpCheckError,
    arrays,
    broadcastable_shapes,
    check_op,
    default_shapes,
    tensors,
)


class Tanh(Function):
    """tanh, right: d/dx tanh(x) = 1 - tanh(x)^2."""

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y**2)


def tanh_with(derivative):
    """A Tanh Function whose backward returns derivative(g, y)."""

    class WrongTanh(Tanh):
        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return derivative(g, y)

    return WrongTanh


def report(op, **options) -> str:
    with pytest.raises(OpCheckError) as error:
        check_op(op, **options)
    return str(error.value)


# ---- right ops pass quietly, whatever door they come in by ---------------------------------------


def sin(x):
    """sin with op(), for Tensors and Values alike."""
    cos = np.cos(x.data)
    return op("sin", np.sin(x.data), (x,), lambda g: (g * cos,))


def test_right_ops_pass_quietly():
    assert check_op(Tanh, reference=np.tanh, kind="both") is None  # a Function, on both engines
    check_op(sin, reference=np.sin, kind="both")  # an op() function
    check_op(Tensor.exp, reference=np.exp)  # a method
    check_op(lambda a, b: a * b + a, reference=lambda a, b: a * b + a)  # broadcasting, two inputs
    check_op(lambda a, b: a / b, domain=("real", "away_from_zero"), reference=np.divide, dtype=np.float32)
    check_op(lambda x: x.log(), domain="positive", reference=np.log)
    check_op(
        lambda x: x.max(axis=-1), domain="distinct", shapes=[(2, 3), (4,)], reference=lambda x: x.max(-1)
    )
    check_op(lambda a, b: a @ b, shapes=[((2, 3), (3, 4)), ((3,), (3, 2))], reference=np.matmul)


def test_its_error_is_an_assertion_error_for_pytest():
    assert issubclass(OpCheckError, AssertionError)


def test_the_default_cases_broadcast_each_input_against_the_others():
    cases = default_shapes(2)
    assert ((2, 3), (2, 3)) in cases and ((3,), (2, 3)) in cases and ((2, 3), ()) in cases
    assert ((2, 1), (1, 3)) in cases
    assert all(np.broadcast_shapes(*case) for case in default_shapes(3))
    assert [len(case) for case in default_shapes(1)] == [1, 1, 1, 1]


def test_inputs_come_from_their_domains():
    seen = []

    def spy(a, b):
        seen.append((a.data.copy(), b.data.copy()))
        return a * b

    check_op(spy, domain=("positive", "away_from_zero"))
    assert all((a >= 0.2).all() and (np.abs(b) >= 0.2).all() for a, b in seen)
    assert any((b < 0).any() for _, b in seen) and any((b > 0).any() for _, b in seen)


def test_a_wrong_forward_is_reported_with_its_element():
    message = report(lambda x: x.exp() * 1.5, reference=np.exp)
    assert message.startswith("check_op(<lambda>): the forward of <lambda> on inputs of shapes () (float64)")
    assert "got" in message and "expected" in message


def test_a_forward_that_changes_the_dtype_is_caught():
    def upcast(x):
        data = x.data.astype(np.float64)
        return op("upcast", data * 2, (x,), lambda g: (2 * g,))

    assert "in float32 gave float64; keep the inputs' dtype" in report(upcast, dtype=np.float32)


def test_an_op_that_raises_is_reported_with_its_inputs():
    message = report(lambda a, b: a @ b)
    assert message.startswith("check_op(<lambda>): ValueError on inputs of shapes (2, 3), (2, 3): matmul:")


def test_a_value_op_is_checked_with_values():
    def cube(v):
        x = v.data
        return op("cube", x**3, (v,), lambda g: (3 * x * g,))  # should be 3 x^2

    message = report(cube, kind="value", domain="positive")
    assert "(Value inputs)" in message and "First failing case: Values " in message


# ---- the strategies ------------------------------------------------------------------------------


@given(tensors(domain="positive"))
def test_tensors_come_from_their_domain(t):
    assert t.requires_grad and t.dtype == np.float64 and (t.data >= 0.2).all()


@given(arrays((2, 3), dtype=np.float32, domain="away_from_zero"))
def test_arrays_have_their_shape_dtype_and_domain(a):
    assert a.shape == (2, 3) and a.dtype == np.float32 and (np.abs(a) >= np.float32(0.2)).all()


@given(arrays(st.sampled_from([(4,), (2, 2)]), domain="distinct"))
def test_distinct_arrays_have_no_ties(a):
    assert len(set(a.ravel())) == a.size


@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


def test_domains_are_data():
    assert DOMAINS["positive"] == Domain(0.2, 3.0)
    check_op(lambda x: (1 - x).log(), domain=Domain(0.05, 0.95), reference=lambda x: np.log(1 - x))


def test_check_op_works_without_hypothesis_and_the_strategies_say_what_to_install():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import numpy as np\n"
        "from tinygrad_lite.testing import check_op, tensors\n"
        "check_op(lambda x: x.tanh(), reference=np.tanh)\n"
        "try:\n    tensors()\nexcept ImportError as error:\n    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "the hypothesis strategies need hypothesis: pip install hypothesis" in done.stdout


BAD_INPUT = [
    ("check_op-domain", lambda: check_op(Tanh, domain="negative"), ValueError,
     r"^check_op: domain must be a Domain or one of real, positive, away_from_zero, unit, distinct"),
    ("check_op-domains-count", lambda: check_op(Tanh, domain=("real", "real")), ValueError,
     r"^check_op: got 2 domains for an op of 1 input\(s\)"),
    ("check_op-kind", lambda: check_op(Tanh, kind="scalar"), ValueError,
     r"^check_op: kind must be one of tensor, value, both"),
    ("check_op-value-shapes", lambda: check_op(Tanh, kind="value", shapes=[(2,)]), ValueError,
     r"^check_op: Values have no shapes"),
    ("check_op-dtype", lambda: check_op(Tanh, dtype=np.int64), ValueError,
     r"^check_op: dtype must be np.float64 or np.float32"),
    ("check_op-shapes-arity", lambda: check_op(Tanh, shapes=[(2,), ((2,), (2,))]), ValueError,
     r"^check_op: each case of shapes needs 1 shape\(s\)"),
    ("check_op-varargs", lambda: check_op(lambda *xs: xs[0]), TypeError,
     r"^check_op: cannot tell how many inputs <lambda> takes; pass shapes="),
    ("check_op-not-callable", lambda: check_op(3), TypeError,
     r"^check_op: op must be a function or a Function subclass, got int"),
    ("check_op-no-inputs", lambda: check_op(lambda: Tensor(1.0)), ValueError,
     r"^check_op: the op's number of inputs must be a positive int, got 0"),
    ("Domain-reversed", lambda: Domain(3.0, 1.0), ValueError,
     r"^Domain: expected finite low <= high \(< if distinct\), got low=3.0, high=1.0"),
    ("Domain-str", lambda: Domain("0", 1.0), ValueError, r"^Domain: expected finite .*got low='0'"),
    ("Domain-inf", lambda: Domain(0.0, float("inf")), ValueError, r"^Domain: expected finite .*high=inf"),
    ("Domain-nan", lambda: Domain(float("nan"), 1.0), ValueError, r"^Domain: expected finite .*low=nan"),
    ("Domain-distinct-point", lambda: Domain(1.0, 1.0, distinct=True), ValueError,
     r"^Domain: expected finite low <= high \(< if distinct\), got low=1.0, high=1.0"),
    ("default_shapes-zero", lambda: default_shapes(0), ValueError,
     r"^default_shapes: n must be a positive int, got 0"),
    ("default_shapes-str", lambda: default_shapes("2"), ValueError,
     r"^default_shapes: n must be a positive int, got '2'"),
    ("arrays-dtype", lambda: arrays(dtype=int), ValueError,
     r"^arrays: dtype must be np.float64 or np.float32, got <class 'int'>"),
    ("arrays-domain", lambda: arrays(domain="negative"), ValueError,
     r"^arrays: domain must be a Domain or one of real, positive, away_from_zero, unit, distinct; got"),
    ("arrays-shape", lambda: arrays((2, -1)), ValueError,
     r"^arrays: sizes must be non-negative ints, got \(2, -1\)"),
    ("tensors-domain", lambda: tensors(domain="nope"), ValueError,
     r"^tensors: domain must be a Domain or one of real, .*; got 'nope'"),
    ("tensors-dtype", lambda: tensors(dtype="float16"), ValueError,
     r"^tensors: dtype must be np.float64 or np.float32, got 'float16'"),
    ("tensors-shape", lambda: tensors("ab"), ValueError,
     r"^tensors: sizes must be non-negative ints, got \('ab',\)"),
    ("broadcastable_shapes-n", lambda: broadcastable_shapes(-1), ValueError,
     r"^broadcastable_shapes: n must be a positive int, got -1"),
    ("broadcastable_shapes-max_dims", lambda: broadcastable_shapes(2, max_dims=33), ValueError,
     r"^broadcastable_shapes: max_dims must be an int in \[0, 32\], got 33"),
    ("broadcastable_shapes-max_side", lambda: broadcastable_shapes(2, max_side=0), ValueError,
     r"^broadcastable_shapes: max_side must be a positive int, got 0"),
]  # fmt: skip


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
