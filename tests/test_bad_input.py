"""Every public entry point has bad-input cases, kept in the test file of the module that raises them.

Each tests/test_*.py with error cases holds a table BAD_INPUT of rows
(id naming the entry point, call, exception type, message pattern), checked by
tests/bad_input.py's `assert_clear_error`. This file only collects the ids.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

ENTRY_POINTS = [
    "Value", "log_softmax", "compile", "Tensor", "zeros", "ones", "eye", "randn", "uniform", "one_hot",
    "add", "mul", "sub", "div", "pow", "matmul", "sum", "mean", "max", "logsumexp", "softmax",
    "reshape", "transpose", "getitem", "concatenate", "stack", "item", "backward",
    "op", "Function.apply", "Function.backward",
    "Linear", "linear", "MLP", "ValueMLP", "load_state_dict", "cross_entropy", "nll_loss", "mse_loss",
    "value_cross_entropy", "SGD", "Adam", "shift_task", "initial_weights", "train_shift",
    "capacity_sweep", "capacity_table", "capacity_plot", "train_shift_seeds", "weight_table",
    "worked_example", "save", "load", "draw_graph", "draw_network",
    "draw_hidden_space",
    "clip", "maximum", "minimum", "where", "min", "prod", "var", "std", "argmax", "argmin",
    "lt", "eq", "ge", "len", "bool", "isclose", "allclose", "dot", "leaky_relu", "relu6", "elu", "softplus",
    "gelu", "silu", "hardswish", "mish", "dropout", "Dropout", "train", "AdamW", "RMSprop",
    "numerical_grad", "check_op", "handbuilt_network", "handbuilt_codes", "float_limit", "task_margin",
]  # fmt: skip


def collected_ids() -> list[str]:
    ids = []
    for path in sorted(TESTS.glob("test_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        ids += [row[0] for row in getattr(module, "BAD_INPUT", [])]
    return ids


def test_the_tables_have_unique_ids():
    ids = collected_ids()
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_every_public_entry_point_has_a_bad_input_case(name):
    covered = " ".join(collected_ids())
    assert re.search(rf"(^|\s){re.escape(name)}\b", covered), f"no BAD_INPUT row for {name}"
