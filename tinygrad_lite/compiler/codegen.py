"""Code generation: a trace as two straight-line Python functions, `forward` and `backward`.

`forward(args, state)` reads each input's data, runs one line per op (named by
the op and its place in the graph, as `tanh3`) and returns the result and the
arrays the backward needs. `backward(g, saved)` visits the ops in the reverse of
the engine's order; for each it computes one gradient per input and adds it to
that input's running gradient (`g_x = g_x + ...` where a value is used twice),
exactly as `engine.backward` adds them, and returns the gradient of every leaf
that requires grad.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import numerics
from ..engine import Node
from ..function import Context
from ..reductions import spread
from ..tensor import Tensor, unbroadcast
from .lowering import OUT, Lowering, lower
from .trace import Trace, unwrap


class Derivative:
    """An op's own backward, called with this call's arrays in place of those it closed over.

    The closure is copied once (fresh cells), so the traced graph keeps its own.
    """

    def __init__(self, fn: Callable, needs: dict[str, bool]) -> None:
        closure = tuple(types.CellType(c.cell_contents) for c in fn.__closure__ or ())
        self.fn = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, closure)
        self.cells = dict(zip(fn.__code__.co_freevars, closure))
        for name, need in needs.items():
            self.cells[name].cell_contents = need

    def __call__(self, g: Any, **arrays: Any) -> tuple:
        for name, array in arrays.items():
            self.cells[name].cell_contents = array
        return self.fn(g)


def tensor_data(x: Any) -> np.ndarray:
    """An op's result as Tensor data (what `Tensor._new` does with it)."""
    return x if type(x) is np.ndarray else np.asarray(x)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(a, b)


HELPERS = {
    "np": np, "math": math, "Context": Context, "unbroadcast": unbroadcast, "spread": spread,
    "tensor_data": tensor_data,
    "true_divide": _divide, "divide": numerics.divide, "sigmoid": numerics.sigmoid,
    "logsumexp": numerics.logsumexp, "log_softmax": numerics.log_softmax, "exp": numerics.exp,
    "log": numerics.log, "tanh": math.tanh,
    "power": numerics.power, "sqrt": numerics.sqrt, "sin": numerics.sin, "cos": numerics.cos,
    "log1p": numerics.log1p, "expm1": numerics.expm1, "softplus": numerics.softplus,
}  # fmt: skip

# math's own functions, where numerics' wrap them: the same number wherever math gives one, and an
# exception (never a wrong number) where numerics gives inf or nan. A call that raises runs again
# with HELPERS. (Value programs only: they make one helper call per op.)
FAST = {
    "exp": math.exp, "log": math.log, "divide": operator.truediv, "power": math.pow, "sqrt": math.sqrt,
    "sin": math.sin, "cos": math.cos, "log1p": math.log1p, "expm1": math.expm1,
}  # fmt: skip
FLOAT_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


def _with_fallback(fast: Callable, safe: Callable) -> Callable:
    """`fast(*args)`, or `safe(*args)` where fast raises what math raises in place of an inf or a nan."""

    def run(*args: Any) -> Any:
        try:
            return fast(*args)
        except FLOAT_ERRORS:
            return safe(*args)

    return run


SYMBOLS = {"+": "add", "*": "mul", "/": "div", "**": "pow"}


def _word(op_name: str) -> str:
    """A Value op's symbol as a word for a variable name: "+" -> "add", "**2" -> "pow"."""
    return SYMBOLS.get(op_name[:2] if op_name.startswith("**") else op_name, op_name)


@dataclass
class Program:
    """The generated code and what it reads: arguments, state, and the leaves it returns gradients for.

    `grads_for` holds ("arg", k) or ("state", i), one per gradient `backward` returns;
    `scalar` says whether the result has one element (so `backward()` needs no gradient).
    """

    source: str
    forward: Callable
    backward: Callable
    state: list[Node]
    grads_for: list[tuple[str, int]]
    scalar: bool
    seed: Any  # the gradient a backward pass starts from: ones like the result
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # Gradients only for state (parameters): the same inputs on every call, looked up once.
        only_state = all(where == "state" for where, _ in self.grads_for)
        self.fixed = tuple([self.state[i] for _, i in self.grads_for]) if only_state else None
        self.fixed_leaves = bool(self.fixed) and not any(x.parents for x in self.fixed)

    def inputs(self, args: list[Node]) -> tuple[Node, ...]:
        """The nodes `backward` returns gradients for, in its order: the compiled op's inputs."""
        if self.fixed is not None:
            return self.fixed
        return tuple([args[i] if where == "arg" else self.state[i] for where, i in self.grads_for])


class Names:
    """Python names for nodes, constants and helpers, each used once."""

    def __init__(self) -> None:
        self.globals: dict[str, Any] = dict(HELPERS)
        self.taken: set[str] = set(self.globals) | {"g", "args", "state", "saved", "forward", "backward"}
        self.groups: dict[int, str] = {}  # ops computed together (a Value log_softmax's outputs): one name

    def __call__(self, value: Any) -> str:
        return self.bind(value)

    def new(self, wish: str) -> str:
        """A fresh Python name close to `wish` ("w1[0,1]" -> "w1_0_1", then "w1_0_1_2" if taken)."""
        base = re.sub(r"\W+", "_", wish).strip("_") or "v"
        base = base if base[0].isalpha() and not keyword.iskeyword(base) else f"v_{base}"
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def bind(self, value: Any) -> str:
        """A literal for a plain value (a number, a tuple of ints), else a global name holding it."""
        text = repr(value)
        try:
            back = ast.literal_eval(text)
            if type(back) is type(value) and back == value and repr(back) == text:
                return text
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
        name = self.new(getattr(value, "__name__", "const"))
        self.globals[name] = value
        return name


@dataclass
class Plan:
    """The trace, sorted: which node is an argument, state or a constant, and which gets a gradient."""

    trace: Trace
    shared: set[int]  # ids of nodes that were the same objects in both tracing runs: state
    arg_names: list[str]  # one per flat argument
    arg_needs_grad: list[bool]  # whether each flat argument itself requires grad


class UnloweredError(Exception):
    """An op of the trace has no rule: the function runs eagerly."""


def generate(plan: Plan, fn_name: str) -> Program:
    """The program for one trace; raises Unlowered if an op has no rule."""
    trace, names = plan.trace, Names()
    var: dict[int, str] = {}
    head: list[str] = []
    steps: list[tuple[Node, Lowering]] = []
    state: list[Node] = []
    grads_for: list[tuple[Node, tuple[str, int]]] = []
    for node in trace.order:
        if id(node) in trace.args or id(node) in plan.shared or not node.parents:
            var[id(node)] = _leaf(node, plan, names, head, state, grads_for)
            continue
        lowering = _lower(node, names)
        var[id(node)] = names.new(f"{_word(node.op)}{len(steps) + 1}")
        steps.append((node, lowering))
        for parent in node.parents:  # inputs that need no grad are not in the order: state or constants
            if id(parent) not in var:
                var[id(parent)] = _leaf(parent, plan, names, head, state, grads_for)
    if not steps:
        raise UnloweredError("fn made no op that requires grad (it returned an input, or a constant)")
    body = head + [line for node, lowering in steps for line in _forward(node, lowering, var)]
    reported = {id(n) for n, _ in grads_for}
    reaches = _reaching(trace.order, reported)
    back, derivatives = _backward(steps, var, reaches, names, trace.root)
    names.globals.update(derivatives)
    grads = [back.get(id(n), "None") for n, _ in grads_for]
    saved = _used(back["lines"], body)
    if any(id(x) not in var for x in trace.extras):
        raise UnloweredError("fn returned, besides the loss, a node that is not part of the loss's graph")
    result = ", ".join([var[id(trace.root)], f"({_tuple(saved)})", *(var[id(x)] for x in trace.extras)])
    source = _source(fn_name, body, result, saved, back["lines"], grads)
    code = compile(source, f"<compiled {fn_name}>", "exec")
    namespace, fast = dict(names.globals), {**names.globals, **FAST}
    exec(code, namespace)  # code we generated ourselves
    forward, backward = namespace["forward"], namespace["backward"]
    if re.search(rf"(?<![\w.])({'|'.join(FAST)})\(", source):
        exec(code, fast)
        forward = _with_fallback(fast["forward"], forward)
        backward = _with_fallback(fast["backward"], backward)
    where, root = [w for _, w in grads_for], trace.root.data
    return Program(source, forward, backward, state, where, np.size(root) == 1, np.ones_like(root))


def _lower(node: Node, names: Names) -> Lowering:
    fn = unwrap(node.backward_fn)
    try:
        lowering = lower(node, names)
    except (KeyError, ValueError, TypeError):  # a closure not as the rule expects: no rule
        lowering = None
    if lowering is None:
        made_by = "" if fn is None else f", backward {fn.__module__}.{fn.__qualname__}"
        raise UnloweredError(f"op '{node.op}' (shape {np.shape(node.data)}{made_by}) has no compile rule")
    return lowering


def _leaf(node: Node, plan: Plan, names: Names, head: list, state: list, grads_for: list) -> str:
    """A name for an argument, a piece of state or a constant, and the line that reads it."""
    k = plan.trace.args.get(id(node))
    if k is not None:
        name = names.new(plan.arg_names[k])
        head.append(f"{name} = args[{k}].data")
        if plan.arg_needs_grad[k]:
            grads_for.append((node, ("arg", k)))
        return name
    if id(node) in plan.shared:
        name = names.new(node.label or ("p" if isinstance(node, Tensor) else "w"))
        head.append(f"{name} = state[{len(state)}].data")
        if node.requires_grad:
            grads_for.append((node, ("state", len(state))))
        state.append(node)
        return name
    return names.bind(node.data)  # made inside fn from numbers that do not change: a constant


def _forward(node: Node, lowering: Lowering, var: dict[int, str]) -> list[str]:
    fill = {"o": var[id(node)], **{f"x{i}": var[id(p)] for i, p in enumerate(node.parents)}}
    lines = [line.format(**fill) for line in lowering.lines]
    last = lines[-1]
    prefix = f"{fill['o']} = "
    if isinstance(node, Tensor) and node.data.shape == () and last.startswith(prefix):
        lines[-1] = f"{prefix}tensor_data({last[len(prefix) :]})"  # numpy makes 0-d results scalars
    return lines


def _reaching(order: list[Node], reported: set[int]) -> set[int]:
    """Ids of the nodes from which a path leads to a leaf whose gradient is returned."""
    reaches = set(reported)
    for node in order:  # parents first
        if any(id(p) in reaches for p in node.parents):
            reaches.add(id(node))
    return reaches


def _backward(steps: list, var: dict[int, str], reaches: set[int], names: Names, root: Node) -> tuple:
    """The backward lines, and the Derivatives they call. `back` maps node ids to gradient names."""
    back: dict[Any, Any] = {id(root): "g", "lines": []}
    lines, derivatives = back["lines"], {}
    summed: set[int] = set()  # nodes whose gradient has a name of its own (not another node's, passed on)
    for node, lowering in reversed(steps):
        g = back.get(id(node))
        if g is None or id(node) not in reaches:
            continue
        out = var[id(node)]
        fill = {"o": out, "g": g, **{f"x{i}": var[id(p)] for i, p in enumerate(node.parents)}}
        if lowering.exprs is not None:
            contributions = [e.format(**fill) for e in lowering.exprs]
        else:
            contributions = _call(node, lowering, fill, reaches, names, lines, derivatives)
        if isinstance(node, Tensor):
            contributions = _fitted(node, contributions)
        for parent, c in zip(node.parents, contributions):
            if c is None or id(parent) not in reaches:
                continue
            if id(parent) in back:
                name = back[id(parent)]
                if id(parent) not in summed:  # the sum gets its own name: `name` may be another's gradient
                    back[id(parent)] = names.new(f"g_{var[id(parent)]}")
                    summed.add(id(parent))
                lines.append(f"{back[id(parent)]} = {name} + {_parens(c)}")
            elif c.isidentifier():  # a gradient passed on unchanged (as `+` does): the same object, no line
                back[id(parent)] = c
            else:
                back[id(parent)] = names.new(f"g_{var[id(parent)]}")
                summed.add(id(parent))
                lines.append(f"{back[id(parent)]} = {c}")
    return back, derivatives


def _call(node, lowering, fill, reaches, names, lines, derivatives) -> list[str | None]:
    """`d = tanh3_backward(g, out=tanh3)`: the op's own backward with this call's arrays."""
    fn = unwrap(node.backward_fn)
    needs = {flag: id(node.parents[i]) in reaches for flag, i in lowering.needs.items()}
    name = names.new(f"{fill['o']}_backward")
    derivatives[name] = Derivative(fn, needs)
    arrays = {cell: _array(what, fill) for cell, what in lowering.cells.items()}
    d = names.new(f"d_{fill['o']}")
    lines.append(f"{d} = {name}({fill['g']}" + "".join(f", {k}={v}" for k, v in arrays.items()) + ")")
    return [f"{d}[{i}]" for i in range(len(node.parents))]


def _fitted(node: Tensor, contributions: list) -> list:
    """Each gradient summed back to its input's shape where the op broadcast it (as `Tensor._vjp` does).

    The shapes come from the traced backward itself, called once on ones.
    """
    with np.errstate(all="ignore"):
        probe = unwrap(node.backward_fn)(np.ones(node.data.shape, dtype=node.data.dtype))
    fitted = []
    for parent, grad, c in zip(node.parents, probe, contributions):
        if grad is None or c is None:
            fitted.append(None)
        elif np.shape(grad) != parent.data.shape:
            fitted.append(f"unbroadcast({c}, {parent.data.shape!r})")
        else:
            fitted.append(c)
    return fitted


def _array(what: Any, fill: dict[str, str]) -> str:
    if what == OUT:
        return fill["o"]
    return fill[f"x{what}"] if isinstance(what, int) else what.format(**fill)


def _parens(expression: str) -> str:
    return expression if re.fullmatch(r"[\w.\[\]]+", expression) else f"({expression})"


def _used(back_lines: list[str], body: list[str]) -> list[str]:
    """The forward's names that the backward reads, in the order the forward defines them."""
    defined = [line.split(" = ", 1)[0] for line in body if " = " in line and "+=" not in line]
    words = set(re.findall(r"\b\w+\b", "\n".join(back_lines)))
    return list(dict.fromkeys(name for name in defined if name in words))


def _tuple(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _source(fn_name: str, body, result: str, saved: list[str], back_lines, grads: list[str]) -> str:
    lines = [f"# {fn_name}, compiled: the forward, one line per op", "def forward(args, state):"]
    lines += [f"    {line}" for line in body]
    lines += [f"    return {result}", "", "", "# the backward: the ops in reverse, one line per derivative"]
    lines += ["def backward(g, saved):", f"    {_tuple(saved)} = saved" if saved else "    pass"]
    lines += [f"    {line}" for line in back_lines]
    lines.append(f"    return ({_tuple(grads)})")
    return "\n".join(lines) + "\n"
