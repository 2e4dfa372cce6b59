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

    Call it as `fn` itself; `source` is the program of the last call.
    """

    def __init__(self, fn: Callable, check: str = "doubling") -> None:
        if not callable(fn):
            raise TypeError(f"compile: expects a function that returns a loss, got {type(fn).__name__}")
        self.fn = fn
        self.check = checks.one_of("compile", "check", check, CHECKS)
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
        flat, template, key = flatten(args)
        entry = self.entries.get(key)
        if entry is None or entry.stale():
            entry = self.entries[key] = self._trace(flat, template)
        entry.calls += 1
        self.last = entry
        if entry.program is None or engine.is_anomaly_enabled():
            return self.fn(*args)
        if self.check == "always" or (self.check == "doubling" and entry.calls & (entry.calls - 1) == 0):
            self._verify(entry, flat, template)
        return self._replay(entry.program, flat, entry.trace.many)

    def _trace(self, flat: list[Node], template: Any) -> Entry:
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

    def _verify(self, entry: Entry, flat: list[Node], template: Any) -> None:
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
        inputs = tuple(flat[i] if where == "arg" else program.state[i] for where, i in program.grads_for)
        if not inputs:
            loss = _constant(out)
        else:
            lock, backward = program.lock, program.backward

            def compiled_backward(g: Any) -> tuple:
                with lock:  # the op backwards it calls hold this call's arrays while they run
                    return backward(g, saved)

            loss = op(f"compiled {self.name}", out, inputs, compiled_backward)
        return (loss, *(_constant(x) for x in extras)) if many else loss


def compile(fn: Callable | None = None, *, check: str = "doubling") -> Any:
    """`fn` compiled: traced on its first call, replayed as straight-line generated code afterwards.

    `fn(*args)` builds a graph and returns a Tensor or a Value (a loss), or a
    tuple with the loss first and other results of the graph after it (the
    logits, say), which come back as leaves that need no grad. The
    compiled function returns the same value; `backward()` on it leaves the
    same `.grad`, bit for bit, on every argument and every parameter `fn`
    reaches, as the eager `fn(*args).backward()` would. Use it as a function or
    a decorator (`@tinygrad_lite.compile`). `check` is "doubling" (check that
    `fn` still builds the traced graph on calls 2, 4, 8, ...), "always" or "never".
    """
    if fn is None:
        return lambda f: CompiledFunction(f, check)
    return CompiledFunction(fn, check)


# ---- signatures: what makes two calls the same program --------------------------------------


def flatten(args: Any) -> tuple[list[Node], Any, tuple]:
    """(the nodes among args, a template to put nodes back, the signature), in one walk."""
    flat: list[Node] = []
    template, key = _walk(args, flat)
    return flat, template, key


def _walk(x: Any, flat: list[Node]) -> tuple[Any, tuple]:
    if isinstance(x, Node):
        flat.append(x)
        if isinstance(x, Tensor):
            data = x.data
            exact = data.tobytes() if data.dtype.kind != "f" else b""  # indices and targets: by value
            return ("node", len(flat) - 1), ("Tensor", data.shape, data.dtype.str, x.requires_grad, exact)
        return ("node", len(flat) - 1), (type(x).__name__,)
    if type(x) in (list, tuple):
        walked = [_walk(item, flat) for item in x]
        return (type(x).__name__, [t for t, _ in walked]), (type(x).__name__, *(k for _, k in walked))
    if isinstance(x, np.ndarray):
        return ("value", x), ("array", x.shape, x.dtype.str, x.tobytes())
    try:
        hash(x)
        return ("value", x), ("value", type(x), x)
    except TypeError:
        return ("value", x), ("object", type(x), id(x))


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
