"""docs/exercises.md and notebooks/exercises.ipynb: wrong answers get a clear verdict from the checkers,
and the notebook holds the page's code, in order, with the solutions hidden.

tests/test_docs.py runs the page (checkers, solutions, checks) and compares what it prints;
tests/test_notebooks.py runs the notebook top to bottom (a checker that fails raises, so an error
output there is a failed exercise) and checks it is committed without outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_docs import fenced_blocks
from tinygrad_lite import Tensor, Value, op
from tinygrad_lite.nn import MLP
from tinygrad_lite.testing import OpCheckError

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "exercises.md"
NOTEBOOK = ROOT / "notebooks" / "exercises.ipynb"


def python_blocks() -> list[str]:
    return [b.code for b in fenced_blocks(PAGE.read_text("utf-8")) if b.lang == "python"]


@pytest.fixture(scope="module")
def checkers() -> dict:
    """The namespace of the page's first block, which defines the checkers."""
    namespace: dict = {}
    exec(compile(python_blocks()[0], str(PAGE), "exec"), namespace)
    return namespace


# ---- wrong answers get a clear verdict ----------------------------------------------------------


def test_exercise_1_a_wrong_tanh_derivative_is_caught(checkers):
    class Tanh(checkers["Function"]):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.tanh(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (1 - np.tanh(x)) ** 2  # (1 - tanh)^2, not 1 - tanh^2

    with pytest.raises(OpCheckError, match="the backward disagrees with finite differences"):
        checkers["check_op"](Tanh, reference=np.tanh, kind="both")


def test_exercise_2_the_textbook_softplus_overflows(checkers):
    def softplus(x):
        e = np.exp(x.data)
        return op("softplus", np.log(1 + e), (x,), lambda g: (g * e / (1 + e),))

    checkers["check_op"](softplus, reference=lambda x: np.logaddexp(0, x))  # right where it does not overflow
    with pytest.raises(AssertionError, match=r"not stable: numpy overflowed"):
        checkers["check_softplus_is_stable"](softplus)


def test_exercise_3_a_composed_log_softmax_is_not_one_op(checkers):
    def log_softmax(x):
        return x - x.exp().sum(axis=-1, keepdims=True).log()

    with pytest.raises(
        AssertionError, match="not from x alone: write the forward and the backward as one op"
    ):
        checkers["check_one_op"](log_softmax)


def recursive_topo_sort(root):
    """micrograd's: right, but recursive."""
    order, visited = [], set()

    def build(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                build(parent)
            order.append(node)

    build(root)
    return order


def test_exercise_4_a_recursive_sort_fails_on_a_long_chain(checkers):
    with pytest.raises(AssertionError, match="RecursionError on a chain of 20,000 ops: use a stack"):
        checkers["check_topological_order"](recursive_topo_sort)


def test_exercise_4_children_first_is_caught(checkers):
    with pytest.raises(AssertionError, match="a node comes before a parent"):
        checkers["check_topological_order"](lambda root: recursive_topo_sort(root)[::-1])


def test_exercise_5_forgetting_to_zero_the_gradients_is_caught(checkers):
    def train_step(model, xs, ys, lr):
        loss = sum((model(x)[0] - y) ** 2 for x, y in zip(xs, ys)) * (1 / len(xs))
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return loss.data

    with pytest.raises(AssertionError, match=r"after step 1 .* differs from optim.SGD's"):
        checkers["check_sgd_step"](train_step)


def test_exercise_6_an_untrained_or_wider_network_is_caught(checkers):
    with pytest.raises(AssertionError, match=r"^\d of 10 examples right"):
        checkers["check_shift_solved"](MLP(11, 2, 11, rng=0))
    with pytest.raises(AssertionError, match="expected the seed's network, 11 -> 2 -> 11"):
        checkers["check_shift_solved"](MLP(11, 3, 11, rng=0))


def test_the_checkers_use_values_and_tensors_from_the_library(checkers):
    assert checkers["Value"] is Value and checkers["Tensor"] is Tensor


# ---- the notebook ------------------------------------------------------------------------------


def notebook() -> dict:
    return json.loads(NOTEBOOK.read_text("utf-8"))


def test_the_notebook_holds_the_page_s_code_in_order_with_the_solutions_hidden():
    cells = [c for c in notebook()["cells"] if c["cell_type"] == "code"]
    assert ["".join(c["source"]) for c in cells] == python_blocks()
    hidden = [c.get("metadata", {}).get("jupyter", {}).get("source_hidden", False) for c in cells]
    assert hidden == [True] + [True, False] * 3 + [True, False] * 3  # checkers, then solution + check
