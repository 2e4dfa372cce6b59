"""The computation graph: one box per Value or Tensor, one oval per op, drawn by Graphviz's `dot`.

`draw_graph(root)` reads the graph that produced `root` through the nodes'
public attributes (data, grad, parents, op, label) and writes DOT text; the
core knows nothing of pictures. The extra arguments (`grads`, `notes`,
`edge_notes`, `highlight`, `layout`) are what a picture of a backward pass in
progress needs (viz/replay.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import graphviz
import numpy as np

from .. import checks
from ..engine import Node, iter_graph
from ..tensor import Tensor
from ..value import Value
from .labels import html_text, number, summary
from .rendering import Layout, Picture

PARAM_FILL = "#fde7c8"  # parameters: leaves that require grad
LEAF_FILL = "#eeeeee"  # inputs and constants
OP_FILL = "#dfe8f6"
HIGHLIGHT = "#d62728"
_FONT = "Helvetica"
# The grad cell is at least as wide as "grad not computed yet" (points, Helvetica 11), so a
# Tensor graph has the same layout before and after backward.
_GRAD_CELL_WIDTH = 120


def draw_graph(
    root: Node,
    rankdir: str = "LR",
    max_nodes: int = 500,
    *,
    params: Any = None,
    grads: Mapping[Node, Any] | None = None,
    notes: Mapping[Node, str] | None = None,
    edge_notes: Mapping[tuple[Node, Node], str] | None = None,
    highlight: Iterable[Node | tuple[Node, Node]] = (),
    layout: Layout | None = None,
) -> Picture:
    """The graph that produced `root`: one box per Value or Tensor, one oval per op (its name).

    A Value box shows its label, data and grad (0 until a backward pass adds to
    it, as in micrograd); a Tensor box its shape, dtype, data (or min/max/mean)
    and grad norm ("grad not computed yet" while its grad is None). Parameters
    (leaves that require grad, or named in `params`, a module or {name: node}
    dict) are orange, inputs and constants grey. Past `max_nodes` boxes only
    the part nearest the root is drawn, with a note of how many were left out.

    For pictures of a backward pass in progress: `grads` replaces the grads
    shown (nodes missing from it say "not computed yet"), `notes` adds a line
    to a box, `edge_notes[(parent, child)]` labels the edge from parent into
    child's op, and `highlight` outlines nodes and (parent, child) edges in red.
    `layout` (`picture.layout()` of an earlier picture of the same graph) puts
    every box and edge where that picture had them, so a series does not move.
    """
    _check(root, rankdir, max_nodes, {"grads": grads, "notes": notes, "edge_notes": edge_notes}, layout)
    nodes, left_out = _visible(root, max_nodes)
    style = _Style(_param_names(params), grads, notes or {}, edge_notes or {}, set(highlight), _Pins(layout))
    dot = graphviz.Digraph("computation", graph_attr={"rankdir": rankdir, "fontname": _FONT})
    dot.attr("node", fontname=_FONT, fontsize="11")
    dot.attr("edge", fontname=_FONT, fontsize="11")
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    for node in nodes:
        _add_box(dot, ids[node], node, style)
    cut = _add_ops(dot, nodes, ids, style)
    if left_out:
        _add_left_out(dot, cut, f"… {left_out:,} more nodes not drawn (max_nodes={max_nodes})", style)
    if layout is None:
        return Picture(dot.source)
    _add_corners(dot, layout)
    return Picture(dot.source, engine="neato", options=["-n2"])  # -n2: draw at the places given


def _check(root: Any, rankdir: Any, max_nodes: Any, mappings: dict[str, Any], layout: Any) -> None:
    """draw_graph's arguments, or a TypeError or ValueError that says which one is wrong and why."""
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"draw_graph: expects a Value or a Tensor, got {type(root).__name__}")
    checks.positive_int("draw_graph", "max_nodes", max_nodes)
    checks.one_of("draw_graph", "rankdir", rankdir, ("LR", "RL", "TB", "BT"))
    for name, given in mappings.items():
        if given is not None and not isinstance(given, Mapping):
            raise TypeError(f"draw_graph: {name} must be a dict keyed by node, got {type(given).__name__}")
    if layout is not None and not isinstance(layout, Layout):
        raise TypeError(
            f"draw_graph: layout must be a Layout (picture.layout()), got {type(layout).__name__}"
        )


def _visible(root: Node, max_nodes: int) -> tuple[list[Node], int]:
    """The `max_nodes` nodes nearest the root (breadth first), and how many more there are."""
    nodes: list[Node] = []
    left_out = 0
    for node in iter_graph(root):
        if len(nodes) < max_nodes:
            nodes.append(node)
        else:
            left_out += 1
    return nodes, left_out


def _param_names(params: Any) -> dict[Node, str]:
    """{node: name} from a module (its `named_parameters()`) or a {name: node} mapping."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs = params.named_parameters()
    elif isinstance(params, Mapping):
        pairs = params.items()
    else:
        raise TypeError(
            f"draw_graph: params must be a module with named_parameters() or a {{name: node}} dict, "
            f"got {type(params).__name__}"
        )
    return {node: name for name, node in pairs}


class _Pins:
    """DOT attributes that put each node and edge where `layout` has them (none without a layout)."""

    def __init__(self, layout: Layout | None) -> None:
        self.layout, self.used = layout, Counter()

    def node(self, name: str) -> dict[str, str]:
        if self.layout is None:
            return {}
        x, y, _, _ = self.layout.nodes[name]
        return {"pos": f"{x:.2f},{y:.2f}"}

    def size(self, name: str) -> tuple[int, int] | None:
        """(width, height) in points a box must keep, or None."""
        if self.layout is None:
            return None
        _, _, width, height = self.layout.nodes[name]
        return round(width), round(height)

    def edge(self, tail: str, head: str) -> dict[str, str]:
        """The route of the next edge from tail to head (a*a has two)."""
        if self.layout is None:
            return {}
        self.used[tail, head] += 1
        return self.layout.edges[tail, head][self.used[tail, head] - 1]


class _Style:
    """What a picture adds to the graph: parameter names, grads shown, notes, highlights, places."""

    def __init__(self, names, grads, notes, edge_notes, marked, pins: _Pins) -> None:
        self.names, self.grads, self.notes, self.edge_notes = names, grads, notes, edge_notes
        self.marked, self.pins = marked, pins

    def outline(self, hot: bool, default: str) -> dict[str, str]:
        return {"color": HIGHLIGHT if hot else default, "penwidth": "3" if hot else "1"}

    def edge(self, tail: str, head: str, hot: bool, note: str = "") -> dict[str, str]:
        attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if hot else {}
        if note:
            attrs["label"] = f"<{html_text(note)}>"
        return attrs | self.pins.edge(tail, head)


# ---- boxes: Values and Tensors ---------------------------------------------------------


def _add_box(dot: graphviz.Digraph, node_id: str, node: Node, style: _Style) -> None:
    hot = node in style.marked
    if _is_small_constant(node, style.names) and node not in style.notes:
        text = f"<{html_text(summary(node.data))}>"
        attrs = {"shape": "box", "style": "filled", "fillcolor": LEAF_FILL} | style.outline(hot, "gray")
        dot.node(node_id, text, **attrs, **style.pins.node(node_id))
        return
    name = style.names.get(node) or node.label
    if node in style.names and node.label and node.label != style.names[node]:
        name = f"{style.names[node]} ({node.label})"
    is_param = node in style.names or (isinstance(node, Tensor) and not node.parents and node.requires_grad)
    fill = PARAM_FILL if is_param else LEAF_FILL if not node.parents else "white"
    rows = _rows(node, name, _grad_text(node, style.grads), style.notes.get(node, ""))
    table = _table(rows, fill, HIGHLIGHT if hot else "", style.pins.size(node_id))
    dot.node(node_id, table, shape="plain", **style.pins.node(node_id))


def _is_small_constant(node: Node, names: Mapping) -> bool:
    """A one-number Tensor that needs no grad and has no name (the 2 in x * 2)."""
    return (
        isinstance(node, Tensor)
        and node.data.size == 1
        and not node.requires_grad
        and not node.label
        and node not in names
    )


def _grad_text(node: Node, grads: Mapping | None) -> str:
    """The grad line of a box: the grad itself, or the one `grads` gives ("not computed yet" if none)."""
    if isinstance(node, Tensor) and not node.requires_grad:
        return "no grad"
    grad = node.grad if grads is None else grads.get(node)
    if grad is None:
        return "grad not computed yet"
    if isinstance(node, Tensor):
        return f"grad norm {number(np.linalg.norm(np.asarray(grad, dtype=np.float64)))}"
    return f"grad {number(grad)}"


def _rows(node: Node, name: str, grad: str, note: str) -> list[str]:
    """The table rows of a box: one row of fields for a Value, one field a row for a Tensor."""
    title = [f"<b>{html_text(name)}</b>"] if name else []
    grad_cell = f'<td width="{_GRAD_CELL_WIDTH}">{html_text(grad)}</td>'
    if isinstance(node, Value):
        rows = ["".join(f"<td>{f}</td>" for f in [*title, f"data {number(node.data)}"]) + grad_cell]
        span = len(title) + 2
    else:
        shape = "scalar" if node.ndim == 0 else "×".join(map(str, node.shape))
        fields = [*title, f"{shape} {node.dtype}", html_text(summary(node.data))]
        rows = [f"<td>{f}</td>" for f in fields] + [grad_cell]
        span = 1
    if note:
        rows.append(f'<td colspan="{span}">{html_text(note)}</td>')
    return rows


def _table(rows: list[str], fill: str, border: str, size: tuple[int, int] | None) -> str:
    """An HTML-like label: a table of `rows`, at least `size` (width, height) points big if given."""
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    at_least = f'width="{size[0]}" height="{size[1]}" ' if size else ""
    return (
        f'<<table {at_least}border="{3 if border else 1}" cellborder="1" cellspacing="0" cellpadding="4" '
        f'bgcolor="{fill}" color="{border or "black"}">{body}</table>>'
    )


# ---- ovals: ops, and what was left out --------------------------------------------------


def _add_ops(dot: graphviz.Digraph, nodes: list[Node], ids: dict[Node, str], style: _Style) -> list[str]:
    """One oval per op between its inputs and its result; the ops with an input not drawn."""
    cut = []
    for k, node in enumerate(n for n in nodes if n.parents):
        op_id, hot = f"op{k}", node in style.marked
        attrs = {
            "shape": "ellipse",
            "style": "filled",
            "fillcolor": OP_FILL,
            "margin": "0.04",
            "height": "0.3",
        }
        attrs |= style.outline(hot, "black") | style.pins.node(op_id)
        dot.node(op_id, f"<<b>{html_text(node.op)}</b>>", **attrs)
        dot.edge(op_id, ids[node], **style.edge(op_id, ids[node], hot))
        for parent in node.parents:
            if parent not in ids:
                cut.append(op_id)
                continue
            note = style.edge_notes.get((parent, node), "")
            dot.edge(
                ids[parent], op_id, **style.edge(ids[parent], op_id, (parent, node) in style.marked, note)
            )
    return list(dict.fromkeys(cut))


def _add_left_out(dot: graphviz.Digraph, cut: list[str], text: str, style: _Style) -> None:
    """A note saying how many nodes were not drawn, with dashed edges into the ops they fed."""
    attrs = {"shape": "note", "style": "dashed", "color": "gray40", "fontcolor": "gray30"}
    dot.node("left_out", f"<{html_text(text)}>", **attrs, **style.pins.node("left_out"))
    for op_id in cut:
        dot.edge("left_out", op_id, style="dashed", color="gray60", **style.pins.edge("left_out", op_id))


def _add_corners(dot: graphviz.Digraph, layout: Layout) -> None:
    """Two invisible points at the corners of `layout`, so that every picture pinned to it is as big."""
    x0, y0, x1, y1 = layout.bounds
    for name, (x, y) in (("corner0", (x0, y0)), ("corner1", (x1, y1))):
        dot.node(name, "", shape="point", style="invis", width="0", height="0", pos=f"{x:.2f},{y:.2f}")
