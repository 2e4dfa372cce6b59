"""Tests for viz/network.py: the seed's network diagram."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tests.viz_helpers import dot_counts, svg_parts
from tinygrad_lite.nn import MLP, ValueMLP
from tinygrad_lite.viz import draw_network
from tinygrad_lite.viz.network import _BLUE, _FIRES_FILL, _RED, _WINS_FILL, _colour

NAN = float("nan")


def mlp() -> MLP:
    return MLP(3, 2, 3, rng=0)


def seed_toy_network() -> MLP:
    """The seed's 5-2-5 picture: input n fires output n+1 with weights of +-1 (inputs 1-4)."""
    model = MLP(5, 2, 5, rng=0)
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1], [0, 0]], dtype=np.float32)
    model.layers[0].weight.data[:] = 3 * signs.T  # (hidden, inputs)
    model.layers[1].weight.data[:] = 2 * np.vstack([[0, 0], signs[:4]])  # output n+1 mirrors input n
    return model


def test_network_diagram_has_columns_one_edge_per_weight_coloured_by_sign() -> None:
    model = MLP(11, 2, 11, rng=1)
    picture = draw_network(model)
    source = picture.source
    assert picture.engine == "neato" and dot_counts(source) == (11 + 2 + 11, 2 * 11 * 2)
    weights = np.concatenate([layer.weight.data.ravel() for layer in model.layers])
    assert len(re.findall(f'-> c\\d+n\\d+:w \\[color="{_BLUE}"', source)) == (weights >= 0).sum()
    assert len(re.findall(f'-> c\\d+n\\d+:w \\[color="{_RED}"', source)) == (weights < 0).sum()
    xs = {float(m) for m in re.findall(r'pos="(-?[\d.]+),', source)}
    assert len(xs) == 3  # three columns
    widths = [float(w) for w in re.findall(r"penwidth=([\d.]+)", source)]
    assert max(widths) == pytest.approx(4.0) and min(widths) >= 0.3
    w = model.layers[0].weight.data[0, 0]
    assert f"&#160;&#160;{w:+.3g}</font>" in source  # the seed's numbers on the neurons
    assert "in 1" in source and "out 11" in source and "h2" in source


def test_network_diagram_draws_the_worked_example() -> None:
    picture = draw_network(seed_toy_network(), x=1)
    source = picture.source
    assert "input 1 fires: output 2 wins" in source
    assert source.count(_FIRES_FILL) == 1 and source.count(_WINS_FILL) == 1
    assert "x = 1" in source and "tanh(3) = 0.9951" in source
    assert source.count('40"') == 4 * 2  # the lines from the 4 silent inputs fade
    nodes, edges, text = svg_parts(picture.svg())
    assert (nodes, edges) == (12, 20) and "input 1 fires: output 2 wins" in text


def test_output_probabilities_are_a_stable_softmax_of_the_logits() -> None:
    model = seed_toy_network()
    model.layers[1].weight.data[:] *= 1e4  # logits of ~1e4: a naive exp overflows
    source = draw_network(model, x=1).source
    assert re.search(r"p 1[<>]", source) and re.search(r"p 0[<>]", source) and "nan" not in source


def test_network_diagram_agrees_with_the_worked_examples_of_the_shift_task() -> None:
    from tinygrad_lite.shift import ShiftConfig, train_shift, worked_example

    model = train_shift(ShiftConfig(11, 2), seed=0, progress=False).model
    for k in range(1, 11):  # the seed numbers inputs from 1, and so do both
        said = re.match(r"input \d+ fires: output \d+ wins", worked_example(model, k)).group()
        assert said in draw_network(model, x=k).source


def test_large_network_still_renders_with_thin_edges_and_no_numbers() -> None:
    picture = draw_network(MLP(100, 4, 100, rng=0))
    assert "<font" not in picture.source
    widths = [float(w) for w in re.findall(r"penwidth=([\d.]+)", picture.source)]
    assert max(widths) <= 1.5
    assert svg_parts(picture.svg())[:2] == (204, 800)


def test_deeper_networks_write_their_numbers_on_the_neurons_or_say_why_not() -> None:
    model = MLP(3, [4, 5], 6, rng=0)
    source = draw_network(model).source
    assert "label=" not in source.split("->", 1)[1]  # no numbers on the lines
    w = model.layers[2].weight.data[5]  # output 6's 5 weights in: 4 on its first line, 1 on the next
    first = "&#160;" + "".join(f'<font color="{_colour(v)}">&#160;&#160;{v:+.3g}</font>' for v in w[:4])
    assert f"<b>out 6</b>{first}<br/>" in source
    assert "not written" not in source and "on a later neuron: its weights in" in source
    assert "<b>h1.1</b>>" in source  # the first hidden layer's weights in are on the inputs
    wide = html.unescape(draw_network(MLP(5, 9, 5, rng=0)).source)
    assert "<font" not in wide and "layer 2's weights (9 -> 5) not written: 9 per neuron, more than 8" in wide


def no_line_passes_under_a_box(picture) -> list[str]:
    """The lines (straight, from the layout) that cross a box they do not end at."""
    laid = picture.layout()
    crossings = []
    for (tail, head), routes in laid.edges.items():
        points = [tuple(map(float, p.split(","))) for p in routes[0]["pos"].split()]
        (x0, y0), (x1, y1) = points[0], points[-1]
        for name, (x, y, w, h) in laid.nodes.items():
            if name in (tail, head):
                continue
            for t in np.linspace(0, 1, 200):  # points along the line
                px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                if abs(px - x) < w / 2 - 0.5 and abs(py - y) < h / 2 - 0.5:
                    crossings.append(f"{tail} -> {head} under {name}")
                    break
    return crossings


@pytest.mark.parametrize("model", [MLP(11, 2, 11, rng=1), MLP(3, [4, 5], 6, rng=0), MLP(20, 3, 20, rng=0)])
def test_no_line_passes_under_a_box_it_does_not_end_at(model) -> None:
    assert no_line_passes_under_a_box(draw_network(model)) == []
    assert no_line_passes_under_a_box(draw_network(model, x=2)) == []


def test_legend_can_be_left_out_and_says_what_the_colours_mark() -> None:
    source = draw_network(seed_toy_network(), x=1).source
    assert "yellow: the input that fires; green: the output that wins" in source
    bare = draw_network(seed_toy_network(), legend=False, title=" ").source
    assert "blue: positive" not in bare and "label=<" not in bare.split("\n\t", 2)[1]


def test_network_weight_scale_fixes_line_widths_across_snapshots() -> None:
    source = draw_network(mlp(), weight_scale=100.0).source
    assert max(float(w) for w in re.findall(r"penwidth=([\d.]+)", source)) < 0.5
    assert draw_network(mlp(), weight_scale=[1.0, 2.0]).source != source


def test_deeper_networks_and_other_activations() -> None:
    model = MLP(4, [3, 2], 4, activation="relu", rng=0)
    source = draw_network(model, x=[1.0, 0.0, -1.0, 0.5]).source
    assert dot_counts(source) == (4 + 3 + 2 + 4, 4 * 3 + 3 * 2 + 2 * 4)
    assert "h1.3" in source and "h2.2" in source and "relu(" in source
    assert "MLP 4-3-2-4 (relu hidden, softmax out)" in source and "for the given input: output" in source


# ---- bad input ---------------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("draw_network-type", lambda: draw_network("x"), TypeError, r"^draw_network: expects an MLP .*got str"),
    ("draw_network-ValueMLP", lambda: draw_network(ValueMLP(3, 2, 3)), TypeError,
     r"^draw_network: expects an MLP .*got ValueMLP"),
    ("draw_network-x-range", lambda: draw_network(mlp(), x=0), ValueError,
     r"^draw_network: x=0 names no input; inputs are numbered 1 to 3"),
    ("draw_network-x-shape", lambda: draw_network(mlp(), x=[1.0, 2.0]), ValueError,
     r"^draw_network: x must be an input's number or 3 numbers, got \(2,\)"),
    ("draw_network-x-str", lambda: draw_network(mlp(), x="a"), TypeError,
     r"^draw_network: x must be an input's number or 3 numbers, got 'a'"),
    ("draw_network-x-nan", lambda: draw_network(mlp(), x=NAN), ValueError,
     r"^draw_network: x must be an input's number or 3 numbers, got \(\)"),
    ("draw_network-scale-zero", lambda: draw_network(mlp(), weight_scale=0), ValueError,
     r"^draw_network: weight_scale must be a positive number or 2 of them \(one per layer\), got 0"),
    ("draw_network-scale-count", lambda: draw_network(mlp(), weight_scale=[1.0]), ValueError,
     r"^draw_network: weight_scale must be .* got \[1.0\]"),
    ("draw_network-scale-nan", lambda: draw_network(mlp(), weight_scale=NAN), ValueError,
     r"^draw_network: weight_scale must be a positive number"),
    ("draw_network-scale-str", lambda: draw_network(mlp(), weight_scale="ab"), ValueError,
     r"^draw_network: weight_scale must be a positive number .*got 'ab'"),
    ("draw_network-copies", lambda: draw_network(MLP(3, 2, 3, copies=2)), TypeError,
     r"^draw_network: this MLP holds 2 networks \(copies=2\); draw one of them: draw_network\(mlp.copy"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
