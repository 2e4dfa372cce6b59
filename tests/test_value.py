"""Tests for value.py: every scalar op's derivative, IEEE edge cases, errors, micrograd compatibility."""

from __future__ import annotations

import math

import graphviz
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import Tensor, Value, gradcheck, no_grad, op
from tinygrad_lite.functional import log_softmax

from .conftest import away_from_zero, positives, reals

# ---- every op, gradient-checked ---------------------------------------------------
#
# Each op comes with the inputs it is differentiable on: log needs x > 0, division a
# denominator away from 0, x ** p for non-integer p a positive base, relu an x away
# from its kink at 0.

UNARY_OPS = {
    "-v": (lambda v: -v, reals()),
    "v + 2": (lambda v: v + 2, reals()),
    "2 + v": (lambda v: 2 + v, reals()),
    "v - 2": (lambda v: v - 2, reals()),
    "2 - v": (lambda v: 2 - v, reals()),
    "v * 2": (lambda v: v * 2, reals()),
    "2 * v": (lambda v: 2 * v, reals()),
    "v / 2": (lambda v: v / 2, reals()),
    "2 / v": (lambda v: 2 / v, away_from_zero()),
    "v ** 3": (lambda v: v**3, reals()),
    "v ** 2.0": (lambda v: v**2.0, reals()),
    "v ** -2": (lambda v: v**-2, away_from_zero()),
    "v ** 0.5": (lambda v: v**0.5, positives()),
    "v ** -1.5": (lambda v: v**-1.5, positives()),
    "tanh": (lambda v: v.tanh(), reals()),
    "exp": (lambda v: v.exp(), reals()),
    "log": (lambda v: v.log(), positives()),
    "relu": (lambda v: v.relu(), away_from_zero()),
    "sigmoid": (lambda v: v.sigmoid(), reals(6.0)),
}

BINARY_OPS = {
    "a + b": (lambda a, b: a + b, reals(), reals()),
    "a - b": (lambda a, b: a - b, reals(), reals()),
    "a * b": (lambda a, b: a * b, reals(), reals()),
    "a / b": (lambda a, b: a / b, reals(), away_from_zero()),
}


@pytest.mark.parametrize("name", UNARY_OPS)
@given(data=st.data())
def test_unary_op_gradients(name, data):
    op, domain = UNARY_OPS[name]
    x = data.draw(domain, label="x")
    assert gradcheck(op, [Value(x)])


@pytest.mark.parametrize("name", BINARY_OPS)
@given(data=st.data())
def test_binary_op_gradients(name, data):
    op, domain_a, domain_b = BINARY_OPS[name]
    a, b = data.draw(domain_a, label="a"), data.draw(domain_b, label="b")
    assert gradcheck(op, [Value(a), Value(b)])


@given(st.lists(reals(5.0), min_size=1, max_size=6))
def test_log_softmax_gradients(logits):
    assert gradcheck(lambda *xs: log_softmax(xs), [Value(x) for x in logits])


def test_forward_values():
    a, b = Value(3.0), Value(-2.0)
    assert (a + b).data == 1.0
    assert (a - b).data == 5.0
    assert (a * b).data == -6.0
    assert (a / b).data == -1.5
    assert (a**2).data == 9.0
    assert (-a).data == -3.0
    assert (2 - a).data == -1.0
    assert (6 / a).data == 2.0
    assert b.relu().data == 0.0
    assert a.tanh().data == pytest.approx(math.tanh(3.0))
    assert Value(0.0).sigmoid().data == 0.5
    assert Value(-800.0).sigmoid().data == 0.0  # e^800 would overflow; the op avoids computing it
    assert Value(800.0).sigmoid().data == 1.0
    assert sum(math.exp(v.data) for v in log_softmax([1.0, 2.0, 3.0])) == pytest.approx(1.0)


# ---- compositions, against gradients derived by hand --------------------------------


def test_a_value_used_twice_gets_both_gradients():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # d(a^2)/da = 2a, not a: both uses count
    b = Value(3.0)
    (b + b).backward()
    assert b.grad == 2.0


def test_product_plus_exp():
    # f = a*b + e^a:  df/da = b + e^a,  df/db = a
    a, b = Value(0.5), Value(-2.0)
    f = a * b + a.exp()
    f.backward()
    assert f.data == pytest.approx(0.5 * -2.0 + math.exp(0.5))
    assert a.grad == pytest.approx(-2.0 + math.exp(0.5))
    assert b.grad == pytest.approx(0.5)


def test_log_over_value():
    # f = log(a) / b:  df/da = 1 / (a b),  df/db = -log(a) / b^2
    a, b = Value(2.0), Value(4.0)
    (a.log() / b).backward()
    assert a.grad == pytest.approx(1 / (2.0 * 4.0))
    assert b.grad == pytest.approx(-math.log(2.0) / 4.0**2)


def test_the_neuron_from_the_micrograd_lecture():
    # o = tanh(x1 w1 + x2 w2 + b), with b chosen so that o = 1/sqrt(2). Then
    # do/dn = 1 - o^2 = 0.5, and each input's gradient is 0.5 times its weight (and back).
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(1 / math.sqrt(2))
    assert x1.grad == pytest.approx(0.5 * -3.0)
    assert w1.grad == pytest.approx(0.5 * 2.0)
    assert x2.grad == pytest.approx(0.5 * 1.0)
    assert w2.grad == pytest.approx(0.5 * 0.0)
    assert b.grad == pytest.approx(0.5)


def test_the_expression_from_the_micrograd_readme():
    # micrograd's README lists these results, computed with PyTorch.
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_log_softmax_gradient_by_hand():
    # For out_i = x_i - log(sum_j e^x_j):  d out_i / d x_j = [i == j] - softmax(x)_j.
    xs = [Value(1.0), Value(2.0), Value(0.5)]
    out = log_softmax(xs)
    out[1].backward()
    total = sum(math.exp(x.data) for x in xs)
    for j, x in enumerate(xs):
        assert x.grad == pytest.approx((1.0 if j == 1 else 0.0) - math.exp(x.data) / total)


# ---- requires_grad: every Value takes gradients, as in micrograd ------------------------------


def test_every_value_requires_grad_and_the_flag_cannot_be_switched_off():
    a = Value(2.0)
    with no_grad():
        y = a * 3
    assert a.requires_grad and (a * 3).requires_grad and y.requires_grad and y.parents == ()
    with pytest.raises(AttributeError):
        a.requires_grad = False


# ---- IEEE arithmetic: inf and nan, never an exception ---------------------------------


def test_overflow_and_log_domain_follow_ieee():
    assert Value(1000).exp().data == math.inf
    assert Value(0).log().data == -math.inf
    assert math.isnan(Value(-1).log().data)
    assert (Value(10.0) ** 400).data == math.inf


def test_backward_through_inf_does_not_raise():
    x = Value(0.0)
    x.log().backward()
    assert x.grad == math.inf  # d log(x)/dx = 1/x at 0


def test_log_softmax_is_finite_for_huge_logits():
    xs = [Value(1e4), Value(-1e4), Value(0.0)]
    out = log_softmax(xs)
    assert [o.data for o in out] == pytest.approx([0.0, -2e4, -1e4])
    out[0].backward()
    assert all(math.isfinite(x.grad) for x in xs)


# ---- clear errors ---------------------------------------------------------------------


def test_non_numbers_are_refused_with_a_message_saying_what_is_accepted():
    with pytest.raises(TypeError, match=r"real number \(int or float\).*str"):
        Value("a")


def test_a_value_exponent_is_refused():
    with pytest.raises(TypeError, match="exponent must be an int or float, got Value"):
        Value(2.0) ** Value(3.0)


def test_log_softmax_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="log_softmax"):
        log_softmax([])


def test_repr():
    v = Value(2.5)
    assert repr(v) == "Value(data=2.5, grad=0.0)"
    (v * 3).backward()
    assert repr(v) == "Value(data=2.5, grad=3.0)"


# ---- micrograd compatibility ------------------------------------------------------------


def test_prev_is_the_set_of_parents_and_op_the_symbol():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._prev == {a, b}
    assert c._op == "*"
    assert (a + b)._op == "+"
    assert (a**2)._op == "**2"
    assert (a * a)._prev == {a}  # a set: a*a has one parent, as in micrograd
    assert a._prev == set()
    assert a._op == ""


def trace(root):
    """micrograd's trace(): every node and edge, by walking `_prev` recursively."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    """draw_dot() from micrograd's lecture notebook, unchanged but for rendering."""
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ {n.label} | data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_micrograds_draw_dot_runs_on_our_values():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.backward()
    nodes, edges = trace(c)
    assert len(nodes) == 6  # a, b, a*b, e^a, a*b + e^a, tanh
    source = draw_dot(c).source
    for n in nodes:
        assert f"data {n.data:.4f} | grad {n.grad:.4f}" in source
    assert "{ a | data 2.0000 | grad 0.9672 }" in source  # dc/da = (1 - c^2)(b + e^a)
    for name in ("*", "exp", "+", "tanh"):
        assert f'"{id(next(n for n in nodes if n._op == name))}{name}" -> ' in source
    assert source.count("->") == len(edges) + sum(1 for n in nodes if n._op)


def test_power_zero_has_slope_zero_even_at_zero():
    # x^0 = 1 for every x, so d/dx is 0 everywhere, not 0 * x^-1 = 0 * inf = nan at x = 0.
    x = Value(0.0)
    (x**0 + x * 3).backward()
    assert x.grad == 3.0


@pytest.mark.parametrize("x", [-3.0, -1.0, 0.2, 1.0, 2.5, float("nan")])
@pytest.mark.parametrize(("lo", "hi"), [(-1.0, 1.0), (None, 0.5), (0.0, None), (2.0, 1.0)])
def test_clip_matches_the_tensor_op_value_and_slope(x, lo, hi):
    v, t = Value(x), Tensor(np.array([x]), requires_grad=True)
    y, z = v.clip(lo, hi), t.clip(lo, hi)
    y.backward()
    z.sum().backward()
    np.testing.assert_array_equal([y.data], z.data)
    assert v.grad == t.grad[0]  # 0 outside [lo, hi], and for nan
    np.testing.assert_array_equal([v.clamp(lo, hi).data], [y.data])


def test_clip_is_gradient_checked_away_from_its_bounds():
    assert gradcheck(lambda v: v.clip(-1.0, 1.0), [Value(0.3)])
    assert gradcheck(lambda v: v.clip(-1.0, 1.0), [Value(1.7)])


# ---- bad input gets a clear error ---------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("Value-str", lambda: Value("1.5"), TypeError, r"^Value: data must be a real number .*got str '1.5'"),
    ("Value-None", lambda: Value(None), TypeError, r"^Value: data must be a real number .*got NoneType"),
    ("Value-list", lambda: Value([1.0]), TypeError, r"^Value: data must be a real number .*got list"),
    ("Value-array", lambda: Value(np.ones(2)), TypeError, r"^Value: data must be a real number .*ndarray"),
    ("Value-complex", lambda: Value(1j), TypeError, r"^Value: data must be a real number .*got complex"),
    ("Value-label", lambda: Value(1.0, label=3), TypeError, r"^Value: label must be a str, got int"),
    ("Value+str", lambda: Value(1.0) + "a",
     TypeError, r"unsupported operand type\(s\) for \+: 'Value' and 'str'"),
    ("Value*None", lambda: Value(1.0) * None, TypeError, r"unsupported operand .* 'Value' and 'NoneType'"),
    ("Value+Tensor", lambda: Value(1.0) + t23(), TypeError, r"unsupported operand .* 'Value' and 'Tensor'"),
    ("Value*Tensor", lambda: Value(1.0) * t23(), TypeError, r"operand .*\*: 'Value' and 'Tensor'"),
    ("Value/Tensor", lambda: Value(1.0) / Tensor(np.ones(3)), TypeError, r"for /: 'Value' and 'Tensor'"),
    ("Value**Value", lambda: Value(2.0) ** Value(2.0), TypeError,
     r"^Value \*\* exponent: the exponent must be an int or float, got Value"),
    ("Value**str", lambda: Value(2.0) ** "2", TypeError, r"^Value \*\* exponent: .* got str"),
    ("log_softmax-empty", lambda: log_softmax([]),
     ValueError, r"^log_softmax: needs at least one value"),
    ("log_softmax-None", lambda: log_softmax(None), TypeError,
     r"^log_softmax: expects a list of Values or numbers, got NoneType"),
    ("log_softmax-str", lambda: log_softmax(["a"]), TypeError, r"^Value: data must be a real number"),
    ("log_softmax-0d", lambda: Tensor(3.0).log_softmax(), ValueError,
     r"^log_softmax: axis -1 is out of range for a tensor of shape \(\)"),
    ("Value.clip-none", lambda: Value(1.0).clip(), ValueError,
     r"^clip: at least one of lo and hi must be a number"),
    ("Value.clip-str", lambda: Value(1.0).clip("a", 1.0), TypeError,
     r"^clip: lo must be a number or None, got 'a'"),
    # An op's backward that hands a Value an array: refused where it arrives, not kept as .grad.
    ("backward-value-gradient-array", lambda: (_array_gradient(Value(1.0)) * 2).backward(), TypeError,
     r"^a Value's gradient \(returned by the backward of an op on a leaf Value\) must be a real number "
     r"\(int or float\), got ndarray of shape \(2,\)"),
    ("backward-value-gradient-list", lambda: _array_gradient(Value(1.0).exp(), [1.0]).backward(), TypeError,
     r"^a Value's gradient \(returned by the backward of an op on the result of 'exp'\) must be a real "
     r"number \(int or float\), got list \[1.0\]"),
]


def _array_gradient(x, gradient=None):
    """An op on one Value whose backward returns an array (or `gradient`) instead of a number."""
    return op("pair", 2.0, (x,), lambda g: (np.array([g, g]) if gradient is None else gradient,))
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
