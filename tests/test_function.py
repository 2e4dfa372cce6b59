"""The public door for ops: `op()` and `Function`, on Tensors and on Values, used as a learner would.

Each op is defined here, outside the library, with public names only, and must work
everywhere a built-in op works: backward, gradcheck, no_grad, detect_anomaly, the pictures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import (
    AnomalyError,
    Function,
    GradcheckError,
    Tensor,
    Value,
    detect_anomaly,
    draw_graph,
    gradcheck,
    no_grad,
    numerics,
    op,
    watch_backward,
)

# ---- sin and a two-input op, through op() -----------------------------------------------------


def sin(x: Tensor | Value) -> Tensor | Value:
    """sin(x).  d/dx sin(x) = cos(x)."""
    if isinstance(x, Value):
        c = math.cos(x.data)
        return op("sin", math.sin(x.data), (x,), lambda g: (g * c,))
    c = np.cos(x.data)
    return op("sin", np.sin(x.data), (x,), lambda g: (g * c,))


def scaled_difference(a, b):
    """a * b - b^2 (broadcasting).  d/da = b, d/db = a - 2b."""
    a_data, b_data = a.data, b.data
    return op(
        "scaled_difference",
        a_data * b_data - b_data**2,
        (a, b),
        lambda g: (g * b_data, g * (a_data - 2 * b_data)),
    )


# ---- the same through Function ------------------------------------------------------------------


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.cos(x)


class ScaledDifference(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b - b**2

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * (a - 2 * b)


class WrongSin(Sin):
    """sin with a backward off by a factor of 2: gradcheck must catch it."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * np.cos(x)


def tensor(shape, seed=0) -> Tensor:
    return Tensor(np.random.default_rng(seed).uniform(-2, 2, shape), requires_grad=True)


UNARY = [sin, Sin.apply]
BINARY = [scaled_difference, ScaledDifference.apply]


class UserOp(NamedTuple):
    """One of the four ops above, with what the tests need to know about it."""

    fn: Callable
    name: str  # its name in the graph and in errors: op()'s first argument, or the Function's class
    arity: int
    value: Callable  # what it computes, from its inputs' data


def _scaled_difference_value(a, b):
    return a * b - b**2


# sin and a two-input op, each through op() and through Function: the tests below take each on
# Tensors and on Values.
USER_OPS = [
    pytest.param(UserOp(sin, "sin", 1, np.sin), id="op-sin"),
    pytest.param(UserOp(Sin.apply, "Sin", 1, np.sin), id="Function-Sin"),
    pytest.param(
        UserOp(scaled_difference, "scaled_difference", 2, _scaled_difference_value), id="op-two-input"
    ),
    pytest.param(
        UserOp(ScaledDifference.apply, "ScaledDifference", 2, _scaled_difference_value),
        id="Function-two-input",
    ),
]
KINDS = ["Tensor", "Value"]


def example_inputs(arity: int, kind: str) -> list:
    """Random Tensors of shapes (2, 3) and (3,), broadcast together, or scalar Values."""
    if kind == "Tensor":
        return [tensor((2, 3), 1), tensor(3, 2)][:arity]
    return [Value(0.3), Value(-1.5)][:arity]


def filled(numbers, kind: str) -> list:
    """One input per number: a Value, or a Tensor full of it (shapes (2, 1) and (3,), broadcast together)."""
    if kind == "Value":
        return [Value(x) for x in numbers]
    return [Tensor(np.full(shape, x), requires_grad=True) for x, shape in zip(numbers, [(2, 1), (3,)])]


@pytest.mark.parametrize("fn", UNARY, ids=["op", "Function"])
def test_a_unary_op_is_gradient_checked_on_tensors_and_values(fn):
    assert gradcheck(fn, [tensor((2, 3))])
    assert gradcheck(fn, [Value(0.7)])
    y = fn(Value(0.7))
    assert isinstance(y, Value) and y.data == pytest.approx(math.sin(0.7))


@pytest.mark.parametrize("fn", BINARY, ids=["op", "Function"])
@pytest.mark.parametrize(
    ("shape_a", "shape_b"), [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (3,))]
)
def test_a_two_input_op_broadcasts_and_the_engine_sums_back(fn, shape_a, shape_b):
    a, b = tensor(shape_a, 1), tensor(shape_b, 2)
    assert gradcheck(fn, [a, b])
    fn(a, b).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@pytest.mark.parametrize("fn", BINARY, ids=["op", "Function"])
def test_a_two_input_op_on_values(fn):
    assert gradcheck(fn, [Value(0.5), Value(-1.5)])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("user_op", USER_OPS)
def test_no_grad_makes_a_leaf(user_op, kind):
    inputs = example_inputs(user_op.arity, kind)
    with no_grad():
        y = user_op.fn(*inputs)
    assert type(y) is type(inputs[0])
    assert y.parents == () and y.backward_fn is None and y.op == ""
    # A Tensor made under no_grad does not require grad; every Value does (as in micrograd), leaf or not.
    assert y.requires_grad == (kind == "Value")
    np.testing.assert_allclose(y.data, user_op.value(*(x.data for x in inputs)))
    if kind == "Value":
        y.backward()
        assert [x.grad for x in inputs] == [0.0] * user_op.arity  # nothing recorded, nothing flows back


def my_exp(x):
    """e^x.  d/dx e^x = e^x."""
    out = np.exp(x.data) if isinstance(x, Tensor) else numerics.exp(x.data)
    return op("my_exp", out, (x,), lambda g: (g * out,))


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


# Finite inputs whose forward overflows to inf: e^1000, and 1e308 * 10 in a * b - b^2. (sin cannot
# overflow: it is tested below with a backward that makes nan.)
OVERFLOWING = [
    pytest.param(my_exp, "my_exp", (1000.0,), id="op-exp"),
    pytest.param(Exp.apply, "Exp", (1000.0,), id="Function-Exp"),
    pytest.param(scaled_difference, "scaled_difference", (1e308, 10.0), id="op-two-input"),
    pytest.param(ScaledDifference.apply, "ScaledDifference", (1e308, 10.0), id="Function-two-input"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("fn", "name", "numbers"), OVERFLOWING)
@np.errstate(over="ignore")  # the user ops overflow in numpy, which warns
def test_detect_anomaly_names_a_user_op_whose_forward_makes_inf(fn, name, numbers, kind):
    with detect_anomaly(), pytest.raises(AnomalyError, match=f"forward of '{name}'"):
        fn(*filled(numbers, kind))
    assert np.isinf(fn(*filled(numbers, kind)).data).all()  # outside it, inf is a result


class NanBackward(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * np.nan


def sin_over_tan(x):
    """sin, whose backward takes cos(x) as sin(x) / tan(x): right, except at 0, where it is 0 / 0."""
    d = np.sin(x.data) / np.tan(x.data)
    return op("sin", np.sin(x.data), (x,), lambda g: (g * d,))


class SinOverTan(Sin):
    """Sin as a Function, with the same bug."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.sin(x) / np.tan(x)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("fn", "name"),
    [(NanBackward.apply, "NanBackward"), (sin_over_tan, "sin"), (SinOverTan.apply, "SinOverTan")],
    ids=["Function-nan", "op-sin", "Function-Sin"],
)
@np.errstate(invalid="ignore")  # 0 / 0 in numpy warns
def test_detect_anomaly_names_a_user_op_whose_backward_makes_nan(fn, name, kind):
    def gradient_at_zero():
        (x,) = filled([0.0], kind)
        y = fn(x)
        (y.sum() if kind == "Tensor" else y).backward()
        return x.grad

    with detect_anomaly(), pytest.raises(AnomalyError, match=f"backward of '{name}'"):
        gradient_at_zero()
    assert np.isnan(gradient_at_zero()).all()  # outside it, nan flows into the gradient


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("user_op", USER_OPS)
def test_draw_graph_shows_the_op_name_on_its_oval(user_op, kind):
    y = user_op.fn(*example_inputs(user_op.arity, kind))
    source = draw_graph(y.sum() if kind == "Tensor" else y).source
    assert source.count(f"<b>{user_op.name}</b>") == 1


def test_watch_backward_replays_a_user_op():
    a = Value(0.3, label="a")
    loss = scaled_difference(sin(a), Value(2.0, label="b"))
    loss.label = "loss"
    assert len(watch_backward(loss)) == 2


def wrong_sin(x):
    """sin whose backward uses sin(x) where d/dx sin(x) is cos(x): gradcheck must catch it."""
    s = np.sin(x.data)
    return op("sin", s, (x,), lambda g: (g * s,))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fn", [wrong_sin, WrongSin.apply], ids=["op", "Function"])
def test_gradcheck_catches_a_deliberately_wrong_backward(fn, kind):
    x = tensor(3) if kind == "Tensor" else Value(0.4)
    with pytest.raises(GradcheckError, match="analytic"):
        gradcheck(fn, [x])


def test_non_node_arguments_reach_forward_as_they_are_and_get_no_gradient():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None

    x = tensor(3)
    assert gradcheck(lambda x: Scale.apply(x, 3.0), [x])


def test_user_ops_leave_no_reference_cycles():
    import gc
    import weakref

    gc.disable()
    try:
        x = tensor(3)
        y = Sin.apply(sin(x)).sum()
        y.backward()
        refs = [weakref.ref(y), weakref.ref(y.parents[0])]
        del y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


class TwoGradients(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return np.ones(7)


BAD_INPUT = [
    ("Function.apply-no-node", lambda: Sin.apply(1.0), TypeError,
     r"^Sin.apply: needs at least one Tensor or Value"),
    ("Function.backward-count", lambda: TwoGradients.apply(tensor(3)).sum().backward(), ValueError,
     r"^TwoGradients.backward: returned 2 gradient\(s\) for 1 input\(s\)"),
    ("Function.backward-shape", lambda: WrongShape.apply(tensor(3)).sum().backward(), ValueError,
     r"^WrongShape.backward: the gradient for input 0 has shape \(7,\), expected \(3,\)"),
    ("op-count-with-a-constant", lambda: _three_gradients_for_two_inputs().sum().backward(), ValueError,
     r"^three: backward returned 3 gradient\(s\) for 2 input\(s\)"),
    ("op-mixed", lambda: op("mix", 1.0, (Value(1.0), tensor(2)), lambda g: (g, g)), TypeError,
     r"^mix: inputs must be all Values or all Tensors, got Value, Tensor"),
    ("op-mixed-tensor-first", lambda: op("mix", 1.0, (tensor(2), Value(1.0)), lambda g: (g, g)), TypeError,
     r"^mix: inputs must be all Values or all Tensors, got Tensor, Value"),
    ("op-mixed-no-grad", lambda: _mixed_under_no_grad(), TypeError,
     r"^mix: inputs must be all Values or all Tensors, got Value, Tensor"),
    # The mistakes a learner makes first with op(): one input not in a tuple, numbers, a wrong backward.
    ("op-one-tensor-not-in-a-tuple", lambda: op("s", np.sin(tensor(3).data), tensor(3), lambda g: (g,)),
     TypeError, r"^s: inputs must be a tuple of Values or Tensors, got a Tensor; for one input x write"),
    ("op-one-value-not-in-a-tuple", lambda: op("s", 0.5, Value(1.0), lambda g: (g,)), TypeError,
     r"^s: inputs must be a tuple of Values or Tensors, got a Value; for one input x write \(x,\)"),
    ("op-list", lambda: op("s", 0.5, [Value(1.0)], lambda g: (g,)), TypeError,
     r"^s: inputs must be a tuple of Values or Tensors, got a list$"),
    ("op-no-inputs", lambda: op("s", 0.5, (), lambda g: ()), ValueError,
     r"^s: an op needs at least one input node \(a Value or a Tensor\), got none"),
    ("op-numbers", lambda: op("s", 3.0, (1.0, 2.0), lambda g: (g, g)), TypeError,
     r"^s: inputs must be all Values or all Tensors, got float, float"),
    ("op-arrays", lambda: op("s", 3.0, (np.ones(2),), lambda g: (g,)), TypeError,
     r"^s: inputs must be all Values or all Tensors, got ndarray"),
    ("op-value-data-array", lambda: op("s", np.ones(3), (Value(1.0),), lambda g: (g,)), TypeError,
     r"^s: a Value's data must be a real number \(int or float\), got ndarray of shape \(3,\)"),
    ("op-backward-none", lambda: op("s", 0.5, (Value(1.0),), None), TypeError,
     r"^s: backward must be a function g -> tuple of gradients, got NoneType"),
    ("Function.backward-value-shape", lambda: WrongShape.apply(Value(1.0)).backward(), ValueError,
     r"^WrongShape.backward: the gradient for input 0 has shape \(7,\), expected one number \(the input is"),
]  # fmt: skip


def _three_gradients_for_two_inputs():
    # One input needs no gradient, so the door masks the backward: the wrong count still shows.
    x, constant = tensor(3), Tensor(np.ones(3))
    return op("three", x.data * constant.data, (x, constant), lambda g: (g, g, g))


def _mixed_under_no_grad():
    with no_grad():
        return op("mix", 1.0, (Value(1.0), tensor(2)), lambda g: (g, g))


class ReluWritingIntoItsGrad(Function):
    """PyTorch's tutorial ReLU without its clone(): backward writes into the gradient it is given."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g[x < 0] = 0
        return g


def test_a_backward_writing_into_its_gradient_changes_no_other():
    x, w = Tensor(np.array([-1.0, 2.0]), requires_grad=True), Tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = ReluWritingIntoItsGrad.apply(x)
    (y * w).sum().backward()
    np.testing.assert_array_equal(y.grad, [3.0, 4.0])
    np.testing.assert_array_equal(x.grad, [0.0, 4.0])


LAYOUTS_SEEN: list[bool] = []


class Layout(Function):
    """The identity, noting the memory order of the gradient its backward gets."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        LAYOUTS_SEEN.append(g.flags.f_contiguous and not g.flags.c_contiguous)
        return g


def test_a_function_s_backward_gets_its_gradient_in_its_own_memory_order():
    # The copy keeps g's layout, so a sum in backward adds in the same order as on g itself.
    LAYOUTS_SEEN.clear()
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    (Layout.apply(x).T * Tensor(np.ones((3, 2)))).sum().backward()
    assert LAYOUTS_SEEN == [True]


def test_a_value_s_grad_stays_a_python_float_through_a_function():
    v = Value(0.5)
    Sin.apply(v).backward()
    assert type(v.grad) is float and v.grad == pytest.approx(math.cos(0.5))


def short_backward(x, y):
    return op("short", x.data + y.data, (x, y), lambda g: (g,))


def misfit_backward(x):
    return op("misfit", x.data * 2, (x,), lambda g: (np.ones(7),))


BAD_INPUT += [
    ("op-backward-count-Tensor", lambda: short_backward(tensor(3), tensor(3)).sum().backward(), ValueError,
     r"^short: backward returned 1 gradient\(s\) for 2 input\(s\)"),
    ("op-backward-count-Value", lambda: short_backward(Value(1.0), Value(2.0)).backward(), ValueError,
     r"^short: backward returned 1 gradient\(s\) for 2 input\(s\)"),
    ("op-backward-shape", lambda: misfit_backward(tensor(3)).sum().backward(), ValueError,
     r"^misfit: backward returned gradients of shapes \(7,\) for inputs of shapes \(3,\)"),
]  # fmt: skip


def test_a_backward_of_the_wrong_shape_is_refused_even_with_the_same_size():
    x = tensor((2, 3))
    y = op("forgot_transpose", x.data.T.copy(), (x,), lambda g: (g,))
    with pytest.raises(
        ValueError, match=r"^forgot_transpose: backward returned gradients of shapes \(3, 2\)"
    ):
        y.backward(np.ones((3, 2)))


def test_a_backward_that_returns_no_tuple_is_named():
    x = tensor(3)
    y = op("bare", x.data * 2, (x,), lambda g: g * 2)
    with pytest.raises(ValueError, match=r"^bare: backward returned a ndarray for 1 input\(s\)"):
        y.sum().backward()


def test_an_op_needs_an_input():
    with pytest.raises(ValueError, match=r"^nothing: an op needs at least one input node"):
        op("nothing", 1.0, (), lambda g: ())


class Rounded(Function):
    @staticmethod
    def forward(ctx, x):
        return np.round(x).astype(np.int64)

    @staticmethod
    def backward(ctx, g):
        return g


BAD_INPUT += [
    ("Function.forward-int", lambda: Rounded.apply(tensor(3)), TypeError,
     r"^Rounded.forward: returned dtype int64; an op whose inputs require grad must return floating-point"),
]  # fmt: skip


# Last, so that every row added above is run.
@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
