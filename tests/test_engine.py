"""Tests for engine.py: the graph order, the backward pass, no_grad, and how graphs are freed.

Most tests run twice, once with scalar Values and once with Tensors: the engine is
shared, so both kinds of node must behave the same.
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_lite import AnomalyError, Tensor, Value, detect_anomaly, is_grad_enabled, no_grad
from tinygrad_lite.engine import iter_graph, topological_order
from tinygrad_lite.functional import log_softmax


def leaf(kind: str, x: float) -> Value | Tensor:
    """A leaf node holding x: a Value, or a float64 Tensor of shape (2,) that requires grad."""
    if kind == "value":
        return Value(x)
    return Tensor(np.array([x, x]), requires_grad=True)


def grad_of(node: Value | Tensor) -> np.ndarray:
    return np.asarray(node.grad, dtype=np.float64)


def backward(root: Value | Tensor) -> None:
    """root.backward() for a Value; (sum of root).backward() for a Tensor."""
    (root if isinstance(root, Value) else root.sum()).backward()


KINDS = ["value", "tensor"]


# ---- topological order --------------------------------------------------------


def assert_topological(order: list, root) -> None:
    """Each node once, every parent (that requires grad) before its child, the root last."""
    assert len({id(node) for node in order}) == len(order)
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if parent.requires_grad:  # constants such as the 3.0 in a * 3.0 are not visited
                assert position[id(parent)] < position[id(node)]
    assert order[-1] is root


@pytest.mark.parametrize("kind", KINDS)
def test_topological_order_of_a_diamond(kind):
    # a feeds b and c, both feed d: a must come once, before b and c, and d last.
    a = leaf(kind, 2.0)
    b = a * 3.0
    c = a.tanh()
    d = b * c
    order = topological_order(d)
    assert_topological(order, d)
    for node in (a, b, c):
        assert sum(n is node for n in order) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_an_input_used_twice_appears_once(kind):
    a = leaf(kind, 3.0)
    b = a * a
    order = topological_order(b)
    assert [n for n in order if n is a] == [a]
    backward(b)
    np.testing.assert_array_equal(grad_of(a), 2 * 3.0)  # d(a*a)/da = 2a: both edges count


@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans()), min_size=1, max_size=30)
)
def test_topological_order_of_random_graphs(recipe):
    # Each step combines two earlier nodes (picked by the integers) with + or *.
    nodes = [Value(0.5), Value(-1.5)]
    for i, j, add in recipe:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(a + b if add else a * b)
    root = nodes[-1]
    order = topological_order(root)
    assert_topological(order, root)
    # Exactly the nodes the root depends on (the root itself included).
    reachable, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in reachable:
            reachable.add(id(node))
            stack.extend(node.parents)
    assert {id(n) for n in order} == reachable


def test_topological_order_skips_tensors_that_do_not_require_grad():
    w = Tensor(np.ones(3), requires_grad=True)
    x = Tensor(np.arange(3.0))  # data, not a parameter
    y = (w * x.exp()).sum()
    order = topological_order(y)
    # By identity: `in` would compare with ==, which is elementwise for tensors (as in PyTorch).
    assert all(node is not x for node in order)
    assert any(node is w for node in order)


def test_iter_graph_visits_every_node_once_root_first_constants_included():
    x = Value(1.0)
    hidden = x * 2.0  # the 2.0 becomes a constant Value
    root = hidden + hidden.exp()
    nodes = list(iter_graph(root))
    assert nodes[0] is root
    assert len({id(n) for n in nodes}) == len(nodes) == 5  # root, hidden, exp, x, the constant 2.0
    assert nodes.index(hidden) < nodes.index(x)  # breadth first: nearer nodes first
    assert any(n.data == 2.0 and not n.parents for n in nodes)


# ---- long chains ----------------------------------------------------------------


def refuse_to_change_the_recursion_limit(limit: int) -> None:
    raise AssertionError(f"the engine called sys.setrecursionlimit({limit})")


@pytest.mark.parametrize("kind", KINDS)
def test_a_200000_node_chain_back_propagates_without_recursion(kind, monkeypatch):
    # micrograd's recursive sort fails at about 1,000 nodes; an explicit stack has no limit.
    limit = sys.getrecursionlimit()
    monkeypatch.setattr(sys, "setrecursionlimit", refuse_to_change_the_recursion_limit)
    x = leaf(kind, 0.5)
    y = x
    for _ in range(200_000):
        y = y + 1.0
    backward(y)
    np.testing.assert_array_equal(grad_of(x), 1.0)
    np.testing.assert_array_equal(np.asarray(y.data), 200_000.5)
    assert sys.getrecursionlimit() == limit
    del y  # freeing the chain, node by node, must not recurse too deeply either


# ---- gradients accumulate --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_backward_twice_gives_exactly_twice_the_gradient(kind):
    x = leaf(kind, 0.7)
    w = leaf(kind, -1.3)
    hidden = (x * w).tanh()  # an intermediate node
    out = hidden * x + w.exp()
    backward(out)
    once = {name: grad_of(node).copy() for name, node in [("x", x), ("w", w), ("hidden", hidden)]}
    backward(out)
    for name, node in [("x", x), ("w", w), ("hidden", hidden)]:
        np.testing.assert_array_equal(grad_of(node), 2 * once[name], err_msg=name)


# ---- no_grad ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_no_grad_as_a_context_manager(kind):
    a = leaf(kind, 2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        b = (a * 3.0).exp()
    assert is_grad_enabled()
    assert b.parents == ()
    assert b.op == ""
    c = a * 3.0  # recording is back on after the block
    assert c.parents[0] is a


def test_no_grad_results_are_leaves():
    x = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        y = x * 2.0
    assert not y.requires_grad
    assert Value(1.0)._prev == set()
    with no_grad():
        v = Value(1.0) + 2.0
    assert v._prev == set()


@pytest.mark.parametrize("kind", KINDS)
def test_no_grad_as_a_decorator(kind):
    seen_inside = []

    @no_grad()
    def double(node):
        seen_inside.append(is_grad_enabled())
        return node * 2.0

    a = leaf(kind, 1.5)
    b = double(a)
    assert seen_inside == [False]
    assert b.parents == ()
    assert is_grad_enabled()
    assert double.__name__ == "double"  # functools.wraps keeps the name for tracebacks


def test_no_grad_restores_grad_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) * (1 / 0)
    assert is_grad_enabled()

    @no_grad()
    def fails():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fails()
    assert is_grad_enabled()


def test_nested_no_grad_stays_off_until_the_outer_block_ends():
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another():
    # Thread A sits inside no_grad while the main thread builds a graph, and the other
    # way round. Events order the steps, so the test does not depend on timing.
    a_inside = threading.Event()
    main_done = threading.Event()
    seen_in_a = []

    def thread_a():
        with no_grad():
            seen_in_a.append(is_grad_enabled())
            a_inside.set()
            main_done.wait(timeout=10)

    worker = threading.Thread(target=thread_a)
    worker.start()
    assert a_inside.wait(timeout=10)
    x = Value(1.0)
    y = x * 2.0
    grad_on_in_main = is_grad_enabled()
    main_done.set()
    worker.join(timeout=10)
    assert seen_in_a == [False]
    assert grad_on_in_main
    assert y.parents[0] is x

    seen_in_b = []
    with no_grad():
        other = threading.Thread(target=lambda: seen_in_b.append(is_grad_enabled()))
        other.start()
        other.join(timeout=10)
    assert seen_in_b == [True]  # a new thread starts with grad on, as in PyTorch


# ---- graphs are freed by reference counting ------------------------------------


@pytest.fixture
def without_cycle_collector():
    """Switch off Python's cycle collector, so only reference counting can free objects."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def every_value_op(x: Value) -> Value:
    """A graph through every Value op."""
    y = (x * 2.0 + 1.0 - x / 3.0) ** 2
    y = (-y).exp() + (2 - y).tanh() + y.relu() + y.sigmoid() + (x + 2).log() + 2 / (1 + y) + 2 * y
    return log_softmax([y, x])[0]


def every_tensor_op(x: Tensor) -> Tensor:
    """A graph through every Tensor op; x has shape (2, 3)."""
    y = (x * 2.0 + 1.0 - x / 3.0) ** 2 + (-x).exp() + x.tanh() + x.relu() + x.sigmoid() + (x + 2).log()
    y = 2 / (1 + y) + 2 - y + 2**x + x ** (y * 0.1)
    y = (y @ x.T).reshape(-1, 2).transpose(1, 0)[:, [0, 0, 1]]
    y = Tensor.concatenate([y, Tensor.stack([x[0], x[1]])], axis=1)
    y = (
        y.log_softmax()
        + y.softmax(axis=0)
        + y.logsumexp(keepdims=True)
        + y.max(axis=0)
        + y.mean(axis=1, keepdims=True)
    )
    return y.sum()


@pytest.mark.parametrize("kind", KINDS)
def test_a_graph_is_freed_by_reference_counting_alone(kind, without_cycle_collector):
    # If a backward closure held its op's output node, every node would sit in a reference
    # cycle and live until the cycle collector ran; here it is switched off, so every op
    # must leave its nodes to reference counting alone.
    if kind == "value":
        x = Value(0.3)
        root = every_value_op(x)
    else:
        x = Tensor(np.arange(1.0, 7.0).reshape(2, 3) / 10, requires_grad=True)
        root = every_tensor_op(x)
    root.backward()
    made_by_ops = [weakref.ref(node) for node in iter_graph(root) if node.parents]
    assert len(made_by_ops) > 20
    del root
    still_alive = [ref().op for ref in made_by_ops if ref() is not None]
    assert still_alive == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_node_lives_as_long_as_a_graph_uses_it(kind, without_cycle_collector):
    x = leaf(kind, 0.3)
    hidden = (x * 2.0).tanh()
    root = hidden * x
    hidden_ref = weakref.ref(hidden)
    del hidden
    alive_while_used = hidden_ref() is not None  # the root still points at it
    del root
    assert alive_while_used
    assert hidden_ref() is None


# ---- detect_anomaly checks every op of both engines, and only ops (issue 14, items 8 and 10) ------


def test_detect_anomaly_checks_value_ops():
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward of 'exp'"):
        Value(1000.0).exp()


def test_detect_anomaly_leaves_data_you_made_alone():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with detect_anomaly():
        x + float("-inf")  # the constant is an input, not something an op computed
        x * Tensor(np.array([0.0, -np.inf]))  # a mask
        Tensor(np.array([np.nan])).detach()  # no op computed the nan
        Value(2.0) + float("inf")


def test_detect_anomaly_names_the_op_the_user_wrote():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward of 'div'"):
        x / 0
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward of '/'"):
        Value(1.0) / 0


def test_detect_anomaly_refuses_a_backward_whose_input_was_changed_in_place():
    a, b = Tensor(np.array([1.0, 2.0]), requires_grad=True), Tensor(np.array([3.0, 4.0]), requires_grad=True)
    with detect_anomaly():
        loss = (a * b).sum()
        a.data -= 10
        with pytest.raises(AnomalyError, match=r"input 0 of 'mul' \(shape \(2,\)\) was changed in place"):
            loss.backward()
    # Data rebound to a new object is not a change in place: the op keeps what it took (floats, arrays).
    v, t = Value(2.0), Tensor(np.array([2.0]), requires_grad=True)
    with detect_anomaly():
        w, u = v * v, (t * t).sum()
        v.data, t.data = 5.0, np.array([5.0])
        w.backward()
        u.backward()
    assert v.grad == 4.0 and t.grad[0] == 4.0
