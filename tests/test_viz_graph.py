"""Tests for viz/graph.py and viz/labels.py: the DOT that draw_graph writes, and any label drawing."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bad_input import as_params, assert_clear_error
from tests.viz_helpers import dot_counts, expression, svg_parts
from tinygrad_lite import Tensor, Value
from tinygrad_lite.functional import log_softmax, nll_loss, value_cross_entropy
from tinygrad_lite.nn import MLP, ValueMLP
from tinygrad_lite.viz import draw_graph, render
from tinygrad_lite.viz.graph import HIGHLIGHT, PARAM_FILL
from tinygrad_lite.viz.labels import html_text, visible

# ---- scalar graphs -----------------------------------------------------------------------


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


def test_a_value_shows_its_grad_zero_before_backward_as_in_micrograd() -> None:
    c = expression()
    assert draw_graph(c).source.count("grad 0<") == 6 and "not computed" not in draw_graph(c).source
    c.backward()
    assert "grad 0<" not in draw_graph(c).source


def test_grads_can_be_given_for_a_backward_in_progress() -> None:
    c = expression()
    c.backward()
    source = draw_graph(c, grads={c: 1.0}).source
    assert source.count("grad not computed yet") == 5 and "grad 1<" in source


def test_a_graph_grown_after_backward_says_not_computed_yet_only_for_new_tensors() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert "not computed" not in draw_graph(y).source
    z = y * 2.0  # a graph grown after backward: only the new node waits for a grad (the 2 needs none)
    assert draw_graph(z).source.count("grad not computed yet") == 1


def test_a_times_a_keeps_both_edges() -> None:
    a = Value(3.0, label="a")
    assert dot_counts(draw_graph(a * a).source) == (3, 3)  # a, a*a, the op; two edges a -> op


def test_scalar_log_softmax_draws_one_oval_per_output() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(4)]
    outs = log_softmax(xs)
    total = outs[0] + outs[1] + outs[2] + outs[3]
    source = draw_graph(total).source
    assert source.count("<b>log_softmax</b>") == 4
    assert len(re.findall(r"^\tv\d+ -> op\d+", source, re.M)) == 4 * 4 + 2 * 3  # each output reads 4 inputs


def test_parameter_names_and_colours_for_a_scalar_network() -> None:
    mlp = MLP(3, 2, 3, rng=0)
    twin = ValueMLP.from_mlp(mlp)
    loss = value_cross_entropy(twin([1.0, 0.0, 0.0]), 1)
    source = draw_graph(loss, params=twin).source
    assert "layers.0.weight.0.0 (w1[0,0])" in source and "layers.1.weight.2.1 (w2[2,1])" in source
    params = len(list(twin.named_parameters()))
    assert source.count(PARAM_FILL) == params


def test_a_user_defined_op_draws_with_its_name() -> None:
    from tinygrad_lite import op

    x = Value(0.5, label="x")
    y = op("sin", float(np.sin(x.data)), (x,), lambda g: (g * float(np.cos(x.data)),))
    assert "<b>sin</b>" in draw_graph(y).source


# ---- tensor graphs -----------------------------------------------------------------------


def tensor_step() -> tuple[Tensor, MLP]:
    mlp = MLP(5, 2, 5, rng=0)
    x = Tensor(np.eye(5)[:4], dtype=np.float32)
    x.label = "x"
    loss = nll_loss(mlp(x).log_softmax(axis=-1), np.arange(1, 5))  # log_softmax as its own node
    return loss, mlp


def test_tensor_graph_shows_shapes_dtypes_and_ops() -> None:
    loss, mlp = tensor_step()
    source = draw_graph(loss, params=mlp).source
    for text in ("4×5 float32", "5×2 float32", "scalar float32", "<b>linear</b>", "<b>tanh</b>"):
        assert text in source
    assert source.count("<b>log_softmax</b>") == 1 and "<b>nll_loss</b>" in source
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
    assert source.count(PARAM_FILL) == 2  # leaves that require grad, even unnamed


# ---- extra text, highlights and a fixed layout (for pictures of a backward pass) ----------


def test_notes_edge_notes_and_highlights() -> None:
    c = expression()
    tanh_in = c.parents[0]
    source = draw_graph(
        c, notes={c: "seed: dc/dc = 1"}, edge_notes={(tanh_in, c): "× (1 - c²)"}, highlight=[c, (tanh_in, c)]
    ).source
    assert "seed: dc/dc = 1" in source and "label=<× (1 - c²)>" in source
    assert source.count(HIGHLIGHT) == 4  # c's box, its op, the op -> c edge, the noted edge


def test_a_layout_pins_every_box_and_edge_where_an_earlier_picture_had_them() -> None:
    c = expression()
    first = draw_graph(c)
    laid = first.layout()
    c.backward()
    pinned = draw_graph(c, notes={c: "a longer note\non two lines"}, layout=laid)
    assert (pinned.engine, pinned.options) == ("neato", ("-n2",))
    again = pinned.layout()
    for name, (x, y, _, _) in laid.nodes.items():
        assert again.nodes[name][:2] == pytest.approx((x, y), abs=0.5)
    assert again.bounds == pytest.approx(laid.bounds, abs=1)
    assert svg_parts(pinned.svg())[:2] == (10, 10)  # every box and op (the corners are invisible)


# ---- max_nodes ------------------------------------------------------------------------


def test_max_nodes_draws_the_part_nearest_the_root_and_says_what_was_left_out() -> None:
    v = Value(1.0, label="start")
    for _ in range(1000):
        v = v * 1.5 + 1.0
    picture = draw_graph(v, max_nodes=50)
    source = picture.source
    boxes = len(re.findall(r"^\tv\d+ \[", source, re.M))
    assert boxes == 50 and "start" not in source
    assert f"… {4001 - 50:,} more nodes not drawn (max_nodes=50)" in source
    nodes, edges, _ = svg_parts(picture.svg())
    assert nodes == dot_counts(source)[0] and edges == dot_counts(source)[1]


# ---- labels are escaped ---------------------------------------------------------------

HOSTILE = 'q"uote <b>not bold</b> & {x|y} \\N \\G \\\\ tab\tend\\\nsecond line'


def test_hostile_labels_render_literally() -> None:
    a = Value(1.0, label=HOSTILE)
    t = Tensor([1.0], requires_grad=True)
    t.label = "</table> ]]> <!--"
    out = a * 2.0
    svg = draw_graph(out, notes={out: "<i>&amp;</i>"}, edge_notes={(a, out): "-> {|}"}).svg()
    _, _, text = svg_parts(svg)
    for line in HOSTILE.replace("\t", "\\x09").split("\n"):
        assert line in text
    assert "<i>&amp;</i>" in text and "-> {|}" in text
    _, _, text = svg_parts(draw_graph(t * 2, params={"<p&>": t}).svg())
    assert "<p&> (</table> ]]> <!--)" in text


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=12))
def test_any_label_renders_literally(label: str) -> None:
    label = f"[{label}]"  # brackets keep leading and trailing spaces visible
    _, _, text = svg_parts(draw_graph(Value(1.0, label=label) * 2.0).svg())
    # Graphviz writes the second of two spaces as a no-break space, so that SVG keeps both.
    assert label.replace("\xa0", " ") in text.replace("\xa0", " ")


NONCHARACTERS = "\ufffe\uffff\ufdd0\ufdef\U0001fffe\U0010ffff"


@given(st.text(st.characters() | st.sampled_from(NONCHARACTERS + "\ud800\udfff\x00\x7f\x85"), max_size=12))
def test_any_python_string_draws(label: str) -> None:
    """Issue 14, item 17: U+FFFE, lone surrogates, controls: any string draws (escaped where XML cannot)."""
    picture = draw_graph(Value(1.0, label=label) * 2.0)
    svg_parts(picture.svg())  # well-formed
    svg_parts(render(picture.source, "svg", program="graphviz-pure").decode("utf-8"))


def test_characters_xml_cannot_carry_are_escaped_like_control_characters() -> None:
    assert visible("a\tb\x00\x7f\x85") == "a\\x09b\\x00\\x7f\\x85"
    assert visible("\ufffe\uffff\ufdd0\U0001fffe\U0010ffff") == (
        "\\ufffe\\uffff\\ufdd0\\U0001fffe\\U0010ffff"
    )
    assert visible("\ud800 and \udfff") == "\\ud800 and \\udfff"
    assert visible("line\r\nnext é ∑ 😀") == "line\nnext é ∑ 😀"  # printable text stays as it is
    _, _, text = svg_parts(draw_graph(Value(1.0, label="x\ufffey\uffff") * 2.0).svg())
    assert "x\\ufffey\\uffff" in text
    assert html_text("a\\b\n<c>") == "a\\\\b<br/>&lt;c&gt;"


# ---- bad input ---------------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("draw_graph-type", lambda: draw_graph("x"),
     TypeError, r"^draw_graph: expects a Value or a Tensor, got str"),
    ("draw_graph-max_nodes", lambda: draw_graph(Value(1.0), max_nodes=0), ValueError,
     r"^draw_graph: max_nodes must be a positive int, got 0"),
    ("draw_graph-max_nodes-str", lambda: draw_graph(Value(1.0), max_nodes="a"), ValueError,
     r"^draw_graph: max_nodes must be a positive int, got 'a'"),
    ("draw_graph-rankdir", lambda: draw_graph(Value(1.0), rankdir="XX"), ValueError,
     r"^draw_graph: rankdir must be one of \('LR', 'RL', 'TB', 'BT'\), got 'XX'"),
    ("draw_graph-params", lambda: draw_graph(Value(1.0), params="x"), TypeError,
     r"^draw_graph: params must be a module with named_parameters\(\) or a \{name: node\} dict, got str"),
    ("draw_graph-params-list", lambda: draw_graph(Value(1.0), params=[1, 2]), TypeError,
     r"^draw_graph: params must be"),
    ("draw_graph-grads", lambda: draw_graph(Value(1.0), grads=5), TypeError,
     r"^draw_graph: grads must be a dict keyed by node, got int"),
    ("draw_graph-notes", lambda: draw_graph(Value(1.0), notes=["a"]), TypeError,
     r"^draw_graph: notes must be a dict keyed by node, got list"),
    ("draw_graph-layout", lambda: draw_graph(Value(1.0), layout={}), TypeError,
     r"^draw_graph: layout must be a Layout \(picture.layout\(\)\), got dict"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
