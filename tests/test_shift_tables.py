"""Tests for shift/tables.py: the weights per node, the worked example and the sweep, as the seed has them."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import nn
from tinygrad_lite.shift import (
    ShiftConfig,
    SweepResult,
    sweep_table,
    train_shift,
    weight_table,
    worked_example,
)


def model_with(w1: list[list[float]], w2: list[list[float]]) -> nn.MLP:
    """The seed's network with given weights: w1[n] into the hidden neurons, w2[n] out of them."""
    w1, w2 = np.array(w1, float), np.array(w2, float)
    model = nn.MLP(w1.shape[0], w1.shape[1], w1.shape[0], dtype=np.float64)
    model.load_state_dict({"layers.0.weight": w1.T.copy(), "layers.1.weight": w2.copy()})
    return model


A = np.arctanh(0.5)  # 10 tanh(A) = 5


def test_weight_table():
    model = model_with([[A, -A], [-A, A], [0.0, 0.0]], [[0.0, 0.0], [4.0, -4.0], [-26.0, 26.0]])
    lines = weight_table(model).splitlines()
    assert lines[0].startswith("input side: 10 tanh(w)")
    assert lines[1] == "node |  in->h1  in->h2 | h1->out h2->out"
    assert lines[2:] == [
        "   1 |     5.0    -5.0 |     0.0     0.0",
        "   2 |    -5.0     5.0 |     4.0    -4.0",
        "   3 |     0.0     0.0 |   -26.0    26.0",
    ]


def test_worked_example():
    model = model_with([[A, -A], [-A, A], [0.0, 0.0]], [[0.0, 0.0], [4.0, -4.0], [-26.0, 26.0]])
    # Input 1 fires: hidden (5, -5); output 2 scores 5*4 + -5*-4 = 40, output 1 scores 0, output 3 -260.
    assert worked_example(model, 1) == (
        "input 1 fires: output 2 wins with score 40.0 ≈ 5.0 * 4.0 + -5.0 * -4.0 (x10 scale: logit 4); "
        "next best is output 1 with 0.0 (logit 0) -> right"
    )
    assert worked_example(model, 2) == (
        "input 2 fires: output 3 wins with score 260.0 ≈ -5.0 * -26.0 + 5.0 * 26.0 (x10 scale: logit 26); "
        "next best is output 1 with 0.0 (logit 0) -> right"
    )
    wrong = model_with([[A, -A], [-A, A], [0.0, 0.0]], [[0.0, 0.0], [-4.0, 4.0], [26.0, -26.0]])
    assert worked_example(wrong, 1).endswith("-> WRONG (wanted 2)")
    with pytest.raises(ValueError, match=r"input must be one of the inputs that fire, 1..2, got 3"):
        worked_example(model, 3)
    with pytest.raises(ValueError, match="one-hidden-layer MLP without biases"):
        worked_example(nn.MLP(3, 2, 3, bias=True), 1)


def test_sweep_table_marks_capped_results():
    results = [SweepResult(5, 40, True, 3, {3: 3, 40: 1}), SweepResult(3, 29, False, 3, {29: 2})]
    lines = sweep_table(results).splitlines()
    assert lines[0].startswith(" H | largest N learned | seed says")
    assert lines[1] == f" 5 | {'>= 40':>17} | -            | 3:3/3, 40:1/3"
    assert lines[2] == f" 3 | {'29':>17} | about 30     | 29:2/3"


# ---- bad input: a clear error -------------------------------------------------------------------


def seed_model() -> nn.MLP:
    """The seed's network for N=5, as train_shift returns it."""
    return train_shift(ShiftConfig(5, 2, steps=0), progress=False).model


# fmt: off
BAD_INPUT = [
    ("weight_table-type", lambda: weight_table("x"), TypeError,
     r"^weight_table: expects an MLP such as train_shift\(...\).model, got str"),
    ("weight_table-bias", lambda: weight_table(nn.MLP(5, 2, 5, bias=True)), ValueError,
     r"^weight_table: the seed's tables need a one-hidden-layer MLP without biases"),
    ("weight_table-copies", lambda: weight_table(nn.MLP(5, 2, 5, copies=2)), ValueError,
     r"^weight_table: the seed's tables need a one-hidden-layer MLP without biases"),
    ("worked_example-range", lambda: worked_example(seed_model(), 5), ValueError,
     r"^worked_example: input must be one of the inputs that fire, 1..4, got 5"),
    ("worked_example-str", lambda: worked_example(seed_model(), "a"), ValueError,
     r"^worked_example: input must be one of the inputs that fire, 1..4, got 'a'"),
    ("sweep_table-empty", lambda: sweep_table([]), ValueError,
     r"^sweep_table: results must be a non-empty list of SweepResults \(capacity_sweep\), got \[\]"),
    ("sweep_table-rows", lambda: sweep_table(["H=2: 37"]), ValueError,
     r"^sweep_table: results must be a non-empty list of SweepResults .*got \['H=2: 37'\]"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
