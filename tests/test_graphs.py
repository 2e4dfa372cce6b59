"""Gradients right on any graph: random expression DAGs, and graph shapes at the edges.

A small interpreter builds one random program twice: with Tensors, and with numpy
object arrays of scalar Values (numpy broadcasts, indexes and reduces them; each
element is a Value, so every number goes through the scalar engine). Programs reuse
nodes freely, so shared sub-expressions, diamonds and fan-out come up on their own;
they mix in constants (Python numbers, numpy arrays, Tensors that need no grad) and
broadcast leaves of shapes (), (3,), (1, 3), (2, 1) and (2, 3) against each other.

Where an op is undefined (log of a negative number) its input is moved into the
domain first (x * x + 0.5); where it has no derivative (relu at 0, max at a tie) or
its result would be huge, the step falls back to tanh. The first run makes these
choices and every later run (the other engine, the finite differences) replays
them, so each run computes the same function.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import arrays
from tinygrad_lite import Tensor, Value, gradcheck
from tinygrad_lite.engine import iter_graph, topological_order
from tinygrad_lite.functional import log_softmax as value_log_softmax

LEAF_SHAPES = [(), (1,), (3,), (1, 3), (2, 1), (2, 3)]  # all broadcast to (2, 3)
CONSTANTS = [2.0, -0.5, 1.5, 3.0, -1.25]
POWERS = [2, 3, -1, 0.5, -1.5]
BOUND = 20.0  # results beyond this (or nan/inf) are replaced, so exp(exp(...)) stays finite
MARGIN = 1e-2  # how far relu's input must stay from 0 and max's winner from the runner-up


# ---- two backends: Tensors, and object arrays of Values --------------------------------


def _each(fn: Callable[[Value], Value], x: np.ndarray) -> np.ndarray:
    """fn on every Value of an object array."""
    return _objects(np.frompyfunc(fn, 1, 1)(x))


def _objects(x: object) -> np.ndarray:
    """An object array, also for a single Value (numpy turns 0-d results into scalars)."""
    return x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)


class TensorOps:
    """The ops as Tensor methods (float64)."""

    kind = "tensor"

    @staticmethod
    def leaf(array: np.ndarray) -> Tensor:
        return Tensor(array.copy(), requires_grad=True)

    @staticmethod
    def data(x: Tensor) -> np.ndarray:
        return x.data

    @staticmethod
    def constant(array: np.ndarray) -> Tensor:
        return Tensor(array)  # needs no grad

    @staticmethod
    def unary(name: str, x: Tensor) -> Tensor:
        return getattr(x, name)()

    @staticmethod
    def rpow(c: float, x: Tensor) -> Tensor:
        return c**x

    @staticmethod
    def pow(x: Tensor, y: Tensor) -> Tensor:
        return x**y

    @staticmethod
    def reduce(name: str, x: Tensor, axis: int | None, keepdims: bool) -> Tensor:
        return getattr(x, name)(axis=axis, keepdims=keepdims)

    @staticmethod
    def softmax(name: str, x: Tensor) -> Tensor:
        return getattr(x, name)(axis=-1)

    @staticmethod
    def reshape_and_back(x: Tensor) -> Tensor:
        return x.reshape(-1).reshape(x.shape)

    @staticmethod
    def transpose_twice(x: Tensor) -> Tensor:
        return x.T.transpose(*reversed(range(x.ndim)))

    @staticmethod
    def gather(x: Tensor, index: np.ndarray) -> Tensor:
        return x[..., index]

    @staticmethod
    def rotate(x: Tensor, k: int) -> Tensor:
        return Tensor.concatenate([x[..., k:], x[..., :k]], axis=-1)

    @staticmethod
    def stack_mix(x: Tensor, y: Tensor, w: np.ndarray) -> Tensor:
        return (Tensor.stack([x, y]) * w).sum(axis=0)


class ValueOps:
    """The same ops on object arrays of Values, built from the scalar ops."""

    kind = "value"

    @staticmethod
    def leaf(array: np.ndarray) -> np.ndarray:
        return _each(Value, array.astype(object))

    @staticmethod
    def data(x: np.ndarray) -> np.ndarray:
        return np.vectorize(lambda v: v.data, otypes=[np.float64])(x)

    @staticmethod
    def constant(array: np.ndarray) -> np.ndarray:
        return array

    @staticmethod
    def unary(name: str, x: np.ndarray) -> np.ndarray:
        return _each(lambda v: getattr(v, name)(), x)

    @staticmethod
    def rpow(c: float, x: np.ndarray) -> np.ndarray:  # c^x = e^(x log c)
        return _each(lambda v: (v * math.log(c)).exp(), x)

    @staticmethod
    def pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # x^y = e^(y log x)
        return _each(lambda v: v.exp(), y * ValueOps.unary("log", x))

    @staticmethod
    def reduce(name: str, x: np.ndarray, axis: int | None, keepdims: bool) -> np.ndarray:
        if name == "max":  # no max op on Values: pick the winner (no ties, see MARGIN)
            data = ValueOps.data(x)
            if axis is None:
                winner = x.flat[int(np.argmax(data))]
                return _objects(winner).reshape((1,) * x.ndim if keepdims else ())
            picked = np.take_along_axis(x, np.expand_dims(np.argmax(data, axis), axis), axis)
            return picked if keepdims else picked.squeeze(axis)
        if name == "logsumexp":
            return ValueOps.unary("log", ValueOps.reduce("sum", ValueOps.unary("exp", x), axis, keepdims))
        total = _objects(np.sum(x, axis=axis, keepdims=keepdims))
        if name == "mean":
            return total / (x.size // total.size)
        return total

    @staticmethod
    def softmax(name: str, x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape, dtype=object)
        for index in np.ndindex(*x.shape[:-1]):
            out[index] = value_log_softmax(list(x[index]))
        return out if name == "log_softmax" else ValueOps.unary("exp", out)

    @staticmethod
    def reshape_and_back(x: np.ndarray) -> np.ndarray:
        return x.reshape(-1).reshape(x.shape)

    @staticmethod
    def transpose_twice(x: np.ndarray) -> np.ndarray:
        return x.T.transpose(*reversed(range(x.ndim)))

    @staticmethod
    def gather(x: np.ndarray, index: np.ndarray) -> np.ndarray:
        return x[..., index]

    @staticmethod
    def rotate(x: np.ndarray, k: int) -> np.ndarray:
        return np.concatenate([x[..., k:], x[..., :k]], axis=-1)

    @staticmethod
    def stack_mix(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        return (np.stack([x, y]) * w).sum(axis=0)


# ---- the ops a program is made of -------------------------------------------------------
# Each takes (backend, run, x, y, k): two earlier nodes and a number that picks constants,
# axes and indices. It returns the new node, or None where it does not apply; `run.ok`
# asks a data-dependent question once and replays the answer in later runs.

Op = Callable[..., object]


def _guarded_unary(name: str, ok: Callable[[np.ndarray], bool]) -> Op:
    def op(b, run, x, y, k):
        return b.unary(name, x) if run.ok(lambda: ok(b.data(x))) else None

    return op


def _positive(b, run, x):
    """x if all of it is at least 0.2, else x * x + 0.5: an input where log, 1/x and x^0.5 are
    defined and smooth (0.2 from 0 is far more than the finite-difference step)."""
    return x if run.ok(lambda: b.data(x).min() > 0.2) else x * x + 0.5


def _pow_const(b, run, x, y, k):
    p = POWERS[k % len(POWERS)]
    return (x if p in (2, 3) else _positive(b, run, x)) ** p


def _reduce(name: str) -> Op:
    def op(b, run, x, y, k):
        axis, keepdims = [(None, False), (-1, True), (0, True), (None, True)][k % 4 if b.data(x).ndim else 0]
        if name == "max" and not run.ok(lambda: _no_ties(b.data(x), axis)):
            return None
        return b.reduce(name, x, axis, keepdims)

    return op


def _no_ties(data: np.ndarray, axis: int | None) -> bool:
    if data.size < 2:
        return True
    top2 = -np.sort(-(data.reshape(-1) if axis is None else np.moveaxis(data, axis, -1)), axis=-1)[..., :2]
    return top2.shape[-1] < 2 or bool((top2[..., 0] - top2[..., 1]).min() > MARGIN)


def _softmax(name: str) -> Op:
    def op(b, run, x, y, k):
        return b.softmax(name, x) if b.data(x).ndim else None

    return op


def _matmul(b, run, x, y, k):
    """x @ W with the (3, 3) parameter W; x is first broadcast to a last axis of 3 if need be."""
    return (x if b.data(x).shape[-1:] == (3,) else x + np.zeros(3)) @ run.weight


def _rmatmul(b, run, x, y, k):
    """A constant matrix on the left: numpy's `array @ tensor` must come back to Tensor.__rmatmul__."""
    d = b.data(x)
    return _constant_array(k, (d.shape[0], d.shape[0])) @ x if d.ndim else None


def _gather(b, run, x, y, k):
    n = b.data(x).shape[-1:] or None
    if n is None:
        return None
    return b.gather(x, np.random.default_rng(k).integers(0, n[0], n[0]))  # repeats: scatter-add


def _rotate(b, run, x, y, k):
    n = b.data(x).shape[-1] if b.data(x).ndim else 0
    return b.rotate(x, 1 + k % (n - 1)) if n >= 2 else None


def _stack(b, run, x, y, k):
    if b.data(x).shape != b.data(y).shape:  # stack needs one shape: x + y and x * y have it
        x, y = x + y, x * y
    return b.stack_mix(x, y, np.array([1.5, -0.5]).reshape(2, *[1] * b.data(x).ndim))


def _fan_out(b, run, x, y, k):
    """x feeds five children, summed back together."""
    total = x * CONSTANTS[0]
    for c in CONSTANTS[1:]:
        total = total + x * c
    return total


def _constant_array(k: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(k).uniform(-1.0, 1.0, shape)


OPS: dict[str, Op] = {
    "add": lambda b, run, x, y, k: x + y,
    "sub": lambda b, run, x, y, k: x - y,
    "mul": lambda b, run, x, y, k: x * y,
    "div": lambda b, run, x, y, k: x / _positive(b, run, y),
    "neg": lambda b, run, x, y, k: -x,
    "add_number": lambda b, run, x, y, k: x + CONSTANTS[k % 5],
    "number_minus": lambda b, run, x, y, k: CONSTANTS[k % 5] - x,
    "number_times": lambda b, run, x, y, k: CONSTANTS[k % 5] * x,
    "number_over": lambda b, run, x, y, k: CONSTANTS[k % 5] / _positive(b, run, x),
    "pow_number": _pow_const,
    "number_pow": lambda b, run, x, y, k: b.rpow(abs(CONSTANTS[k % 5]), x),
    "pow": lambda b, run, x, y, k: b.pow(_positive(b, run, x), y),
    "add_array": lambda b, run, x, y, k: x + _constant_array(k, LEAF_SHAPES[k % 6]),
    "times_constant_tensor": lambda b, run, x, y, k: b.constant(_constant_array(k, LEAF_SHAPES[k % 6])) * x,
    "matmul": _matmul,
    "rmatmul": _rmatmul,
    "exp": _guarded_unary("exp", lambda d: True),
    "log": lambda b, run, x, y, k: b.unary("log", _positive(b, run, x)),
    "tanh": _guarded_unary("tanh", lambda d: True),
    "relu": _guarded_unary("relu", lambda d: np.abs(d).min() > MARGIN),
    "sigmoid": _guarded_unary("sigmoid", lambda d: True),
    "sum": _reduce("sum"),
    "mean": _reduce("mean"),
    "max": _reduce("max"),
    "logsumexp": _reduce("logsumexp"),
    "log_softmax": _softmax("log_softmax"),
    "softmax": _softmax("softmax"),
    "reshape": lambda b, run, x, y, k: b.reshape_and_back(x),
    "transpose": lambda b, run, x, y, k: b.transpose_twice(x),
    "getitem": _gather,
    "concatenate": _rotate,
    "stack": _stack,
    "fan_out": _fan_out,
}


# ---- programs and runs --------------------------------------------------------------------


@dataclass
class Program:
    leaves: list[np.ndarray]  # float64 inputs of the shapes in LEAF_SHAPES
    weight: np.ndarray  # a (3, 3) parameter for matmul
    steps: list[tuple[str, int, int, int]]  # (op, x, y, k); x and y pick earlier nodes modulo their count


class Run:
    """One evaluation of a program with one backend.

    The first run of a program records the answers to its data-dependent questions
    (`ok`); later runs are given them and replay them, so that all runs compute the
    same function even where rounding would tip a borderline answer.
    """

    def __init__(self, backend, answers: list[bool] | None = None) -> None:
        self.backend = backend
        self.recording = answers is None
        self.answers: list[bool] = [] if answers is None else answers
        self._replay: Iterator[bool] = iter(self.answers)
        self.fallbacks: list[int] = []  # the steps that fell back to tanh
        self.weight = None

    def ok(self, question: Callable[[], bool]) -> bool:
        if self.recording:
            self.answers.append(bool(question()))
            return self.answers[-1]
        return next(self._replay)

    def evaluate(self, program: Program, leaves: list, weight) -> tuple[object, list]:
        """(root, every node made), where root adds up every node no later step used."""
        b = self.backend
        self.weight = weight
        nodes = list(leaves)
        used = [False] * len(nodes)
        for step, (name, i, j, k) in enumerate(program.steps):
            i, j = i % len(nodes), j % len(nodes)
            x, y = nodes[i], nodes[j]
            out = OPS[name](b, self, x, y, k)
            if out is not None:
                out = _objects(out) if b.kind == "value" else out
            if out is None or not self.ok(lambda out=out: _bounded(b.data(out))):
                self.fallbacks.append(step)
                out = b.unary("tanh", x)
            used[i] = used[j] = True
            nodes.append(out)
            used.append(False)
        sinks = [node for node, was_used in zip(nodes, used) if not was_used]
        root = sinks[0]
        for node in sinks[1:]:
            root = root + node
        return (_objects(root) if b.kind == "value" else root), nodes


def _bounded(data: np.ndarray) -> bool:
    return bool(np.isfinite(data).all() and np.abs(data).max(initial=0.0) < BOUND)


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 24) -> Program:
    shapes = draw(st.lists(st.sampled_from(LEAF_SHAPES), min_size=1, max_size=3))
    leaves = [draw(arrays(shape)) for shape in shapes]
    weight = draw(arrays((3, 3)))
    index = st.integers(0, 10**6)
    step = st.tuples(st.sampled_from(sorted(OPS)), index, index, index)
    return Program(leaves, weight, draw(st.lists(step, min_size=4, max_size=max_steps)))


def build(program: Program, backend, answers: list[bool] | None = None):
    """(run, leaves, weight, root, nodes) for one evaluation of `program`."""
    run = Run(backend, answers)
    leaves = [backend.leaf(a) for a in program.leaves]
    weight = backend.leaf(program.weight)
    root, nodes = run.evaluate(program, leaves, weight)
    return run, leaves, weight, root, nodes


def tensor_function(program: Program, answers: list[bool]) -> Callable[..., Tensor]:
    def fn(*inputs: Tensor) -> Tensor:
        return Run(TensorOps, answers).evaluate(program, list(inputs[:-1]), inputs[-1])[0]

    return fn


def value_function(program: Program, answers: list[bool]) -> Callable[..., list[Value]]:
    """fn(*values) for gradcheck: the Values are the leaves' elements, then the weight's."""
    shapes = [a.shape for a in program.leaves] + [program.weight.shape]

    def fn(*values: Value) -> list[Value]:
        arrays_, start = [], 0
        for shape in shapes:
            size = math.prod(shape)
            chunk = np.empty(size, dtype=object)
            chunk[:] = values[start : start + size]
            arrays_.append(chunk.reshape(shape))
            start += size
        root = Run(ValueOps, answers).evaluate(program, arrays_[:-1], arrays_[-1])[0]
        return list(root.flat)

    return fn


def value_grads(x: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: v.grad, otypes=[np.float64])(x)


def weighted_sum(root, w: np.ndarray) -> Value | Tensor:
    """sum(w * root) as one node, so that one backward pass fills every gradient."""
    if isinstance(root, Tensor):
        return (root * w).sum()
    terms = [v * float(wi) for v, wi in zip(root.flat, w.flat)]
    return sum(terms[1:], terms[0])


# ---- random DAGs ----------------------------------------------------------------------------


@settings(max_examples=150)
@given(programs())
def test_random_tensor_graphs_pass_gradcheck(program):
    run, *_ = build(program, TensorOps)
    fn = tensor_function(program, run.answers)
    inputs = [TensorOps.leaf(a) for a in program.leaves] + [TensorOps.leaf(program.weight)]
    assert gradcheck(fn, inputs, atol=1e-5, rtol=1e-4)


@settings(max_examples=150)
@given(programs())
def test_random_scalar_graphs_pass_gradcheck(program):
    run, *_ = build(program, TensorOps)
    values = [Value(float(x)) for a in [*program.leaves, program.weight] for x in a.flat]
    assert gradcheck(value_function(program, run.answers), values, atol=1e-5, rtol=1e-4)


@settings(max_examples=150)
@given(programs())
def test_scalar_and_tensor_engines_agree_on_the_same_graph(program):
    run, t_leaves, t_weight, t_root, _ = build(program, TensorOps)
    _, v_leaves, v_weight, v_root, _ = build(program, ValueOps, run.answers)
    np.testing.assert_allclose(ValueOps.data(v_root), t_root.data, rtol=1e-9, atol=1e-12)
    w = np.random.default_rng(0).standard_normal(t_root.shape)
    weighted_sum(t_root, w).backward()
    weighted_sum(v_root, w).backward()
    for i, (t, v) in enumerate(zip([*t_leaves, t_weight], [*v_leaves, v_weight])):
        t_grad = np.zeros(t.shape) if t.grad is None else t.grad
        np.testing.assert_allclose(value_grads(v), t_grad, rtol=1e-8, atol=1e-10, err_msg=f"input {i}")


@settings(max_examples=150)
@given(programs(), st.sampled_from(["tensor", "value"]))
def test_backward_twice_accumulates_exactly_twice_in_every_node(program, kind):
    run, *_ = build(program, TensorOps)
    backend = TensorOps if kind == "tensor" else ValueOps
    _, _, _, root, _ = build(program, backend, run.answers)
    loss = weighted_sum(root, np.random.default_rng(1).standard_normal(np.shape(backend.data(root))))
    graph = [node for node in iter_graph(loss) if node.requires_grad]
    loss.backward()
    once = [np.array(node.grad, dtype=np.float64, copy=True) for node in graph]
    loss.backward()
    for node, first in zip(graph, once):
        np.testing.assert_array_equal(np.asarray(node.grad, dtype=np.float64), 2 * first, err_msg=node.op)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_in_a_diamond_with_a_shared_input(name):
    # op(a, c), then times a: a reaches the result along two paths (a diamond); then plus
    # d, broadcast from (1, 3). Positive, well-separated data, so the op applies as is.
    a = np.array([[0.5, 1.25, 0.8], [1.1, 0.65, 1.4]])
    c = np.array([[0.9, 0.7, 1.3], [1.2, 0.55, 0.75]])
    d = np.array([[0.3, -0.6, 0.45]])
    weight = np.linspace(-0.4, 0.6, 9).reshape(3, 3)
    program = Program([a, c, d], weight, [(name, 0, 1, 3), ("mul", 3, 0, 0), ("add", 4, 2, 0)])
    run, *_ = build(program, TensorOps)
    assert run.fallbacks == [], f"{name} did not apply to the test data"
    inputs = [TensorOps.leaf(x) for x in (a, c, d, weight)]
    assert gradcheck(tensor_function(program, run.answers), inputs)
    values = [Value(float(x)) for arr in (a, c, d, weight) for x in arr.flat]
    assert gradcheck(value_function(program, run.answers), values)


# ---- graph shapes at the edges ---------------------------------------------------------------


@pytest.fixture
def no_cycle_collector():
    """Nodes form no cycles, so the cycle collector has nothing to do; without it, building
    a million nodes is twice as fast (it would otherwise walk them all again and again)."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def test_a_sum_of_a_million_values(no_cycle_collector):
    # Python's sum() is a left fold: the million leaves hang off a chain a million adds deep.
    n = 1_000_000
    leaves = [Value(float(i % 7)) for i in range(n)]
    total = sum(leaves)
    total.backward()
    assert total.data == sum(float(i % 7) for i in range(n))
    assert all(leaf.grad == 1.0 for leaf in leaves)
    assert len(total.parents) == 2


def test_100000_tensors_in_a_balanced_sum_and_in_one_op():
    # Each leaf feeds two ops: the first level of a balanced tree of adds, and one stack
    # with 100,000 inputs.
    n = 100_000
    leaves = [Tensor(np.array([i % 5, -1.0]), requires_grad=True) for i in range(n)]
    level = leaves
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        level = pairs + level[len(pairs) * 2 :]
    stacked = Tensor.stack(leaves)
    assert len(stacked.parents) == n
    root = level[0].sum() + (stacked * np.array([2.0, 3.0])).sum()
    root.backward()
    assert root.item() == sum(i % 5 for i in range(n)) * 3 - n * 4
    assert all(np.array_equal(leaf.grad, [3.0, 4.0]) for leaf in leaves)


@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_a_node_that_feeds_10000_others(kind):
    x = Value(0.5) if kind == "value" else Tensor(np.array([0.5, -2.0]), requires_grad=True)
    children = [x * float(c) for c in range(10_000)]
    total = sum(children[1:], children[0]) if kind == "value" else Tensor.stack(children).sum()
    order = topological_order(total)
    assert sum(node is x for node in order) == 1
    total.backward()
    np.testing.assert_array_equal(np.asarray(x.grad), sum(range(10_000)))  # d/dx sum c x = sum c


@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_a_ladder_of_1000_diamonds(kind):
    # Each rung uses the one below twice: 2^1000 paths from the top to x. An engine that
    # walked paths instead of nodes would never finish; this one visits each node once.
    x = Value(0.75) if kind == "value" else Tensor(np.array([0.75, -1.5]), requires_grad=True)
    y = x
    for _ in range(1000):
        y = (y + y) * 0.5
    rung = 3 if kind == "value" else 2  # an add and a mul; the 0.5 is a Value too, a Tensor needs no grad
    assert len(topological_order(y)) == 1 + 1000 * rung
    (y if kind == "value" else y.sum()).backward()
    np.testing.assert_array_equal(np.asarray(y.data), np.asarray(x.data))
    np.testing.assert_array_equal(np.asarray(x.grad), 1.0)


def test_a_200000_deep_chain_of_different_ops_gets_the_chain_rule_product(no_cycle_collector):
    # test_engine.py backs a 200,000-node chain of `+ 1`; here every link has its own
    # derivative, and the gradient must equal the product of all of them.
    x = Value(0.3)
    y, expected = x, 1.0
    for i in range(200_000):
        if i % 3 == 0:
            y = y * 1.5
            expected *= 1.5
        elif i % 3 == 1:
            y = y.tanh()
            expected *= 1 - y.data**2
        else:
            y = y + 0.25
    y.backward()
    assert math.isclose(x.grad, expected, rel_tol=1e-9)
