"""Every public entry point has bad-input cases, kept in the test file of the module that raises them.

Each tests/test_*.py with error cases holds a table BAD_INPUT of rows
(id naming the entry point, call, exception type, message pattern), checked by
tests/bad_input.py's `assert_clear_error`. This file only collects the ids.

The entry points are read from the package: the `__all__` of the modules that have one,
the public top-level functions and classes of those that do not, and a short hand-kept
list of Tensor/Value methods and operators. EXEMPT names what takes no user input or
cannot fail on it, each with its reason.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

WITH_ALL = ["tinygrad_lite", "tinygrad_lite.shift", "tinygrad_lite.viz", "tinygrad_lite.compiler"]
WITHOUT_ALL = [
    "tinygrad_lite.nn",
    "tinygrad_lite.optim",
    "tinygrad_lite.io",
    "tinygrad_lite.functional",
    "tinygrad_lite.testing",
    "tinygrad_lite.gradcheck",
    "tinygrad_lite.hints",
]

# Methods and operators of Tensor, Value, Module and Function (an id "add-..." covers a + b).
METHODS = [
    "add", "mul", "sub", "div", "pow", "matmul", "dot", "len", "bool", "item", "backward",
    "zeros", "ones", "eye", "randn", "uniform", "one_hot",
    "sum", "mean", "max", "min", "prod", "var", "std", "argmax", "argmin", "logsumexp", "softmax",
    "log_softmax", "clip", "lt", "eq", "ge",
    "reshape", "transpose", "getitem", "concatenate", "stack",
    "Function.apply", "Function.backward", "load_state_dict", "train",
]  # fmt: skip

EXEMPT = {
    "AnomalyError": "an exception class",
    "CheckpointError": "an exception class",
    "GradcheckError": "an exception class",
    "OpCheckError": "an exception class",
    "RenderError": "an exception class",
    "GraphChangedError": "an exception class",
    "TraceError": "an exception class",
    "is_grad_enabled": "takes no arguments",
    "Case": "a record check_op fills in (hints.Case)",
    "hint": "reads the cases check_op made; check_op's rows check what the user gives",
    "no_grad": "takes no arguments",
    "detect_anomaly": "takes no arguments",
    "Context": "takes no arguments; Function.apply makes it",
    "Capacity": "a result of capacity_table",
    "SweepResult": "a result of capacity_sweep",
    "ShiftResult": "a result of train_shift",
    "FloatLimit": "a result of float_limit",
    "Recorder": "made by train_shift from a checked config",
    "Picture": "a result of draw_graph and draw_network",
    "Drawing": "a result of draw_hidden_space",
    "CompiledFunction": "what compile returns; compile's rows check its arguments",
}


def public_names() -> list[str]:
    """The public callables of the package, then METHODS, each once, in that order."""
    names = []
    for name in WITH_ALL:
        module = importlib.import_module(name)
        names += [n for n in module.__all__ if callable(getattr(module, n))]
    for name in WITHOUT_ALL:
        module = importlib.import_module(name)
        names += [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and callable(obj) and getattr(obj, "__module__", None) == name
        ]
    return list(dict.fromkeys(names + METHODS))


ENTRY_POINTS = [name for name in public_names() if name not in EXEMPT]


def collected_ids() -> list[str]:
    ids = []
    for path in sorted(TESTS.glob("test_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        ids += [row[0] for row in getattr(module, "BAD_INPUT", [])]
    return ids


def test_the_tables_have_unique_ids():
    ids = collected_ids()
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_exempt_name_is_a_public_name():
    assert sorted(set(EXEMPT) - set(public_names())) == []


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_every_public_entry_point_has_a_bad_input_case(name):
    covered = " ".join(collected_ids())
    assert re.search(rf"(^|\s){re.escape(name)}\b", covered), f"no BAD_INPUT row for {name}"
