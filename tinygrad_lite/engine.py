"""The autodiff core: graph nodes, the one door ops come in by, the backward pass, and its modes.

Both `Value` (one Python float) and `Tensor` (one numpy array) are `Node`s. Every
op, built in or your own, makes its result with `op(name, data, inputs, backward)`:
the result remembers the op's `inputs` (its `parents`) and `backward`, which
turns g = d out / d result into one gradient per input. `backward()` visits the
graph from the output back to the leaves, each node after every node that uses
it, and applies the chain rule at each one:

    d out / d parent  +=  (d out / d node) * (d node / d parent)

The first factor is the gradient that reached `node`; the product is what the
op's `backward` returns for that parent.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

Backward = Callable[[Any], tuple]


class Node:
    """A vertex of the graph: `data`, its gradient `grad`, and the op that made it.

    `requires_grad` says whether gradients flow into it: always, for a Value;
    for a Tensor's result, when grad is on and one of its inputs does.
    `parents` are the op's inputs (empty for a leaf), `op` its name and
    `backward_fn(g)` its chain-rule step: one gradient per parent (None where
    none flows). After `backward()`, every node in the graph owns its `grad`,
    d out / d node, summed over backward passes until `zero_grad()`.
    Subclasses say how they hold data and gradients:

    - `_new(data, requires_grad, parents=(), op="", backward_fn=None)`: a node holding `data`;
    - `_vjp(g)`: `backward_fn(g)`, each gradient fitted to its parent's shape (None for a
      parent that does not require grad);
    - `_accumulate(g)`: add g into `grad`, so that `.grad` is this node's own array;
    - `zero_grad()`: forget the gradient, before the next backward pass.
    """

    __slots__ = ("data", "parents", "op", "backward_fn", "label", "__weakref__")
    grad: Any  # a slot of Value, a property of Tensor
    requires_grad: bool

    @staticmethod
    def _new(
        data: Any, requires_grad: bool, parents: tuple = (), op: str = "", backward_fn: Backward | None = None
    ) -> Node:
        raise NotImplementedError

    def _vjp(self, g: Any) -> list:
        raise NotImplementedError

    def _accumulate(self, g: Any) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Forget the gradient before the next backward pass (each subclass says how)."""
        raise NotImplementedError


def op(name: str, data: Any, inputs: tuple[Node, ...], backward: Backward) -> Node:
    """The result of an op: the one door every op, built in or your own, goes through.

    `data` is the op's value (a float for Values, an array for Tensors), `inputs`
    the nodes it was computed from (all Values or all Tensors) and `backward(g)`
    returns one gradient per input, given g = d out / d result. The result joins
    the graph when grad is on and an input requires grad; otherwise it is a
    leaf. Keep arrays in `backward`'s closure, never the result itself, so the
    graph holds no reference cycle.
    """
    if type(inputs) is not tuple or not callable(backward):
        raise _bad_arguments(name, inputs, backward)
    try:
        kind = type(inputs[0])
    except IndexError:
        raise ValueError(
            f"{name}: an op needs at least one input node (a Value or a Tensor), got none"
        ) from None
    grad_enabled, detecting = _modes.get()
    recording = grad_enabled
    try:
        for x in inputs:
            if type(x) is not kind or not x.requires_grad:  # the rarer case: an input needs no gradient
                needs_grad = _needs_grad(name, inputs, kind)
                recording = grad_enabled and any(needs_grad)
                # The graph is what was recorded now: none for those inputs, even if they require grad later.
                backward = _only_for(needs_grad, backward)
                break
    except AttributeError:  # no requires_grad: the inputs are not nodes at all
        error = _mixed_kinds(name, inputs)
        if error is None:
            raise
        raise error from None
    try:
        if recording:
            if detecting:
                backward = _checking_inputs(name, inputs, backward)
            out = kind._new(data, True, inputs, name, backward)
        else:
            out = kind._new(data, False)
    except (TypeError, ValueError) as error:  # data the result cannot hold
        raise type(error)(f"{name}: {error}") from None
    if detecting:
        _check_forward(name, out, inputs)
    return out


def wrong_count(node: Node, grads: Any) -> ValueError:
    """The error for a backward that did not return a tuple with one gradient per input."""
    got = f"{len(grads)} gradient(s)" if type(grads) is tuple else f"a {type(grads).__name__}"
    return ValueError(
        f"{node.op}: backward returned {got} for {len(node.parents)} input(s); "
        "return a tuple with one gradient per input (None where there is none)"
    )


def _bad_arguments(name: str, inputs: Any, backward: Any) -> Exception:
    """The error for `inputs` that are not a tuple, or a `backward` that is not a function."""
    if not callable(backward):
        return TypeError(
            f"{name}: backward must be a function g -> tuple of gradients, got {type(backward).__name__}"
        )
    one = "; for one input x write (x,)" if isinstance(inputs, Node) else ""
    got = type(inputs).__name__
    return TypeError(f"{name}: inputs must be a tuple of Values or Tensors, got a {got}{one}")


def _only_for(needs_grad: tuple[bool, ...], backward: Backward) -> Backward:
    """`backward`, giving None for the inputs that did not require grad when the op ran."""

    def masked(g: Any) -> tuple:
        grads = backward(g)
        if type(grads) is not tuple or len(grads) != len(needs_grad):
            return grads  # as it came, for the node to report the wrong count
        return tuple([grad if need else None for grad, need in zip(grads, needs_grad)])

    return masked


def _needs_grad(name: str, inputs: tuple, kind: type) -> tuple[bool, ...]:
    """Whether each input requires grad, once they are all of one kind (all Values or all Tensors)."""
    for x in inputs:
        if type(x) is not kind and (error := _mixed_kinds(name, inputs)):
            raise error
    return tuple([x.requires_grad for x in inputs])


def _mixed_kinds(name: str, inputs: tuple) -> TypeError | None:
    """The error for inputs that are not all Values or all Tensors (None when they are)."""
    bases = {next((c for c in type(x).__mro__ if Node in c.__bases__), None) for x in inputs}
    if len(bases) != 1 or None in bases:
        kinds = ", ".join(type(x).__name__ for x in inputs)
        return TypeError(f"{name}: inputs must be all Values or all Tensors, got {kinds}")
    return None


# ---- the graph, in order -----------------------------------------------------------------


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on (through nodes that require grad), parents first.

    Depth-first search with an explicit stack instead of recursion, so a chain of
    any length fits. A node, when first visited, goes back on the stack under a
    `None` marker and its parents: once they are done, the marker comes off and
    the node is appended, after all of its parents.
    """
    order: list[Node] = []
    visited: set[Node] = set()
    stack: list[Node | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: every parent of the node under it is in `order`
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            for parent in node.parents:
                if parent.requires_grad and parent not in visited:
                    stack.append(parent)
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


# ---- the backward pass -------------------------------------------------------------------


def backward(root: Node, grad: Any, on_step: Callable[[Node, Any, Any], None] | None = None) -> None:
    """Back-propagate `grad` = d out / d root into `.grad` of every node `root` depends on.

    Gradients accumulate: each call adds to `.grad` (as in PyTorch and
    micrograd), so clear them (`zero_grad()`) between training steps. What flows
    in this pass is kept apart in `flowing`, so calling `backward()` twice on one
    graph adds exactly twice the gradient, intermediate nodes included.

    The leaves (the parameters) keep their gradients in `flowing` until the end
    and add them together (`accumulate_leaves`). `on_step`, for watching the pass
    (`viz.replay`), is called after each node's chain-rule step as
    `on_step(node, g, contributions)`: g is the node's whole gradient,
    contributions hold one per parent (None where none flows). `grad` itself
    flows, not a copy (`Tensor.backward` passes one): do not change it after.
    """
    flowing = {root: grad}
    detecting = is_anomaly_enabled()
    for node in reversed(topological_order(root)):
        if not node.parents:  # a leaf: its gradient stays in `flowing` until the end
            continue
        g = flowing.pop(node, None)
        if g is None:  # no gradient reached it: only inputs that needed none at forward time lead here
            continue
        node._accumulate(g)
        contributions = node._vjp(g)
        if detecting:
            _check_backward(node, g, contributions)
        for parent, contribution in zip(node.parents, contributions):
            if contribution is None:
                continue
            if parent in flowing:
                flowing[parent] = flowing[parent] + contribution
            else:
                flowing[parent] = contribution
        if on_step is not None:
            on_step(node, g, contributions)
    # Every node a gradient reached is in the order (`_vjp` gives none to an input that does not
    # require grad), and all but the leaves were popped: what is left is the leaves' gradients.
    accumulate_leaves(flowing.items())


def accumulate_leaves(leaves: Iterable[tuple[Node, Any]]) -> None:
    """Add each (leaf, g) into the leaf's `.grad`, under one lock for the whole pass.

    A leaf (a parameter) may be shared with graphs in other threads, and `grad += g`
    reads, adds and writes: two threads adding into one parameter at once could lose a sum.
    """
    with _leaf_lock:
        for leaf, g in leaves:
            leaf._accumulate(g)


_leaf_lock = threading.Lock()


# ---- modes: no_grad and detect_anomaly ------------------------------------------------------

# Both modes in one variable, (grad enabled, detecting anomalies), read once per op. It is per
# thread (and per asyncio task): a `no_grad` block in one thread does not switch off another's graph.
_modes: contextvars.ContextVar[tuple[bool, bool]] = contextvars.ContextVar(
    "tinygrad_lite_modes", default=(True, False)
)


def is_grad_enabled() -> bool:
    """True unless running inside `no_grad()`."""
    return _modes.get()[0]


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return _modes.get()[1]


class Switch:
    """Switch a mode for the length of a block: `with switch:` or as a decorator.

    The modes are per thread (and per asyncio task), and the tokens form a
    stack, so one instance may be entered again inside itself.
    """

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token] = []

    def switched(self, grad_enabled: bool, detecting: bool) -> tuple[bool, bool]:
        """The modes inside the block, given those outside it."""
        raise NotImplementedError

    def __enter__(self) -> None:
        self._tokens.append(_modes.set(self.switched(*_modes.get())))

    def __exit__(self, *exc_info: object) -> None:
        _modes.reset(self._tokens.pop())

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

    def switched(self, grad_enabled: bool, detecting: bool) -> tuple[bool, bool]:
        """Grad off, anomaly detection as it was."""
        return False, detecting


class AnomalyError(FloatingPointError):
    """Raised inside `detect_anomaly()` by the first op that turns finite numbers into nan/inf."""


class detect_anomaly(Switch):
    """Stop at the first op whose forward or backward makes a nan/inf (a context manager or decorator).

    Outside it nan and inf simply propagate (IEEE, as in numpy). Inside it every
    op of both engines checks its result, which costs time, so use it to find a
    bug, not to train. Only ops are checked: data you create is yours.
    """

    def switched(self, grad_enabled: bool, detecting: bool) -> tuple[bool, bool]:
        """Anomaly detection on, grad as it was."""
        return grad_enabled, True


def _finite(x: Any) -> bool:
    return bool(np.isfinite(x).all())


def _shapes(nodes: tuple) -> str:
    return ", ".join(str(np.shape(x.data)) for x in nodes)


def _check_forward(name: str, out: Node, inputs: tuple) -> None:
    if not _finite(out.data) and all(_finite(x.data) for x in inputs):
        raise AnomalyError(
            f"detect_anomaly: the forward of '{name}' made nan/inf from finite inputs "
            f"(input shapes {_shapes(inputs)}; output shape {np.shape(out.data)})"
        )


def _checking_inputs(name: str, inputs: tuple, backward: Backward) -> Backward:
    """`backward`, refusing to run if an input was changed in place after the forward."""
    # An array changed in place is what the op still holds; data rebound to a new object is not.
    held = [x.data for x in inputs]
    saved = [np.array(data, copy=True) for data in held]

    def checked(g: Any) -> tuple:
        for i, (x, data, before) in enumerate(zip(inputs, held, saved)):
            if x.data is data and not np.array_equal(data, before, equal_nan=True):
                raise AnomalyError(
                    f"detect_anomaly: input {i} of '{name}' (shape {np.shape(x.data)}) was changed in place "
                    "after the forward, so its backward would use the new values; change data only "
                    "after backward() (or on a detach()ed copy)"
                )
        return backward(g)

    return checked


def _check_backward(node: Node, g: Any, contributions: list) -> None:
    if not _finite(g):
        return
    for i, contribution in enumerate(contributions):
        if contribution is not None and not _finite(contribution):
            raise AnomalyError(
                f"detect_anomaly: the backward of '{node.op}' made nan/inf in the gradient of input {i} "
                f"(shape {np.shape(node.parents[i].data)}) from a finite gradient of shape {np.shape(g)}"
            )
