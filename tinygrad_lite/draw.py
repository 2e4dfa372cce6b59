"""Pictures: the computation graph and the seed's network diagram, as DOT rendered to SVG or PNG.

`draw_graph(root)` draws the graph that produced `root` (Values or Tensors) and
`draw_network(mlp)` draws an MLP the way the seed post does. Both return a
`Diagram`: a `graphviz.Digraph` that lays itself out with the system Graphviz
when `dot` is on PATH, and otherwise with `graphviz-pure`, a static `dot` that
pip installs from a wheel. So SVG and PNG work wherever pip does.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .engine import Node, iter_graph, no_grad
from .tensor import Tensor
from .value import Value

# ---- rendering: the system `dot`, else graphviz-pure -----------------------------

_INSTALL_GRAPHVIZ = (
    "install Graphviz (https://graphviz.org/download/: `apt install graphviz`, `brew install graphviz`, "
    "`conda install graphviz` or `winget install graphviz`)"
)


class RenderError(RuntimeError):
    """No program could lay the graph out, or it failed; the message says what to install."""


def _find_graphviz_pure() -> str | None:
    """The graphviz-pure program: on PATH, else beside this Python.

    An unactivated venv or a Jupyter kernel runs the venv's Python without its
    bin/ (Scripts\\ on Windows) on PATH, so look there and in pip's user scripts too.
    """
    found = shutil.which("graphviz-pure")
    if found:
        return found
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    folders.append(Path(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user"))))
    for folder in folders:
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def find_renderer() -> tuple[str, str]:
    """("dot", path) when the system Graphviz is on PATH, else ("graphviz-pure", path)."""
    dot = shutil.which("dot")
    if dot:
        return "dot", dot
    pure = _find_graphviz_pure()
    if pure:
        return "graphviz-pure", pure
    raise RenderError(
        "cannot draw: neither Graphviz's `dot` nor `graphviz-pure` was found. `pip install graphviz-pure` "
        f"(wheels for x86_64 and arm64 Linux, macOS, Windows) or {_INSTALL_GRAPHVIZ}."
    )


def _program(name: str | None) -> tuple[str, str]:
    if name is None:
        return find_renderer()
    path = (
        shutil.which("dot") if name == "dot" else _find_graphviz_pure() if name == "graphviz-pure" else None
    )
    if path is None:
        raise RenderError(
            f"cannot draw with {name!r}: it is not installed (expected 'dot' or 'graphviz-pure')"
        )
    return name, path


def render_source(
    source: str,
    format: str = "svg",
    engine: str = "dot",
    *,
    program: str | None = None,
    options: Sequence[str] = (),
) -> bytes:
    """Lay out the DOT `source` with `engine` and return the picture in `format`.

    `program` is "dot" (the system Graphviz), "graphviz-pure", or None for the
    first one found. graphviz-pure writes SVG, PNG and JPEG but no PDF.
    """
    _check_format("render_source", format)
    name, path = _program(program)
    done = subprocess.run(
        [path, f"-K{engine}", f"-T{format}", *options], input=source.encode("utf-8"), capture_output=True
    )
    errors = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode == 0:
        return done.stdout
    if name == "graphviz-pure" and "not recognized" in errors:
        kind = format.split(":")[0].upper()
        raise RenderError(
            f"{kind} needs the system Graphviz, and `dot` is not on PATH; to get {kind}, "
            f"{_INSTALL_GRAPHVIZ}. SVG and PNG work without it: .pipe(format='svg'), "
            ".render(format='png'), to_svg(source)."
        )
    raise RenderError(f"{name} -K{engine} -T{format} failed (exit status {done.returncode}): {errors}")


def to_svg(source: str, engine: str = "dot", *, program: str | None = None) -> str:
    """The SVG picture of DOT `source` (system `dot` if installed, else graphviz-pure)."""
    return render_source(source, "svg", engine, program=program).decode("utf-8")


def to_png(source: str, engine: str = "dot", *, program: str | None = None) -> bytes:
    """The PNG picture of DOT `source` (system `dot` if installed, else graphviz-pure)."""
    return render_source(source, "png", engine, program=program)


def _check_format(op: str, format: str | None) -> None:
    """A format Graphviz knows (svg, png, pdf, ...; None means the diagram's own), or a ValueError."""
    if format is not None and (not isinstance(format, str) or format.split(":")[0] not in graphviz.FORMATS):
        raise ValueError(f"{op}: unknown format {format!r}; Graphviz writes e.g. 'svg', 'png' or 'pdf'")


class Diagram(graphviz.Digraph):
    """A `graphviz.Digraph` that renders wherever pip works. Its default format is SVG.

    With the system Graphviz (`dot` on PATH) it is its parent class. Without it,
    `pipe`, `render` and notebook display run graphviz-pure instead, which
    writes SVG and PNG; PDF then raises a RenderError that says how to get it.
    """

    def __init__(self, *args: Any, format: str = "svg", **kwargs: Any) -> None:
        super().__init__(*args, format=format, **kwargs)

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The picture as bytes (or str, given `encoding`), as `graphviz.Digraph.pipe`."""
        _check_format("pipe", format)
        if shutil.which("dot"):
            return super().pipe(
                format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                engine=engine,
                encoding=encoding,
            )
        kind = ":".join(part for part in (format or self.format, renderer, formatter) if part)
        options = [f"-n{int(neato_no_op)}"] if neato_no_op else []
        data = render_source(
            self.source, kind, engine or self.engine, program="graphviz-pure", options=options
        )
        return data if encoding is None else data.decode(encoding)

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source, write the picture beside it and return the picture's path.

        As `graphviz.Digraph.render`: the picture is `<source file>.<format>`, or `outfile`.
        """
        _check_format("render", format)
        if shutil.which("dot"):
            return super().render(
                filename,
                directory=directory,
                view=view,
                cleanup=cleanup,
                format=format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                quiet_view=quiet_view,
                outfile=outfile,
                engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source,
            )
        if outfile is not None:
            format = format or Path(outfile).suffix.lstrip(".")
            outfile = Path(self.directory, outfile) if directory is None else Path(outfile)
            filename = filename or outfile.with_suffix(".gv")
        format = format or self.format
        # Lay out first, so that a format graphviz-pure lacks (PDF) fails before any file is written.
        picture = self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
        source_path = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source_path}.{format}")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        target.write_bytes(picture)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            graphviz.view(target, quiet=quiet_view)
        return os.fspath(target)

    def _repr_svg_(self) -> str:
        return self.pipe(format="svg", encoding="utf-8")


# ---- text for labels ----------------------------------------------------------------

# Control characters would break the DOT/XML; they are shown as \xNN instead.
_CONTROL = {c: f"\\x{c:02x}" for c in range(32) if c != ord("\n")}


def _html(text: Any) -> str:
    """`text` for an HTML-like label, to be rendered literally; newlines become line breaks.

    Graphviz reads `\\N`, `\\G`, ... even in HTML-like labels (the node's name,
    the graph's name) and turns a doubled backslash into one, so backslashes
    are doubled; `html.escape` takes care of `<`, `>`, `&` and quotes.
    """
    text = str(text).replace("\r\n", "\n").encode("utf-8", "backslashreplace").decode("utf-8")
    text = text.translate(_CONTROL).replace("\\", "\\\\")
    return html.escape(text).replace("\n", "<br/>")


def _num(x: float) -> str:
    """4 significant digits: 0.1235, -12.35, 1.235e+05, nan, inf."""
    return f"{float(x):.4g}"


def _summary(a: np.ndarray, small: int = 8) -> str:
    """The values if there are at most `small`, else min, max and mean."""
    if a.size == 0:
        return "empty"
    if a.size <= small:
        if a.ndim == 0:
            return _num(a) if a.dtype.kind == "f" else str(a.item())
        fmt = {"float_kind": _num}
        return np.array2string(a, separator=", ", formatter=fmt, max_line_width=60)
    return f"min {_num(a.min())}  max {_num(a.max())}  mean {_num(a.mean())}"


# ---- the computation graph ------------------------------------------------------------

_PARAM_FILL = "#fde7c8"  # parameters: leaves that require grad
_LEAF_FILL = "#eeeeee"  # inputs and constants
_OP_FILL = "#dfe8f6"
_HIGHLIGHT = "#d62728"
_FONT = "Helvetica"


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


def _grad_text(node: Node, grads: Mapping | None) -> str:
    """The grad line of a box; "not computed yet" until a backward pass writes one.

    A Tensor's grad is None until then; a Value's grad starts at 0.0, so its `has_grad` tells.
    """
    if isinstance(node, Tensor) and not node.requires_grad:
        return "no grad"
    if grads is not None:
        grad = grads.get(node)
    else:
        grad = node.grad if isinstance(node, Tensor) or node.has_grad else None
    if grad is None:
        return "grad not computed yet"
    if isinstance(node, Tensor):
        return f"grad norm {_num(np.linalg.norm(np.asarray(grad, dtype=np.float64)))}"
    return f"grad {_num(grad)}"


# The grad cell is at least as wide as "grad not computed yet" (points, Helvetica 11), so a
# graph has the same layout before and after backward.
_GRAD_CELL_WIDTH = 120


def _node_label(node: Node, name: str, grad: str, note: str, fill: str, border: str) -> str:
    """An HTML-like table: a row of fields for a Value, a column for a Tensor."""
    title = f"<b>{_html(name)}</b>" if name else ""
    grad_cell = f'<td width="{_GRAD_CELL_WIDTH}">{_html(grad)}</td>'
    if isinstance(node, Value):
        fields = [title] if title else []
        rows = ["".join(f"<td>{f}</td>" for f in [*fields, f"data {_num(node.data)}"]) + grad_cell]
        span = len(fields) + 2
    else:
        shape = "scalar" if node.ndim == 0 else "×".join(map(str, node.shape))
        fields = [title] if title else []
        fields += [f"{shape} {node.dtype}", _html(_summary(node.data))]
        rows = [f"<td>{f}</td>" for f in fields] + [grad_cell]
        span = 1
    if note:
        rows.append(f'<td colspan="{span}">{_html(note)}</td>')
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return (
        f'<<table border="{3 if border else 1}" cellborder="1" cellspacing="0" cellpadding="4" '
        f'bgcolor="{fill}" color="{border or "black"}">{body}</table>>'
    )


def _is_small_constant(node: Node, names: Mapping) -> bool:
    """A one-number Tensor that needs no grad and has no name (the 2 in x * 2)."""
    return (
        isinstance(node, Tensor)
        and node.data.size == 1
        and not node.requires_grad
        and not node.label
        and node not in names
    )


def _op_key(node: Node) -> Any:
    """One op node per result, except scalar log_softmax: its outputs share one op node.

    `value.log_softmax` gives all its outputs the same `parents` tuple; that
    tuple object identifies the call.
    """
    if isinstance(node, Value) and node.op == "log_softmax":
        return ("log_softmax", id(node.parents))
    return node


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
) -> Diagram:
    """The graph that produced `root`: one box per Value or Tensor, one oval per op.

    A Value box shows its label, data and grad; a Tensor box its shape, dtype,
    data (or min/max/mean) and grad norm. Parameters (leaves that require grad,
    or named in `params`, a module or {name: node} dict) are orange, inputs and
    constants grey. Past `max_nodes` boxes only the part nearest the root is
    drawn, with a note of how many boxes were left out.

    For pictures of a backward pass in progress: `grads` replaces the grads
    shown (nodes missing from it say "not computed yet"), `notes` adds a line
    to a box, `edge_notes[(parent, child)]` labels the edge from parent into
    child's op, and `highlight` outlines nodes and (parent, child) edges in red.
    """
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"draw_graph: expects a Value or a Tensor, got {type(root).__name__}")
    if not isinstance(max_nodes, (int, np.integer)) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be at least 1, got {max_nodes!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    for arg, given in (("grads", grads), ("notes", notes), ("edge_notes", edge_notes)):
        if given is not None and not isinstance(given, Mapping):
            raise TypeError(f"draw_graph: {arg} must be a dict keyed by node, got {type(given).__name__}")
    names, notes, edge_notes = _param_names(params), notes or {}, edge_notes or {}
    marked = set(highlight)
    nodes, left_out = _visible(root, max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    dot = Diagram(name="computation", graph_attr={"rankdir": rankdir, "fontname": _FONT})
    dot.attr("node", fontname=_FONT, fontsize="11")
    dot.attr("edge", fontname=_FONT, fontsize="10")
    for node in nodes:
        _add_box(dot, ids[node], node, names, grads, notes, marked)
    _add_ops(dot, nodes, ids, edge_notes, marked, left_out, max_nodes)
    return dot


def _add_box(dot: Diagram, node_id: str, node: Node, names, grads, notes, marked) -> None:
    border = _HIGHLIGHT if node in marked else ""
    if _is_small_constant(node, names) and node not in notes:
        text = f"<{_html(_summary(node.data))}>"
        dot.node(node_id, text, shape="box", style="filled", fillcolor=_LEAF_FILL, **_outline(border, "gray"))
        return
    name = names.get(node) or node.label
    if node in names and node.label and node.label != names[node]:
        name = f"{names[node]} ({node.label})"
    is_param = node in names or (isinstance(node, Tensor) and not node.parents and node.requires_grad)
    fill = _PARAM_FILL if is_param else _LEAF_FILL if not node.parents else "white"
    label = _node_label(node, name, _grad_text(node, grads), notes.get(node, ""), fill, border)
    dot.node(node_id, label, shape="plain")


def _add_ops(
    dot: Diagram, nodes: list[Node], ids: dict, edge_notes, marked, left_out: int, max_nodes: int
) -> None:
    """One oval per op between its inputs and its result; dashed edges from the note of what was cut."""
    op_ids: dict[Any, str] = {}
    inputs: dict[tuple[str, str, int], list] = {}  # (parent id, op id, position) -> [notes, highlighted]
    cut_ops: dict[str, None] = {}
    for node in nodes:
        if not node.parents:
            continue
        key = _op_key(node)
        if key not in op_ids:
            op_ids[key] = f"op{len(op_ids)}"
            _add_op(dot, op_ids[key], node, node in marked)
        op_id = op_ids[key]
        dot.edge(op_id, ids[node], **_edge_style(node in marked, []))
        for i, parent in enumerate(node.parents):
            if parent not in ids:
                cut_ops[op_id] = None
                continue
            # Outputs of one scalar log_softmax share their input edges: notes are joined.
            edge = inputs.setdefault((ids[parent], op_id, i), [[], False])
            if (parent, node) in edge_notes:
                edge[0].append(edge_notes[parent, node])
            edge[1] = edge[1] or (parent, node) in marked
    for (parent_id, op_id, _), (notes, hot) in inputs.items():
        dot.edge(parent_id, op_id, **_edge_style(hot, notes))
    if left_out:
        text = f"… {left_out:,} more nodes not drawn (max_nodes={max_nodes})"
        dot.node(
            "left_out", f"<{_html(text)}>", shape="note", style="dashed", color="gray40", fontcolor="gray30"
        )
        for op_id in cut_ops:
            dot.edge("left_out", op_id, style="dashed", color="gray60")


def _add_op(dot: Diagram, op_id: str, node: Node, hot: bool) -> None:
    args = getattr(node, "op_args", "")
    label = f"<<b>{_html(node.op)}</b>" + (f"<br/>{_html(args)}" if args else "") + ">"
    style = {"shape": "ellipse", "style": "filled", "fillcolor": _OP_FILL, "margin": "0.04", "height": "0.3"}
    dot.node(op_id, label, **style, **_outline(_HIGHLIGHT if hot else "", "black"))


def _outline(border: str, default: str) -> dict[str, str]:
    return {"color": border or default, "penwidth": "3" if border else "1"}


def _edge_style(hot: bool, notes: list[str]) -> dict[str, str]:
    style = {"color": _HIGHLIGHT, "penwidth": "2.5"} if hot else {}
    if notes:
        style["label"] = "<" + _html("\n".join(notes)) + ">"
    return style


# ---- the network diagram -------------------------------------------------------------

_BLUE, _RED = "#1f5fbf", "#d62728"
_FIRES_FILL, _WINS_FILL = "#fff1b8", "#cdeccd"
_NODE_LIST_MAX = 4  # weights to a layer this small are written on the neurons, as in the seed
_EDGE_LABELS_MAX = 40  # a layer with more weights than this gets no numbers on its lines


def _weights(model: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(weight, bias) arrays of each layer; weight has shape (out_features, in_features)."""
    layers = getattr(model, "layers", None)
    if not layers or not all(isinstance(getattr(layer, "weight", None), Tensor) for layer in layers):
        raise TypeError(
            "draw_network: expects an MLP (a model whose .layers are Linear layers with a Tensor .weight), "
            f"got {type(model).__name__}"
        )
    return [(layer.weight.data, None if layer.bias is None else layer.bias.data) for layer in layers]


def _input_vector(x: Any, n_in: int) -> np.ndarray:
    """x as an input vector: an int k means "input k fires", counting from 1 as the seed does."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        if not 1 <= x <= n_in:
            raise ValueError(f"draw_network: x={x} names no input; inputs are numbered 1 to {n_in}")
        return np.eye(n_in)[x - 1]
    try:
        vector = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"draw_network: x must be an input's number or {n_in} numbers, got {x!r}") from None
    if vector.shape != (n_in,):
        raise ValueError(f"draw_network: x must be an input's number or {n_in} numbers, got {vector.shape}")
    return vector


@no_grad()
def _activations(model: Any, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """What each column computes for input x: its inputs to the activation and its outputs."""
    a = Tensor(x.astype(model.layers[0].weight.dtype))
    sums, outs = [a.data], [a.data]
    for k, layer in enumerate(model.layers):
        z = layer(a)
        last = k == len(model.layers) - 1
        a = z if last or model.activation == "linear" else getattr(z, model.activation)()
        sums.append(z.data)
        outs.append(a.data)
    return sums, outs


def _signed(w: float) -> str:
    return f"{float(w):+.3g}"


def _colour(w: float, faded: bool = False) -> str:
    return (_BLUE if w >= 0 else _RED) + ("40" if faded else "")


def draw_network(
    model: Any,
    x: Any = None,
    *,
    numbers: bool | None = None,
    weight_scale: float | Sequence[float] | None = None,
    title: str = "",
) -> Diagram:
    """The MLP as the seed post draws it: neurons in columns, inputs left, outputs right.

    Neurons are numbered from 1, as in the seed. One line per weight: blue for
    positive, red for negative, thicker for a larger |w|; the thickest line of
    a layer is its largest |w|, or `weight_scale` (one number, or one per
    layer: fix it to compare snapshots taken during training). With `numbers`
    (default: at most 200 weights) each weight is written down: on the input
    or output neuron when the layer it connects to has at most 4 neurons, as
    in the seed (top number: the weight to or from the top hidden neuron),
    else on its line. `x` adds what each neuron computes for one input: an
    int k means "input k fires" (`x=3` draws the seed's worked example), or
    give all n_in numbers. The output with the largest logit wins.
    """
    layers = _weights(model)
    sizes = [layers[0][0].shape[1]] + [w.shape[0] for w, _ in layers]
    numbers = sum(w.size for w, _ in layers) <= 200 if numbers is None else numbers
    scales = _scales(weight_scale, [w for w, _ in layers])
    sums, outs = _activations(model, _input_vector(x, sizes[0])) if x is not None else (None, None)
    dot = Diagram(name="network", engine="neato")
    title = _network_title(model, sizes, x, outs, title, numbers)
    dot.attr(label=f"<{_html(title)}>", labelloc="t", fontname=_FONT)
    dot.attr(outputorder="edgesfirst", splines="false", overlap="true")
    dot.attr("node", fontname=_FONT, fontsize="10", style="filled", fillcolor="white")
    dot.attr("edge", dir="none", fontname=_FONT, fontsize="9")
    labels = [
        [_neuron_text(model, layers, sizes, col, i, numbers, sums, outs) for i in range(n)]
        for col, n in enumerate(sizes)
    ]
    if numbers:  # tall enough for the tallest label of each column (about 0.17 inch a line)
        tallest = [max(text.count("<br/>") + 1 for text, _ in column) for column in labels]
        height = max(n * (0.17 * lines + 0.25) for n, lines in zip(sizes, tallest))
        attrs = {"shape": "box", "style": "rounded,filled", "margin": "0.05,0.03"}
    else:
        row = max(0.12, min(0.5, 10 / max(sizes)))  # inches between neurons
        height = row * max(sizes)
        attrs = {"shape": "circle", "width": f"{min(0.4, row * 0.7):.2f}", "fixedsize": "true"}
    gap = max(3.2 if numbers else 2.5, 0.35 * height)  # inches between columns
    for col, (n, column) in enumerate(zip(sizes, labels)):
        for i, (text, fill) in enumerate(column):
            # Each column spreads over the same height: two hidden neurons sit high and low.
            pos = f"{col * gap:.2f},{(n / 2 - i - 0.5) * height / n:.2f}!"
            text = text if numbers or height / max(sizes) >= 0.3 else ""
            dot.node(f"c{col}n{i}", f"<{text}>" if text else "", pos=pos, fillcolor=fill, **attrs)
    for k, (w, _) in enumerate(layers):
        _add_weights(dot, sizes, k, w, scales[k], numbers, None if outs is None else outs[k])
    return dot


def _scales(weight_scale: float | Sequence[float] | None, weights: list[np.ndarray]) -> list[float]:
    """The |w| drawn with the thickest line, per layer."""
    if weight_scale is None:
        return [float(np.abs(w).max()) or 1.0 for w in weights]
    scales = [weight_scale] * len(weights) if isinstance(weight_scale, (int, float)) else list(weight_scale)
    positive = all(isinstance(s, (int, float, np.number)) and s > 0 for s in scales)
    if len(scales) != len(weights) or not positive:
        raise ValueError(
            f"draw_network: weight_scale must be a positive number or {len(weights)} of them "
            f"(one per layer), got {weight_scale!r}"
        )
    return [float(s) for s in scales]


def _on_neurons(sizes: list[int], k: int) -> bool:
    """Are layer k's weights written on its input or output neurons (as the seed does), not on lines?

    For the first layer when the next column is small, and for the last when the one before is.
    """
    last = len(sizes) - 2
    return (k == 0 and sizes[1] <= _NODE_LIST_MAX) or (k == last and sizes[last] <= _NODE_LIST_MAX)


def _add_weights(
    dot: Diagram, sizes: list[int], k: int, w: np.ndarray, scale: float, numbers: bool, inputs
) -> None:
    """One line per weight of layer k; lines from neurons that output 0 for this input fade."""
    on_lines = numbers and not _on_neurons(sizes, k) and w.size <= _EDGE_LABELS_MAX
    thin, thick = (0.3, 3.7) if numbers else (0.1, 1.4)
    for j, i in np.ndindex(*w.shape):
        faded = inputs is not None and inputs[i] == 0
        label = {"label": _signed(w[j, i]), "fontcolor": _colour(w[j, i])} if on_lines else {}
        width = f"{thin + thick * min(abs(w[j, i]) / scale, 1.0):.2f}"
        dot.edge(f"c{k}n{i}", f"c{k + 1}n{j}", color=_colour(w[j, i], faded), penwidth=width, **label)


def _network_title(model: Any, sizes: list[int], x: Any, outs: list | None, title: str, numbers: bool) -> str:
    lines = [title or f"MLP {'-'.join(map(str, sizes))} ({model.activation} hidden, softmax out)"]
    if outs is not None:
        fired = f"input {x} fires" if isinstance(x, (int, np.integer)) else "for the given input"
        lines.append(f"{fired}: output {int(np.argmax(outs[-1])) + 1} wins")
    lines.append("blue: positive weight, red: negative, thicker: larger |weight| (within a layer)")
    if numbers and (_on_neurons(sizes, 0) or _on_neurons(sizes, len(sizes) - 2)):
        lines.append(
            "numbers on an input or output neuron: its weights to or from the hidden neurons, in order"
        )
    return "\n".join(lines)


def _neuron_text(model, layers, sizes, col, i, numbers, sums, outs) -> tuple[str, str]:
    """The HTML label and fill colour of neuron i in column col."""
    last = len(sizes) - 1
    if col in (0, last):
        name = f"{'in' if col == 0 else 'out'} {i + 1}"
    else:
        name = f"h{i + 1}" if last == 2 else f"h{col}.{i + 1}"  # h2.1: hidden layer 2, neuron 1
    lines, fill = [f"<b>{name}</b>"], "white"
    if outs is not None:
        if col == 0:
            lines.append(f"x = {_num(outs[0][i])}")
            fill = _FIRES_FILL if outs[0][i] != 0 else fill
        elif col == last:
            probs = np.exp(outs[col] - outs[col].max())
            lines.append(f"logit {_num(outs[col][i])}  p {probs[i] / probs.sum():.3g}")
            fill = _WINS_FILL if i == int(np.argmax(outs[col])) else fill
        else:
            lines.append(f"{model.activation}({_num(sums[col][i])}) = {_num(outs[col][i])}")
    if numbers:
        lines += _weights_on_neuron(layers, sizes, col, i)
    return "<br/>".join(lines), fill


def _weights_on_neuron(layers, sizes, col, i) -> list[str]:
    """The seed's numbers: an input's weights to a small next layer, an output's from a small previous one."""
    weights = []
    if col == 0 and _on_neurons(sizes, 0):
        weights = layers[0][0][:, i]
    elif col == len(layers) and _on_neurons(sizes, col - 1):
        weights = layers[col - 1][0][i]
    lines = [f'<font color="{_colour(w)}">{_signed(w)}</font>' for w in weights]
    if col > 0 and layers[col - 1][1] is not None:
        lines.append(f"bias {_signed(layers[col - 1][1][i])}")
    return lines
