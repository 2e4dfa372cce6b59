"""The compiled function: a cache of programs by input signature, each traced once and replayed.

The rule (the docs page "What compiling does" tells it in full):

- A call's signature is the shape, dtype and requires_grad of each Tensor
  argument, and the value of every other argument (numbers, integer Tensors,
  plain arrays such as targets, anything hashable). A new signature traces again.
- `fn` must build the same graph for every call with one signature. Python
  control flow on the data (`if loss.item() > 1`) breaks that rule; the
  compiled function checks it on calls 2, 4, 8, 16, ... of each trace (every
  call with `check="always"`) by running `fn` eagerly as well, and raises
  `GraphChangedError` at the first difference.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import checks, engine
from ..engine import Node, op
from ..tensor import Tensor
from ..value import Value
from .codegen import Plan, Program, UnloweredError, generate
from .trace import Trace, TraceError, difference, run

CHECKS = ("doubling", "always", "never")


class GraphChangedError(RuntimeError):
    """A compiled function's `fn` built a different graph than the one it was traced with."""


@dataclass
class Entry:
    """One signature's trace and its program (None: runs eagerly, `reason` says why)."""

    trace: Trace
    program: Program | None
    reason: str = ""
    calls: int = 0
    guards: list[tuple] = field(default_factory=list)  # (tensor, shape, dtype, requires_grad) of state

    def stale(self) -> bool:
        """True if a Tensor the program reads as state changed shape, dtype or requires_grad."""
        return any(
            t.data.shape != shape or t.data.dtype != dtype or t.requires_grad != needs
            for t, shape, dtype, needs in self.guards
        )


class CompiledFunction:
    """`fn` traced on its first call (per signature) and replayed as generated code afterwards.

    Call it as `fn` itself; `source` is the program of the last call. With an
    `optimizer`, each call is a whole training step (see `compile`).
    """

    def __init__(self, fn: Callable, check: str = "doubling", optimizer: Any = None) -> None:
        if not callable(fn):
            raise TypeError(f"compile: expects a function that returns a loss, got {type(fn).__name__}")
        if optimizer is not None and not all(
            callable(getattr(optimizer, m, None)) for m in ("step", "zero_grad")
        ):
            raise TypeError(
                f"compile: optimizer must have step() and zero_grad() (an optim.Adam, say), "
                f"got {type(optimizer).__name__}"
            )
        self.fn = fn
        self.check = checks.one_of("compile", "check", check, CHECKS)
        self.optimizer = optimizer
        self.entries: dict[tuple, Entry] = {}
        self.last: Entry | None = None
        self.name = getattr(fn, "__name__", type(fn).__name__)
        functools.update_wrapper(self, fn)

    @property
    def source(self) -> str:
        """The generated program of the last call, as Python source."""
        if self.last is None:
            raise RuntimeError(f"compile: {self.name} has not been called yet; it traces on its first call")
        if self.last.program is None:
            return f"# {self.name} is not compiled: {self.last.reason}.\n# Every call runs it eagerly.\n"
        return self.last.program.source

    def __call__(self, *args: Any) -> Node:
        flat, key = signature(args)
        entry = self.entries.get(key)
        if entry is None or entry.stale():
            entry = self.entries[key] = self._trace(args, flat)
        entry.calls += 1
        self.last = entry
        program, many = entry.program, entry.trace.many
        if program is None or engine.is_anomaly_enabled():
            result = self.fn(*args)
        else:
            if self.check == "always" or (self.check == "doubling" and entry.calls & (entry.calls - 1) == 0):
                self._verify(entry, args, flat)
            if self.optimizer is not None and _direct(program, flat):
                return self._train(program, flat, many)
            result = self._replay(program, flat, many)
        if self.optimizer is not None:  # the step as written out, with the engine's backward
            self.optimizer.zero_grad()
            (result[0] if many else result).backward()
            self.optimizer.step()
        return result

    def _trace(self, args: tuple, flat: list[Node]) -> Entry:
        template = make_template(args)
        first, second = (run(self.fn, lambda nodes: rebuild(template, nodes), flat) for _ in range(2))
        changed = difference(first, second)
        if changed is not None:
            raise TraceError(
                f"compile: {self.name} built two different graphs from the same arguments ({changed}); "
                "a compiled function must depend on its arguments only (no random numbers or counters)"
            )
        shared = {id(n) for n in second.order} | {id(p) for n in second.order for p in n.parents}
        plan = Plan(first, shared, names(self.fn, template, len(flat)), [_needs_grad(x) for x in flat])
        try:
            program = generate(plan, self.name)
        except UnloweredError as why:
            warnings.warn(f"compile: {self.name} runs eagerly: {why}", RuntimeWarning, stacklevel=3)
            return Entry(first, None, str(why))
        guards = [
            (t, t.data.shape, t.data.dtype, t.requires_grad) for t in program.state if isinstance(t, Tensor)
        ]
        return Entry(first, program, guards=guards)

    def _verify(self, entry: Entry, args: tuple, flat: list[Node]) -> None:
        template = make_template(args)
        fresh = run(self.fn, lambda nodes: rebuild(template, nodes), flat)
        changed = difference(entry.trace, fresh)
        if changed is not None:
            raise GraphChangedError(
                f"compile: {self.name} built a different graph on call {entry.calls} than when it was traced "
                f"({changed}); its Python control flow depends on the data. Compute both branches with ops, "
                "or call it without compiling"
            )

    def _replay(self, program: Program, flat: list[Node], many: bool) -> Node | tuple:
        out, saved, *extras = program.forward(flat, program.state)
        inputs = program.inputs(flat)
        if not inputs:
            loss = _constant(out)
        else:
            lock, backward = program.lock, program.backward

            def compiled_backward(g: Any) -> tuple:
                with lock:  # the op backwards it calls hold this call's arrays while they run
                    return backward(g, saved)

            loss = op(f"compiled {self.name}", out, inputs, compiled_backward)
        return (loss, *[_constant(x) for x in extras]) if many else loss

    def _train(self, program: Program, flat: list[Node], many: bool) -> Node | tuple:
        """Forward, zero_grad, backward and step, the backward's gradients added straight into `.grad`.

        What `engine.backward` would do for the one compiled op over leaves,
        without building it: the leaves get their gradients as at the end of a
        backward pass (`engine.accumulate_leaves`, under the engine's lock).
        """
        out, saved, *extras = program.forward(flat, program.state)
        g = program.seed.copy() if isinstance(out, np.ndarray) else 1.0  # d loss / d loss
        self.optimizer.zero_grad()
        with program.lock:
            grads = program.backward(g, saved)
        engine.accumulate_leaves(
            [(leaf, grad) for leaf, grad in zip(program.inputs(flat), grads) if grad is not None]
        )
        self.optimizer.step()
        loss = _constant(out)
        return (loss, *[_constant(x) for x in extras]) if many else loss


def _direct(program: Program, flat: list[Node]) -> bool:
    """True if a training step may skip the engine: grad is on, the loss has one element,
    and every input that gets a gradient is a leaf (else the engine goes on past it)."""
    if not (program.scalar and engine.is_grad_enabled()):
        return False
    if program.fixed is not None:
        return program.fixed_leaves
    inputs = program.inputs(flat)
    return bool(inputs) and not any(x.parents for x in inputs)


def compile(fn: Callable | None = None, *, check: str = "doubling", optimizer: Any = None) -> Any:
    """`fn` compiled: traced on its first call, replayed as straight-line generated code afterwards.

    `fn(*args)` builds a graph and returns a Tensor or a Value (a loss), or a
    tuple with the loss first and other results of the graph after it (the
    logits, say), which come back as leaves that need no grad. The
    compiled function returns the same value; `backward()` on it leaves the
    same `.grad`, bit for bit, on every argument and every parameter `fn`
    reaches, as the eager `fn(*args).backward()` would. Use it as a function or
    a decorator (`@tinygrad_lite.compile`). `check` is "doubling" (check that
    `fn` still builds the traced graph on calls 2, 4, 8, ...), "always" or "never".

    With `optimizer` (an `optim.Adam`, say), each call is one training step:
    `loss = fn(*args); optimizer.zero_grad(); loss.backward(); optimizer.step()`,
    with the same numbers bit for bit, and it returns the loss (and any
    extras) as leaves. The gradients go from the generated backward straight
    into `.grad`, with no node and no backward pass of the engine's.
    """
    if fn is None:
        return lambda f: CompiledFunction(f, check, optimizer)
    return CompiledFunction(fn, check, optimizer)


# ---- signatures: what makes two calls the same program --------------------------------------


def signature(args: tuple) -> tuple[list[Node], tuple]:
    """(the nodes among args, in order; the signature), in one walk: what every call pays."""
    flat: list[Node] = []
    return flat, tuple([_key(x, flat) for x in args])


def _key(x: Any, flat: list[Node]) -> tuple:
    if isinstance(x, Node):
        flat.append(x)
        if isinstance(x, Tensor):
            data = x.data
            exact = data.tobytes() if data.dtype.kind != "f" else b""  # indices and targets: by value
            return ("Tensor", data.shape, data.dtype, x.requires_grad, exact)
        return (type(x).__name__,)
    if type(x) in (list, tuple):
        return (type(x).__name__, *[_key(item, flat) for item in x])
    if isinstance(x, np.ndarray):
        return ("array", x.shape, x.dtype, x.tobytes())
    try:
        hash(x)
        return ("value", type(x), x)
    except TypeError:
        return ("object", type(x), id(x))


def make_template(x: Any, count: list[int] | None = None) -> tuple:
    """The arguments with each node replaced by ("node", its place among the nodes), for `rebuild`."""
    count = [0] if count is None else count
    if isinstance(x, Node):
        count[0] += 1
        return ("node", count[0] - 1)
    if type(x) in (list, tuple):
        return (type(x).__name__, [make_template(item, count) for item in x])
    return ("value", x)


def rebuild(template: Any, nodes: list[Node]) -> Any:
    """The arguments again, with `nodes` in the places the template keeps for nodes."""
    kind, body = template
    if kind == "node":
        return nodes[body]
    if kind == "value":
        return body
    items = [rebuild(t, nodes) for t in body]
    return items if kind == "list" else tuple(items)


def names(fn: Callable, template: Any, count: int) -> list[str]:
    """A name for each node argument: the parameter's name (with _0, _1 ... inside lists)."""
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        params = []
    found = [f"arg{k}" for k in range(count)]
    for i, t in enumerate(template[1]):
        _name(t, params[i] if i < len(params) and i < len(template[1]) else f"arg{i}", found)
    return found


def _name(template: Any, name: str, found: list[str]) -> None:
    kind, body = template
    if kind == "node":
        found[body] = name
    elif kind in ("list", "tuple"):
        for i, t in enumerate(body):
            _name(t, f"{name}_{i}", found)


def _constant(data: Any) -> Node:
    """A leaf holding `data` that needs no grad: the loss under no_grad, and the extra outputs."""
    return Tensor(data) if isinstance(data, np.ndarray) else Value(data)


def _needs_grad(x: Node) -> bool:
    return bool(x.requires_grad)
