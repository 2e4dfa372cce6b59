"""Tests for draw.py: the DOT it writes, and SVG/PNG from system `dot` and from graphviz-pure."""

from __future__ import annotations

import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_lite import Tensor, Value
from tinygrad_lite import draw as draw_module
from tinygrad_lite.draw import (
    Diagram,
    RenderError,
    draw_graph,
    draw_network,
    find_renderer,
    render_source,
    to_png,
    to_svg,
)
from tinygrad_lite.nn import MLP, ValueMLP, nll_loss, value_cross_entropy
from tinygrad_lite.value import log_softmax

SVG = "{http://www.w3.org/2000/svg}"
PURE = draw_module._find_graphviz_pure()
SYSTEM_DOT = shutil.which("dot")
needs_pure = pytest.mark.skipif(PURE is None, reason="graphviz-pure is not installed")
needs_dot = pytest.mark.skipif(SYSTEM_DOT is None, reason="the system Graphviz (dot) is not installed")


# ---- helpers ----------------------------------------------------------------------


def expression() -> Value:
    """c = tanh(a*b + e^a): 6 Values, 4 ops."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    return c


def svg_parts(svg: str) -> tuple[int, int, str]:
    """(nodes, edges, all text) of an SVG from Graphviz; fails if it is not well-formed XML."""
    root = ET.fromstring(svg.encode("utf-8"))
    groups = list(root.iter(f"{SVG}g"))
    nodes = sum(g.get("class") == "node" for g in groups)
    edges = sum(g.get("class") == "edge" for g in groups)
    return nodes, edges, "\n".join(t.text or "" for t in root.iter(f"{SVG}text"))


def dot_counts(source: str) -> tuple[int, int]:
    """(node statements, edge statements) in DOT written by the graphviz package."""
    nodes = len(re.findall(r"^\t(?!graph |node |edge )\w+ \[", source, re.M))
    edges = len(re.findall(r"^\t\w+ -> \w+", source, re.M))
    return nodes, edges


@pytest.fixture
def no_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH holds only graphviz-pure: what a learner has after `pip install`."""
    if PURE is None:
        pytest.skip("graphviz-pure is not installed")
    (tmp_path / "bin").mkdir()
    os.symlink(PURE, tmp_path / "bin" / Path(PURE).name)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert shutil.which("dot") is None


# ---- the DOT source: scalar graphs ------------------------------------------------------


def test_value_graph_has_one_box_per_value_and_one_oval_per_op() -> None:
    c = expression()
    c.backward()
    source = draw_graph(c).source
    assert dot_counts(source) == (6 + 4, 4 + 6)  # boxes + ops; op -> result, operand -> op
    for op in ("tanh", "exp", "<b>+</b>", "<b>*</b>"):
        assert op in source
    assert "<b>a</b>" in source and "data 2<" in source and "data -3<" in source
    a, b = c.parents[0].parents[0].parents
    assert f"grad {a.grad:.4g}" in source and f"grad {b.grad:.4g}" in source
    assert "grad 1<" in source  # the root


def test_grads_show_as_not_computed_before_backward() -> None:
    c = expression()
    before = draw_graph(c).source
    assert before.count("grad not computed yet") == 6
    c.backward()
    assert "not computed" not in draw_graph(c).source


def test_grads_can_be_given_for_a_backward_in_progress() -> None:
    c = expression()
    c.backward()
    source = draw_graph(c, grads={c: 1.0}).source
    assert source.count("grad not computed yet") == 5 and "grad 1<" in source


def test_a_times_a_keeps_both_edges() -> None:
    a = Value(3.0, label="a")
    assert dot_counts(draw_graph(a * a).source) == (3, 3)  # a, a*a, the op; two edges a -> op


def test_scalar_log_softmax_is_one_op_node() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(4)]
    outs = log_softmax(xs)
    total = outs[0] + outs[1] + outs[2] + outs[3]
    source = draw_graph(total).source
    assert source.count("<b>log_softmax</b>") == 1
    assert len(re.findall(r"^\tv\d+ -> op\d+", source, re.M)) == 4 + 2 * 3  # 4 inputs, 3 additions


def test_parameter_names_and_colours_for_a_scalar_network() -> None:
    mlp = MLP(3, 2, 3, rng=0)
    twin = ValueMLP.from_mlp(mlp)
    loss = value_cross_entropy(twin([1.0, 0.0, 0.0]), 1)
    source = draw_graph(loss, params=twin).source
    assert "layers.0.weight.0.0 (w1[0,0])" in source and "layers.1.weight.2.1 (w2[2,1])" in source
    params = len(list(twin.named_parameters()))
    assert source.count(draw_module._PARAM_FILL) == params


# ---- the DOT source: tensor graphs ------------------------------------------------------


def tensor_step() -> tuple[Tensor, MLP]:
    mlp = MLP(5, 2, 5, rng=0)
    x = Tensor(np.eye(5)[:4], dtype=np.float32)
    x.label = "x"
    loss = nll_loss(mlp(x).log_softmax(axis=-1), np.arange(1, 5))  # log_softmax as its own node
    return loss, mlp


def test_tensor_graph_shows_shapes_dtypes_ops_and_their_arguments() -> None:
    loss, mlp = tensor_step()
    source = draw_graph(loss, params=mlp).source
    for text in ("4×5 float32", "5×2 float32", "scalar float32", "linear", "tanh", "reduction=mean"):
        assert text in source
    assert source.count("<b>log_softmax</b>") == 1 and "axis=-1" in source
    assert "<b>layers.0.weight</b>" in source and "<b>layers.1.weight</b>" in source
    assert "<b>x</b>" in source and "no grad" in source
    # every tensor that requires grad: 2 weights, 2 linear outputs, tanh, log_softmax, the loss
    assert source.count("grad not computed yet") == 7
    loss.backward()
    source = draw_graph(loss, params=mlp).source
    norm = np.linalg.norm(mlp.layers[0].weight.grad)
    assert f"grad norm {norm:.4g}" in source and "not computed" not in source


def test_tensor_data_summary() -> None:
    small = Tensor([1.0, 2.5, -3.0], requires_grad=True)
    big = Tensor(np.arange(100.0), requires_grad=True)
    source = draw_graph((small * 2).sum(keepdims=True) + big.mean()).source
    assert "[1, 2.5, -3]" in source and "min 0  max 99  mean 49.5" in source
    assert "axis=None, keepdims" in source
    assert source.count(draw_module._PARAM_FILL) == 2  # leaves that require grad, even unnamed


# ---- extra text and highlights (for pictures of a backward pass) ------------------------


def test_notes_edge_notes_and_highlights() -> None:
    c = expression()
    tanh_in = c.parents[0]
    source = draw_graph(
        c, notes={c: "seed: dc/dc = 1"}, edge_notes={(tanh_in, c): "× (1 - c²)"}, highlight=[c, (tanh_in, c)]
    ).source
    assert "seed: dc/dc = 1" in source and "label=<× (1 - c²)>" in source
    assert source.count(draw_module._HIGHLIGHT) == 4  # c's box, its op, the op -> c edge, the noted edge


# ---- max_nodes ------------------------------------------------------------------------


def test_max_nodes_draws_the_part_nearest_the_root_and_says_what_was_left_out() -> None:
    v = Value(1.0, label="start")
    for _ in range(1000):
        v = v * 1.5 + 1.0
    diagram = draw_graph(v, max_nodes=50)
    source = diagram.source
    boxes = len(re.findall(r"^\tv\d+ \[", source, re.M))
    assert boxes == 50 and "start" not in source
    assert f"… {4001 - 50:,} more nodes not drawn (max_nodes=50)" in source
    nodes, edges, _ = svg_parts(diagram.pipe(format="svg", encoding="utf-8"))
    assert nodes == dot_counts(source)[0] and edges == dot_counts(source)[1]


# ---- labels are escaped ---------------------------------------------------------------

HOSTILE = 'q"uote <b>not bold</b> & {x|y} \\N \\G \\\\ tab\tend\\\nsecond line'


@needs_pure
def test_hostile_labels_render_literally() -> None:
    a = Value(1.0, label=HOSTILE)
    t = Tensor([1.0], requires_grad=True)
    t.label = "</table> ]]> <!--"
    out = a * 2.0
    svg = to_svg(draw_graph(out, notes={out: "<i>&amp;</i>"}, edge_notes={(a, out): "-> {|}"}).source)
    _, _, text = svg_parts(svg)
    for line in HOSTILE.replace("\t", "\\x09").split("\n"):
        assert line in text
    assert "<i>&amp;</i>" in text and "-> {|}" in text
    _, _, text = svg_parts(to_svg(draw_graph(t * 2, params={"<p&>": t}).source))
    assert "<p&> (</table> ]]> <!--)" in text


@needs_pure
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=12))
def test_any_label_renders_literally(label: str) -> None:
    label = f"[{label}]"  # brackets keep leading and trailing spaces visible
    _, _, text = svg_parts(to_svg(draw_graph(Value(1.0, label=label) * 2.0).source))
    # Graphviz writes the second of two spaces as a no-break space, so that SVG keeps both.
    assert label.replace("\xa0", " ") in text.replace("\xa0", " ")


# ---- rendering: both programs, and a learner's machine without Graphviz -----------------


@needs_pure
def test_svg_from_graphviz_pure_is_well_formed_with_every_node_and_edge() -> None:
    c = expression()
    c.backward()
    source = draw_graph(c).source
    assert svg_parts(to_svg(source, program="graphviz-pure"))[:2] == dot_counts(source)


@needs_dot
def test_svg_from_system_dot_is_well_formed_with_every_node_and_edge() -> None:
    loss, mlp = tensor_step()
    loss.backward()
    diagram = draw_graph(loss, params=mlp)
    assert find_renderer()[0] == "dot"
    assert svg_parts(to_svg(diagram.source, program="dot"))[:2] == dot_counts(diagram.source)
    assert svg_parts(diagram.pipe(encoding="utf-8"))[:2] == dot_counts(diagram.source)


@pytest.mark.usefixtures("no_system_dot")
def test_without_dot_on_path_pipe_render_and_notebooks_still_give_svg(tmp_path: Path) -> None:
    diagram = draw_graph(expression())
    counts = dot_counts(diagram.source)
    assert isinstance(diagram, Diagram) and find_renderer()[0] == "graphviz-pure"
    assert svg_parts(diagram.pipe(format="svg", encoding="utf-8"))[:2] == counts
    assert svg_parts(diagram._repr_mimebundle_()["image/svg+xml"])[:2] == counts
    assert svg_parts(diagram._repr_svg_())[:2] == counts
    path = Path(diagram.render(directory=tmp_path))  # the default format is SVG
    assert path == tmp_path / "computation.gv.svg" and (tmp_path / "computation.gv").exists()
    assert svg_parts(path.read_text("utf-8"))[:2] == counts
    path = Path(diagram.render(outfile=tmp_path / "pic.svg", cleanup=True))
    assert path == tmp_path / "pic.svg" and not (tmp_path / "pic.gv").exists()


@pytest.mark.usefixtures("no_system_dot")
def test_png_works_without_system_graphviz(tmp_path: Path) -> None:
    diagram = draw_graph(expression())
    assert diagram.pipe(format="png").startswith(b"\x89PNG\r\n\x1a\n")
    assert Path(diagram.render(outfile=tmp_path / "pic.png")).read_bytes().startswith(b"\x89PNG")
    assert to_png(diagram.source).startswith(b"\x89PNG")


@pytest.mark.usefixtures("no_system_dot")
def test_pdf_without_system_graphviz_is_one_clear_error(tmp_path: Path) -> None:
    diagram = draw_graph(expression())
    with pytest.raises(RenderError, match=r"PDF needs the system Graphviz.*install Graphviz.*SVG and PNG"):
        diagram.pipe(format="pdf")
    with pytest.raises(RenderError, match="PDF needs the system Graphviz"):
        diagram.render(directory=tmp_path / "out", format="pdf")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_graphviz_pure_is_found_beside_python_when_its_folder_is_not_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    beside = [Path(sys.executable).parent / name for name in ("graphviz-pure", "graphviz-pure.exe")]
    if not any(p.is_file() for p in beside):
        pytest.skip("graphviz-pure is not installed beside this Python")
    monkeypatch.setenv("PATH", str(tmp_path))  # an unactivated venv, or a Jupyter kernel
    name, path = find_renderer()
    assert name == "graphviz-pure" and Path(path).parent == Path(sys.executable).parent
    assert svg_parts(draw_graph(expression()).pipe(encoding="utf-8"))[0] == 10


def test_no_renderer_at_all_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(draw_module, "_find_graphviz_pure", lambda: None)
    with pytest.raises(RenderError, match=r"pip install graphviz-pure.*install Graphviz"):
        to_svg("digraph { a -> b }")


@needs_pure
def test_a_broken_graph_reports_the_programs_error() -> None:
    with pytest.raises(RenderError, match="graphviz-pure -Kdot -Tsvg failed"):
        render_source("digraph { a -> }", program="graphviz-pure")


# ---- the network diagram ---------------------------------------------------------------


def seed_toy_network() -> MLP:
    """The seed's 5-2-5 picture: input n fires output n+1 with weights of +-1 (inputs 1-4)."""
    mlp = MLP(5, 2, 5, rng=0)
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1], [0, 0]], dtype=np.float32)
    mlp.layers[0].weight.data[:] = 3 * signs.T  # (hidden, inputs)
    mlp.layers[1].weight.data[:] = 2 * np.vstack([[0, 0], signs[:4]])  # output n+1 mirrors input n
    return mlp


def test_network_diagram_has_columns_one_edge_per_weight_coloured_by_sign() -> None:
    mlp = MLP(11, 2, 11, rng=1)
    diagram = draw_network(mlp)
    source = diagram.source
    assert dot_counts(source) == (11 + 2 + 11, 2 * 11 * 2)
    weights = np.concatenate([layer.weight.data.ravel() for layer in mlp.layers])
    assert len(re.findall(f'-> c\\d+n\\d+ \\[color="{draw_module._BLUE}"', source)) == (weights >= 0).sum()
    assert len(re.findall(f'-> c\\d+n\\d+ \\[color="{draw_module._RED}"', source)) == (weights < 0).sum()
    xs = {float(m) for m in re.findall(r'pos="(-?[\d.]+),', source)}
    assert len(xs) == 3  # three columns
    widths = [float(w) for w in re.findall(r"penwidth=([\d.]+)", source)]
    assert max(widths) == pytest.approx(4.0) and min(widths) >= 0.3
    w = mlp.layers[0].weight.data[0, 0]
    assert f"{w:+.3g}</font>" in source  # the seed's numbers on the neurons
    assert "in 1" in source and "out 11" in source and "h2" in source


def test_network_diagram_draws_the_worked_example() -> None:
    diagram = draw_network(seed_toy_network(), x=1)
    source = diagram.source
    assert "input 1 fires: output 2 wins" in source
    assert source.count(draw_module._FIRES_FILL) == 1 and source.count(draw_module._WINS_FILL) == 1
    assert "x = 1" in source and "tanh(3) = 0.9951" in source
    assert source.count('40"') == 4 * 2  # the lines from the 4 silent inputs fade
    nodes, edges, text = svg_parts(to_svg(source, engine="neato"))
    assert (nodes, edges) == (12, 20) and "input 1 fires: output 2 wins" in text


def test_network_diagram_agrees_with_the_worked_examples_of_tasks() -> None:
    from tinygrad_lite.tasks import train_shift, worked_example

    model = train_shift(11, 2, seed=0, progress=False).model
    for k in range(1, 11):  # the seed numbers inputs from 1, and so do both
        said = re.match(r"input \d+ fires: output \d+ wins", worked_example(model, k)).group()
        assert said in draw_network(model, x=k).source


@needs_pure
def test_large_network_still_renders_with_thin_edges_and_no_numbers() -> None:
    mlp = MLP(100, 4, 100, rng=0)
    diagram = draw_network(mlp)
    assert "<font" not in diagram.source
    widths = [float(w) for w in re.findall(r"penwidth=([\d.]+)", diagram.source)]
    assert max(widths) <= 1.5
    assert svg_parts(diagram.pipe(encoding="utf-8"))[:2] == (204, 800)


def test_network_diagram_numbers_on_edges_when_no_layer_is_small() -> None:
    mlp = MLP(5, 6, 5, rng=0)
    source = draw_network(mlp).source
    assert len(re.findall(r"-> c\d+n\d+ \[label=", source)) == 60


def test_network_weight_scale_fixes_line_widths_across_snapshots() -> None:
    mlp = MLP(3, 2, 3, rng=0)
    source = draw_network(mlp, weight_scale=100.0).source
    assert max(float(w) for w in re.findall(r"penwidth=([\d.]+)", source)) < 0.5
    with pytest.raises(ValueError, match="weight_scale"):
        draw_network(mlp, weight_scale=[1.0])


def test_bad_arguments_get_clear_errors() -> None:
    with pytest.raises(TypeError, match="draw_graph: expects a Value or a Tensor"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(Value(1.0), max_nodes=0)
    with pytest.raises(TypeError, match="params"):
        draw_graph(Value(1.0), params=[1, 2])
    with pytest.raises(TypeError, match="draw_network: expects an MLP"):
        draw_network(ValueMLP(3, 2, 3))
    mlp = MLP(3, 2, 3, rng=0)
    with pytest.raises(ValueError, match="numbered 1 to 3"):
        draw_network(mlp, x=0)
    with pytest.raises(ValueError, match="3 numbers"):
        draw_network(mlp, x=[1.0, 0.0])
