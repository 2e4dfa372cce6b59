"""Tracing: run `fn`, read the graph it built, and tell its inputs, its state and its constants apart.

`fn` runs twice on the same arguments. A node that is the same object in both
runs existed before the call: state that `fn` reaches by closure (a model's
parameters), read again at every call. A node that is new in each run but holds
the same numbers is a constant `fn` builds (`x * 0.5`, a one-hot Value). Both
runs must build the same graph, op for op; if they do not, `fn` depends on
something besides its arguments (random numbers, a counter) and cannot be traced.

Float Tensor arguments that do not require grad are passed as stand-ins that do,
so that every op on them is recorded instead of being folded into a constant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Node, Switch, topological_order
from ..tensor import Tensor


class TraceError(RuntimeError):
    """`fn` built two different graphs from the same arguments, so there is no one program to compile."""


@dataclass
class Trace:
    """One run of `fn`: its result and every node of its graph, parents first.

    `order` is the engine's own `topological_order(root)`, so the compiled backward
    visits nodes in the order `engine.backward` does and adds gradients in the same
    order. `args` maps id(node) to the position of the argument it stands for.
    """

    root: Node
    order: list[Node]
    args: dict[int, int]
    extras: list[Node]  # what fn returned after the loss, if it returned a tuple
    many: bool  # whether fn returned a tuple


def substitute(flat: list[Node]) -> tuple[list[Node], dict[int, int]]:
    """The argument nodes `fn` gets while tracing: float Tensors that need no grad become stand-ins."""
    nodes, positions = [], {}
    for k, node in enumerate(flat):
        if isinstance(node, Tensor) and not node.requires_grad and node.dtype.kind == "f":
            node = Tensor(node.data, requires_grad=True)
        nodes.append(node)
        positions[id(node)] = k
    return nodes, positions


class recording(Switch):
    """Grad on for the length of a block (a trace records the graph even when called inside no_grad)."""

    def switched(self, grad_enabled: bool, detecting: bool) -> tuple[bool, bool]:
        """Grad on, anomaly detection as it was."""
        return True, detecting


def run(fn: Callable, rebuild: Callable[[list[Node]], tuple], flat: list[Node]) -> Trace:
    """fn(*args) with stand-ins for the argument nodes, and the graph it built."""
    nodes, positions = substitute(flat)
    with recording():
        result = fn(*rebuild(nodes))
    many = type(result) is tuple
    outputs = result if many else (result,)
    if not outputs or not all(isinstance(x, Node) for x in outputs):
        got = ", ".join(type(x).__name__ for x in outputs) if many else type(result).__name__
        raise TypeError(
            f"compile: fn must return a Tensor or a Value (a loss), or a tuple of them with the loss "
            f"first, got {got}"
        )
    root = outputs[0]
    order = topological_order(root) if root.requires_grad else [root]
    return Trace(root, order, positions, list(outputs[1:]), many)


def difference(first: Trace, second: Trace) -> str | None:
    """None if both traces built the same graph, else a sentence naming the first node that differs."""
    if len(first.order) != len(second.order):
        return f"one graph has {len(first.order)} nodes, the other {len(second.order)}"
    at_first = {id(n): i for i, n in enumerate(first.order)}
    at_second = {id(n): i for i, n in enumerate(second.order)}
    extras_first = [at_first.get(id(x)) for x in first.extras]
    if (first.many, extras_first) != (second.many, [at_second.get(id(x)) for x in second.extras]):
        return "fn returned other outputs besides the loss"
    for i, (a, b) in enumerate(zip(first.order, second.order)):
        if a is b:
            continue
        seen_a, seen_b = describe(a, at_first, first.args), describe(b, at_second, second.args)
        if seen_a != seen_b:
            return f"node {i} is {summary(seen_a)} in one and {summary(seen_b)} in the other"
        for x, y in zip(a.parents, b.parents):
            if x is not y and id(x) not in at_first and not same_numbers(x.data, y.data):
                return f"node {i} ('{a.op}') has a constant input that holds different numbers"
    return None


def describe(node: Node, at: dict[int, int], args: dict[int, int]) -> tuple:
    """What must match for two nodes to be the same step: op, shape, dtype, inputs, static parameters."""
    if id(node) in args:
        return ("argument", args[id(node)])
    if not node.parents:
        return ("constant", np.shape(node.data), _bytes(node.data))
    inputs = tuple(at.get(id(p), "constant") for p in node.parents)
    fn = unwrap(node.backward_fn)
    return (node.op, _qualname(fn), np.shape(node.data), _dtype(node.data), inputs, _statics(fn))


def summary(description: tuple) -> str:
    """A description from `describe` in words, for an error message."""
    if description[0] in ("argument", "constant"):
        return f"{description[0]} {description[1]}"
    op, _, shape, dtype, inputs, _ = description
    return f"'{op}' of shape {shape} ({dtype}) on inputs {inputs}"


def unwrap(fn: Callable) -> Callable:
    """The op's own backward, without the engine's wrapper that masks inputs needing no grad."""
    while fn is not None and fn.__name__ == "masked" and fn.__module__ == "tinygrad_lite.engine":
        fn = cells(fn)["backward"]
    return fn


def cells(fn: Callable) -> dict[str, Any]:
    """The variables a backward closes over, by name: the arrays and parameters its op kept."""
    if fn is None or not getattr(fn, "__closure__", None):
        return {}
    return {name: cell.cell_contents for name, cell in zip(fn.__code__.co_freevars, fn.__closure__)}


def same_numbers(a: Any, b: Any) -> bool:
    """True if a and b hold the same numbers, bit for bit, in the same shape and dtype (nan equals nan)."""
    return np.shape(a) == np.shape(b) and _dtype(a) == _dtype(b) and _bytes(a) == _bytes(b)


def _qualname(fn: Callable | None) -> str:
    return "" if fn is None else f"{fn.__module__}:{fn.__qualname__}"


def _statics(fn: Callable | None) -> tuple:
    """The closure's parameters that are not numbers of the data (axes, shapes, classes): their reprs."""
    return tuple((name, repr(value)) for name, value in cells(fn).items() if _plain(value))


def _plain(value: Any) -> bool:
    """True for a parameter such as an axis, a shape, a flag, a class: no data, no object identity."""
    if isinstance(value, (tuple, list)):
        return all(_plain(v) for v in value)
    return value is None or value is Ellipsis or isinstance(value, (int, str, slice, type, np.dtype))


def _dtype(x: Any) -> str:
    return str(x.dtype) if isinstance(x, (np.ndarray, np.generic)) else type(x).__name__


def _bytes(x: Any) -> bytes:
    return np.asarray(x).tobytes()
