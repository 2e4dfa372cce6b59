"""The autodiff core: graph nodes, their topological order, the backward pass, no_grad.

Both `Value` (one Python float) and `Tensor` (one numpy array) are `Node`s. A node
remembers the op that made it and that op's inputs, its `parents`. `backward()`
visits the graph from the output back to the leaves, each node after every node
that uses it, and applies the chain rule at each one:

    d out / d parent  +=  (d out / d node) * (d node / d parent)

The first factor is the gradient that reached `node`; the product is the
vector-Jacobian product the node's op computes in `node._vjp(g)`.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

# Per thread (and per asyncio task): a `no_grad` block in one thread does not
# switch off graph building in another.
_grad_enabled = contextvars.ContextVar("tinygrad_lite_grad_enabled", default=True)


def is_grad_enabled() -> bool:
    """True unless running inside `no_grad()`."""
    return _grad_enabled.get()


class Switch:
    """Set a context variable for the length of a block: `with switch:` or as a decorator.

    The variable is per thread (and per asyncio task), and the tokens form a
    stack, so one instance may be entered again inside itself.
    """

    variable: contextvars.ContextVar
    value: Any

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token] = []

    def __enter__(self) -> None:
        self._tokens.append(self.variable.set(self.value))

    def __exit__(self, *exc_info: object) -> None:
        self.variable.reset(self._tokens.pop())

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def switched(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return switched


class no_grad(Switch):
    """Switch off graph building: ops inside record no parents and make leaves.

    Use it as a context manager (`with no_grad(): ...`) or a decorator
    (`@no_grad()`), as in PyTorch. Inference and optimizer steps need no graph.
    """

    variable, value = _grad_enabled, False


class Node:
    """A vertex of the graph: a value, its gradient, and the op that made it.

    `parents` are the op's inputs (empty for a leaf) and `op` is the op's name,
    for pictures. Subclasses say how gradients flow through them:

    - `_vjp(g)`: given g = d out / d self, one gradient per parent
      (`None` for a parent that does not require grad);
    - `_accumulate(g)`: add g into `self.grad`;
    - `zero_grad()`: forget the gradient, before the next backward pass.
    """

    __slots__ = ("data", "grad", "parents", "op", "__weakref__")
    requires_grad = True

    def _vjp(self, g: Any) -> tuple:
        raise NotImplementedError

    def _accumulate(self, g: Any) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Forget the gradient before the next backward pass (each subclass says how)."""
        raise NotImplementedError


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on (through nodes that require grad), parents first.

    Depth-first search with an explicit stack instead of recursion, so a chain of
    any length fits: each entry is (node, parents_done). A node is appended only
    when it is popped the second time, after all of its parents.
    """
    order: list[Node] = []
    visited: set[Node] = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node.parents:
            if parent.requires_grad and parent not in visited:
                stack.append((parent, False))
    return order


def iter_graph(root: Node) -> Iterator[Node]:
    """Every node reachable from `root` (constants included), root first, breadth first."""
    seen = {root}
    frontier = [root]
    while frontier:
        next_frontier = []
        for node in frontier:
            yield node
            for parent in node.parents:
                if parent not in seen:
                    seen.add(parent)
                    next_frontier.append(parent)
        frontier = next_frontier


def backward(root: Node, grad: Any, on_step: Callable[[Node, Any, Any], None] | None = None) -> None:
    """Back-propagate `grad` = d out / d root into `.grad` of every node `root` depends on.

    Gradients accumulate: each call adds to `.grad` (as in PyTorch and
    micrograd), so clear them (`zero_grad()`) between training steps. What flows
    in this pass is kept apart in `flowing`, so calling `backward()` twice on one
    graph adds exactly twice the gradient, intermediate nodes included.

    `on_step`, for watching the pass (`replay.py`), is called after each node's
    chain-rule step as `on_step(node, g, contributions)`: g is the node's whole
    gradient, contributions hold one per parent (None where none flows).
    """
    flowing = {root: grad}
    for node in reversed(topological_order(root)):
        g = flowing.pop(node, None)
        if g is None:  # every path to it was cut (an input whose requires_grad changed after the forward)
            continue
        node._accumulate(g)
        if not node.parents:
            continue
        contributions = node._vjp(g)
        for parent, contribution in zip(node.parents, contributions):
            if contribution is None:
                continue
            if parent in flowing:
                flowing[parent] = flowing[parent] + contribution
            else:
                flowing[parent] = contribution
        if on_step is not None:
            on_step(node, g, contributions)
