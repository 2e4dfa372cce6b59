"""Lowering: each op of a trace as lines of Python, the forward written out, the derivative called or inlined.

An op is recognised by its backward (module and qualified name), never by its
name alone, so that your own op called "tanh" is not mistaken for the built-in.
The forward lines compute exactly what the op's method computes, in the same
order, so the compiled program gives the same numbers bit for bit.

- A Tensor op's derivative is the op's own backward function, called with this
  call's arrays in place of the ones it closed over (`Derivative`): the compiled
  backward runs the very code the eager one runs.
- A Value op's derivative is inlined as float arithmetic, one expression per
  input, the same expression its backward returns.
- `Function` subclasses (built in or yours) lower to `forward` and `backward` calls.

An op with no rule here (a new op, or your own `op()` call) is not lowered: the
compiled function then runs `fn` eagerly and says so.

In the templates `{o}` is the op's output, `{x0}`, `{x1}`, ... its inputs and
`{g}` the gradient that reached it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import Node
from .trace import cells, unwrap

OUT = "out"  # in `Lowering.cells`: the cell that holds the op's output


@dataclass
class Lowering:
    """One op as code: forward `lines`, and its derivative, inlined (`exprs`) or called (`cells`).

    `cells` maps each array the op's backward closed over to what replaces it at
    each call: OUT, an input's position, or a name the forward lines define.
    `needs` maps a closure flag (matmul's `need_a`) to the input whose gradient it asks for.
    """

    lines: list[str]
    exprs: list[str] | None = None
    cells: dict[str, Any] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)


Bind = Any  # codegen.Names: bind(value) -> the name it gets in the program; .new(wish), .groups
Rule = Callable[[Node, dict, Bind], Lowering]


def lower(node: Node, bind: Bind) -> Lowering | None:
    """The op that made `node`, as code; None if there is no rule for it."""
    fn = unwrap(node.backward_fn)
    rule = RULES.get(f"{fn.__module__}:{fn.__qualname__}")
    return None if rule is None else rule(node, cells(fn), bind)


def _line(expression: str, cells_: dict | None = None, exprs: tuple = (), **needs: int) -> Rule:
    """A rule whose forward is one expression of the inputs and parameters (cell values, bound).

    With `exprs`, the derivative is inlined: the expressions the op's backward returns, as text.
    """

    def rule(node: Node, c: dict, bind: Bind) -> Lowering:
        params = _Keep({name: bind(value) for name, value in c.items() if not isinstance(value, np.ndarray)})
        lines = [f"{{o}} = {expression.format_map(params)}"]
        inlined = [e.format_map(params) for e in exprs] or None
        return Lowering(lines, exprs=inlined, cells=cells_ or {}, needs=needs)

    return rule


def _matmul(node: Node, c: dict, bind: Bind) -> Lowering:
    """a @ b; for 2-D operands the derivative inlined (G @ B^T, A^T @ G), else the op's own backward."""
    plain = c["a"].ndim == 2 and c["b"].ndim == 2
    exprs = ["{g} @ {x1}.T", "{x0}.T @ {g}"] if plain else None
    return Lowering(
        ["{o} = {x0} @ {x1}"], exprs=exprs, cells={"a": 0, "b": 1}, needs={"need_a": 0, "need_b": 1}
    )


class _Keep(dict):
    """format_map that leaves {o}, {x0}, {g} ... in place for the second formatting."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# ---- Tensor ops -------------------------------------------------------------------------


def _power_of_number(node: Node, c: dict, bind: Bind) -> Lowering:
    if "p" not in c:  # x ** 0: its backward needs no array
        return Lowering(["{o} = {x0} ** 0"])
    return Lowering([f"{{o}} = {{x0}} ** {bind(c['p'])}"], cells={"x": 0})


def _extreme(node: Node, c: dict, bind: Bind) -> Lowering:
    """max or min: the extreme kept with its axes (the backward compares x with it), then squeezed."""
    axes = bind(c["axes"])
    lines = [f"{{o}}_keep = {{x0}}.{node.op}(axis={axes}, keepdims=True)"]
    lines.append("{o} = {o}_keep" if c["keepdims"] else f"{{o}} = {{o}}_keep.squeeze({axes})")
    return Lowering(lines, cells={"x": 0, "extreme": "{o}_keep"})


def _logsumexp(node: Node, c: dict, bind: Bind) -> Lowering:
    axes = bind(c["axes"])
    lines = [f"{{o}}_lse = logsumexp({{x0}}, {axes})"]
    lines.append("{o} = {o}_lse" if c["keepdims"] else f"{{o}} = {{o}}_lse.squeeze({axes})")
    return Lowering(lines, cells={"x": 0, "lse": "{o}_lse"})


def _reshape(node: Node, c: dict, bind: Bind) -> Lowering:
    return Lowering([f"{{o}} = {{x0}}.reshape({bind(node.data.shape)})"])


def _transpose(node: Node, c: dict, bind: Bind) -> Lowering:
    order = tuple(int(i) for i in np.argsort(c["inverse"]))
    return Lowering([f"{{o}} = {{x0}}.transpose({bind(order)})"])


def _join(function: str, axis: str) -> Rule:
    def rule(node: Node, c: dict, bind: Bind) -> Lowering:
        inputs = ", ".join(f"{{x{i}}}" for i in range(len(node.parents)))
        return Lowering([f"{{o}} = {function}([{inputs}], axis={bind(c[axis])})"])

    return rule


def _linear(node: Node, c: dict, bind: Bind) -> Lowering:
    """x @ w^T (+ b); for a 2-D weight the derivative inlined as `_linear_backward` computes it.

    (For a 2-D weight `.T` is `swapaxes(-1, -2)`, and a 2-D x or g needs no reshape to rows.)
    """
    flat = c["w"].ndim == 2
    lines = ["{o} = {x0} @ {x1}" + (".T" if flat else ".swapaxes(-1, -2)")]
    lines += ["{o} += {x2}"] if c["with_bias"] else []
    exprs = None
    if flat:
        n_out, n_in = c["w"].shape
        rows = _rows("{g}", node.data.ndim, n_out)
        exprs = ["{g} @ {x1}", f"{rows}.T @ {_rows('{x0}', c['x_data'].ndim, n_in)}", f"{rows}.sum(axis=0)"]
    return Lowering(lines, exprs=exprs, cells={"x_data": 0, "w": 1}, needs={"need_x": 0})


def _rows(name: str, ndim: int, width: int) -> str:
    """`name` as a 2-D array of rows of `width` (a 2-D array already is one)."""
    return name if ndim == 2 else f"{name}.reshape(-1, {width})"


def _picked(source: str) -> Rule:
    """cross_entropy and nll_loss: -scores[rows, targets], reduced (their `_reduce`), as the data's dtype."""

    def rule(node: Node, c: dict, bind: Bind) -> Lowering:
        shape = node.parents[0].data.shape
        classes, t_shape, flat = shape[-1], shape[:-1], len(shape) == 2  # 2-D scores need no reshape
        picked = f"-{{o}}_lp[{bind(c['rows'])}, {bind(c['cols'])}]"
        picked += "" if flat else f".reshape({bind(t_shape)})"
        total = f"np.add.reduce({picked}, axis=None)"  # as `losses.sum()`, without the method's wrapper
        reduced = picked if c["reduction"] == "none" else f"{total} * {bind(c['scale'])}"
        scores = "{x0}" if flat else f"{{x0}}.reshape(-1, {classes})"
        lines = [
            f"{{o}}_lp = {source.format(scores=scores)}",
            f"{{o}} = np.asarray({reduced}, {{x0}}.dtype)",
        ]
        return Lowering(lines, cells={"log_probs" if "log_softmax" in source else "lp": "{o}_lp"})

    return rule


def _function(node: Node, c: dict, bind: Bind) -> Lowering:
    """A Function subclass: ctx = Context(); out = forward(ctx, ...); backward(ctx, g) in the derivative."""
    at = {position: k for k, position in enumerate(c["positions"])}
    args = ", ".join(f"{{x{at[i]}}}" if i in at else bind(x) for i, x in enumerate(c["inputs"]))
    data = "tensor_data" if isinstance(node.data, np.ndarray) else "float"
    lines = ["{o}_ctx = Context()", f"{{o}} = {data}({bind(c['cls'])}.forward({{o}}_ctx, {args}))"]
    return Lowering(lines, cells={"ctx": "{o}_ctx"})


_T, _E, _R, _S, _F = (
    f"tinygrad_lite.{m}:" for m in ("tensor", "elementwise", "reductions", "shapes", "functional")
)
TENSOR_RULES: dict[str, Rule] = {
    _T + "Tensor.__add__.<locals>.<lambda>": _line("{x0} + {x1}", exprs=("{g}", "{g}")),
    _T + "Tensor.__mul__.<locals>.<lambda>": _line("{x0} * {x1}", exprs=("{g} * {x1}", "{g} * {x0}")),
    _T + "Tensor.__truediv__.<locals>.<lambda>": _line("true_divide({x0}, {x1})", {"b": 1, "out": OUT}),
    _T + "Tensor.__pow__.<locals>.pow_backward": _line("{x0} ** {x1}", {"x": 0, "p": 1, "out": OUT}),
    _T + "Tensor._power_of_number.<locals>.<lambda>": _power_of_number,
    _T + "Tensor.__matmul__.<locals>.<lambda>": _matmul,
    _E + "ElementwiseOps.exp.<locals>.<lambda>": _line("np.exp({x0})", exprs=("{g} * {o}",)),
    _E + "ElementwiseOps.log.<locals>.<lambda>": _line("np.log({x0})", exprs=("{g} / {x0}",)),
    _E + "ElementwiseOps.tanh.<locals>.<lambda>": _line("np.tanh({x0})", exprs=("{g} * (1 - {o} * {o})",)),
    _E + "ElementwiseOps.relu.<locals>.<lambda>": _line("np.maximum({x0}, 0)", exprs=("{g} * ({x0} > 0)",)),
    _E + "ElementwiseOps.sigmoid.<locals>.<lambda>": _line(
        "sigmoid({x0}).astype({x0}.dtype, copy=False)", exprs=("{g} * {o} * (1 - {o})",)
    ),
    _E + "ElementwiseOps.sqrt.<locals>.<lambda>": _line("np.sqrt({x0})", {"out": OUT}),
    _E + "ElementwiseOps.abs.<locals>.<lambda>": _line("np.abs({x0})", {"x": 0}),
    _E + "ElementwiseOps.sin.<locals>.<lambda>": _line("np.sin({x0})", {"x": 0}),
    _E + "ElementwiseOps.cos.<locals>.<lambda>": _line("np.cos({x0})", {"x": 0}),
    _E + "ElementwiseOps.square.<locals>.<lambda>": _line("{x0} * {x0}", {"x": 0}),
    _E + "ElementwiseOps.log1p.<locals>.<lambda>": _line("np.log1p({x0})", {"x": 0}),
    _E + "ElementwiseOps.expm1.<locals>.<lambda>": _line("np.expm1({x0})", {"out": OUT}),
    _R + "ReductionOps.sum.<locals>.<lambda>": _line(
        "{x0}.sum(axis={axes}, keepdims={keepdims})", exprs=("spread({g}, {axes}, {keepdims}, {shape})",)
    ),
    _R + "ReductionOps.mean.<locals>.<lambda>": _line(
        "{x0}.sum(axis={axes}, keepdims={keepdims}) / {count}",
        exprs=("spread({g} / {count}, {axes}, {keepdims}, {shape})",),
    ),
    _R + "_extreme.<locals>.extreme_backward": _extreme,
    _R + "ReductionOps.prod.<locals>.prod_backward": _line(
        "{x0}.prod(axis={axes}, keepdims={keepdims})", {"x": 0}
    ),
    _R + "ReductionOps.logsumexp.<locals>.<lambda>": _logsumexp,
    _R + "ReductionOps.log_softmax.<locals>.<lambda>": _line("log_softmax({x0}, {a})", {"out": OUT}),
    _S + "ShapeOps.reshape.<locals>.<lambda>": _reshape,
    _S + "ShapeOps.transpose.<locals>.<lambda>": _transpose,
    _S + "ShapeOps.__getitem__.<locals>.getitem_backward": _line("np.array({x0}[{index}])"),
    _S + "ShapeOps.concatenate.<locals>.<lambda>": _join("np.concatenate", "axis"),
    _S + "ShapeOps.stack.<locals>.<lambda>": _join("np.stack", "a"),
    _F + "linear.<locals>.<lambda>": _linear,
    _F + "cross_entropy.<locals>.cross_entropy_backward": _picked("log_softmax({scores}, -1)"),
    _F + "nll_loss.<locals>.nll_backward": _picked("{scores}"),
    "tinygrad_lite.function:Function.apply.<locals>.backward": _function,
}

# ---- Value ops: float arithmetic, the derivative inlined ------------------------------------


def _value(forward: str, *exprs: str) -> Rule:
    def rule(node: Node, c: dict, bind: Bind) -> Lowering:
        return Lowering([f"{{o}} = {forward}"], exprs=list(exprs))

    return rule


def _value_power(node: Node, c: dict, bind: Bind) -> Lowering:
    """x ** p: p is in the op's name ("**2"); the slope p * x^(p-1) is 0 for p = 0, as in Value.__pow__."""
    p = float(node.op[2:])
    slope = "0.0" if p == 0 else f"{bind(p)} * power({{x0}}, {bind(p)} - 1)"
    return Lowering([f"{{o}} = power({{x0}}, {bind(p)})"], exprs=[f"({slope}) * {{g}}"])


def _value_log_softmax(node: Node, c: dict, bind: Bind) -> Lowering:
    """One output of functional.log_softmax: the group's outputs and softmax computed once, at the first.

    d out_i / d x_j = [i == j] - softmax_j, as `_log_softmax_backward` returns it.
    """
    group = bind.groups.get(id(c["softmax"]))
    lines = []
    if group is None:
        group = bind.groups[id(c["softmax"])] = bind.new("log_softmax")
        inputs = ", ".join(f"{{x{j}}}" for j in range(len(node.parents)))
        lines = [f"{group} = log_softmax(np.array([{inputs}]))"]
        lines.append(f"{group}_softmax = np.exp({group}).tolist()")
    lines.append(f"{{o}} = float({group}[{c['i']}])")
    one = [repr(1.0 if c["i"] == j else 0.0) for j in range(len(node.parents))]
    return Lowering(lines, exprs=[f"({one[j]} - {group}_softmax[{j}]) * {{g}}" for j in range(len(one))])


_V = "tinygrad_lite.value:"
VALUE_RULES: dict[str, Rule] = {
    _V + "_add_backward": _value("{x0} + {x1}", "{g}", "{g}"),
    _V + "Value.__mul__.<locals>.<lambda>": _value("{x0} * {x1}", "{x1} * {g}", "{x0} * {g}"),
    _V + "Value.__truediv__.<locals>.<lambda>": _value(
        "divide({x0}, {x1})", "divide({g}, {x1})", "-divide({o}, {x1}) * {g}"
    ),
    _V + "Value.__pow__.<locals>.<lambda>": _value_power,
    _V + "Value.exp.<locals>.<lambda>": _value("exp({x0})", "{o} * {g}"),
    _V + "Value.log.<locals>.<lambda>": _value("log({x0})", "divide({g}, {x0})"),
    _V + "Value.tanh.<locals>.<lambda>": _value("tanh({x0})", "(1.0 - {o} * {o}) * {g}"),
    _V + "Value.relu.<locals>.<lambda>": _value("max({x0}, 0.0)", "({g} if {x0} > 0 else 0.0)"),
    _V + "Value.sigmoid.<locals>.<lambda>": _value("float(sigmoid({x0}))", "{o} * (1.0 - {o}) * {g}"),
    _V + "Value.sqrt.<locals>.<lambda>": _value("sqrt({x0})", "divide({g}, 2.0 * {o})"),
    _V + "Value.abs.<locals>.<lambda>": _value(
        "abs({x0})", "({g} if {x0} > 0 else -{g} if {x0} < 0 else 0.0)"
    ),
    _V + "Value.sin.<locals>.<lambda>": _value("sin({x0})", "cos({x0}) * {g}"),
    _V + "Value.cos.<locals>.<lambda>": _value("cos({x0})", "-sin({x0}) * {g}"),
    _V + "Value.square.<locals>.<lambda>": _value("{x0} * {x0}", "2.0 * {x0} * {g}"),
    _V + "Value.log1p.<locals>.<lambda>": _value("log1p({x0})", "divide({g}, 1.0 + {x0})"),
    _V + "Value.expm1.<locals>.<lambda>": _value("expm1({x0})", "({o} + 1.0) * {g}"),
    _V + "Value.softplus.<locals>.<lambda>": _value("float(softplus({x0}))", "float(sigmoid({x0})) * {g}"),
}

VALUE_RULES["tinygrad_lite.functional:_log_softmax_backward.<locals>.backward"] = _value_log_softmax
RULES = {**TENSOR_RULES, **VALUE_RULES}
