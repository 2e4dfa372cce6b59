"""The validators of checks.py: each returns what its caller wants, or says who refused what, and why."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import Tensor, checks


def test_the_validators_return_what_the_caller_wants():
    assert checks.positive_int("Linear", "in_features", np.int64(3)) == 3
    assert checks.non_negative_int("train", "steps", 0) == 0
    assert checks.positive_number("SGD", "lr", 0.5) == 0.5
    assert checks.non_negative_number("gradcheck", "atol", 0) == 0.0
    assert checks.non_empty_list("sweep", "seeds", range(2), checks.is_int, "ints") == [0, 1]
    assert checks.one_of("MLP", "activation", "tanh", ("tanh", "relu")) == "tanh"
    assert isinstance(checks.rng("Linear", 0), np.random.Generator)
    assert checks.dtype("Tensor", "float32") == np.float32 and checks.dtype("Tensor", None) is None
    assert checks.float_dtype("Linear", np.float64) == np.float64
    assert checks.shape("zeros", ((2, 3),)) == (2, 3) and checks.shape("zeros", (2, 3)) == (2, 3)
    assert checks.axes("sum", (-1, 0), (2, 3, 4)) == (0, 2) and checks.axes("sum", None, (2, 3)) == (0, 1)
    assert checks.single_axis("log_softmax", -1, (2, 3)) == 1
    assert checks.broadcast("add", (2, 1), (3,)) == (2, 3)
    col, row = np.ones((2, 1)), np.arange(3.0)
    np.testing.assert_array_equal(checks.broadcasting("add", np.add, Tensor(col), Tensor(row)), col + row)
    assert checks.permutation("transpose", (), (2, 3, 4)) == (2, 1, 0)
    np.testing.assert_array_equal(checks.class_indices("one_hot", "indices", np.array([0, 2]), 3), [0, 2])


BAD_INPUT = [
    ("checks.positive_int-bool", lambda: checks.positive_int("Linear", "in_features", True), ValueError,
     r"^Linear: in_features must be a positive int, got True"),
    ("checks.non_negative_int", lambda: checks.non_negative_int("train", "steps", -1), ValueError,
     r"^train: steps must be a non-negative int, got -1"),
    ("checks.positive_number-inf", lambda: checks.positive_number("SGD", "lr", float("inf")), ValueError,
     r"^SGD: lr must be a positive finite number, got inf"),
    ("checks.non_negative_number", lambda: checks.non_negative_number("Adam", "eps", -1e-8), ValueError,
     r"^Adam: eps must be a non-negative finite number, got -1e-08"),
    ("checks.non_empty_list-empty", lambda: checks.non_empty_list("t", "seeds", [], checks.is_int, "ints"),
     ValueError, r"^t: seeds must be a non-empty list of ints, got \[\]"),
    ("checks.non_empty_list-item", lambda: checks.non_empty_list("t", "lrs", [0.1, "a"], checks.is_number,
     "numbers"), ValueError, r"^t: lrs must be a non-empty list of numbers, got \[0.1, 'a'\]"),
    ("checks.one_of", lambda: checks.one_of("MLP", "activation", "x", ("tanh",)), ValueError,
     r"^MLP: activation must be one of \('tanh',\), got 'x'"),
    ("checks.rng", lambda: checks.rng("Linear", "seed"), TypeError,
     r"^Linear: rng must be a numpy Generator"),
    ("checks.float_dtype", lambda: checks.float_dtype("Linear", np.int32), TypeError,
     r"^Linear: dtype must be a floating-point dtype"),
    ("checks.axes-repeat", lambda: checks.axes("sum", (0, -2), (2, 3)), ValueError,
     r"^sum: axis \(0, -2\) repeats"),
    ("checks.not_empty", lambda: checks.single_axis("log_softmax", 1, (2, 0)), ValueError,
     r"^log_softmax: axis 1 of shape \(2, 0\) is empty"),
    ("checks.class_indices-range", lambda: checks.class_indices("nll_loss", "targets", np.array([3]), 3),
     ValueError, r"^nll_loss: targets must be class indices in \[0, 3\), got values from 3 to 3"),
    # A negative index of a small int dtype, with more classes than that dtype's unsigned view would catch.
    ("checks.class_indices-int8",
     lambda: checks.class_indices("one_hot", "indices", np.array([-128], np.int8), 200), ValueError,
     r"^one_hot: indices must be class indices in \[0, 200\), got values from -128 to -128"),
    ("checks.broadcasting-shapes",
     lambda: checks.broadcasting("lt", np.less, Tensor(np.ones(2)), Tensor(np.ones(3))), ValueError,
     r"^lt: cannot broadcast shapes \(2,\) and \(3,\)"),
    # Not the shapes: numpy refuses the values, and the error still names the op and both dtypes.
    ("checks.broadcasting-values",
     lambda: checks.broadcasting("pow", np.power, Tensor([2, 3]), Tensor([-1, 2])), ValueError,
     r"^pow: Integers to negative integer powers are not allowed\. \(dtypes int\d+ and int\d+\)"),
    ("checks.reshaped", lambda: checks.reshaped("reshape", np.ones(6), (4,)), ValueError,
     r"^reshape: cannot reshape a tensor of shape \(6,\) \(6 elements\) into \(4,\)"),
]  # fmt: skip


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
