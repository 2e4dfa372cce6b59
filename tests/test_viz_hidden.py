"""Tests for viz/hidden.py (the hidden space) and viz/svg.py (pictures written as SVG by hand)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tests.viz_helpers import SVG
from tinygrad_lite import Tensor
from tinygrad_lite.nn import MLP
from tinygrad_lite.shift import ShiftConfig, train_shift
from tinygrad_lite.viz import Drawing, draw_hidden_space
from tinygrad_lite.viz.hidden import codes_and_winners, winning_region
from tinygrad_lite.viz.svg import side_by_side, size


@pytest.fixture(scope="module")
def eleven() -> MLP:
    return train_shift(ShiftConfig(11, 2, steps=600), seed=0, progress=False).model


def inside(point: np.ndarray, polygon: np.ndarray, tolerance: float) -> bool:
    """Is `point` in the convex polygon (corners in order, either way round)? A negative
    tolerance asks for the inside strictly, away from the edges."""
    edges = np.roll(polygon, -1, axis=0) - polygon
    cross = edges[:, 0] * (point[1] - polygon[:, 1]) - edges[:, 1] * (point[0] - polygon[:, 0])
    return bool((cross >= -tolerance).all() or (cross <= tolerance).all())


def area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}text")]


def test_each_code_lies_in_the_region_of_the_output_the_network_predicts(eleven) -> None:
    codes, winners = codes_and_winners(eleven)
    predicted = eleven(Tensor(np.eye(11))).data.argmax(axis=1) + 1  # run the network itself
    assert np.array_equal(winners, predicted)
    assert np.array_equal(codes, np.tanh(eleven.layers[0].weight.data.T))
    w_out, b_out = eleven.layers[1].weight.data, np.zeros(11)
    regions = [winning_region(w_out, b_out, m, (-1.0, 1.0)) for m in range(11)]
    assert sum(area(r) for r in regions if len(r)) == pytest.approx(4.0)  # they tile the square
    for code, winner in zip(codes, winners):  # a code on a corner of the square touches other regions
        assert inside(code, regions[winner - 1], 1e-12)
        assert not any(inside(code, r, -1e-9) for m, r in enumerate(regions) if m != winner - 1 and len(r))
    assert np.array_equal(winners[:10], np.arange(2, 12))  # solved: input n lands in output n+1's region


def test_the_plane_shows_every_code_arrow_and_region_ringed_right_or_wrong(eleven) -> None:
    svg = draw_hidden_space(eleven).svg()
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg" and size(svg) == (400, pytest.approx(size(svg)[1]))
    words = texts(svg)
    assert all(str(n) in words for n in range(1, 12))  # every input labelled
    assert sum(w.startswith("out ") for w in words) >= 8  # most regions named
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 11 and sum(c.get("stroke") == "#2ca02c" for c in circles) == 10  # input 11: grey
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(fonts) >= 13  # readable on a projector


def test_an_untrained_network_is_ringed_wrong_where_it_is_wrong() -> None:
    model = MLP(5, 2, 5, rng=0)
    _, winners = codes_and_winners(model)
    wrong = int((winners[:4] != np.arange(2, 6)).sum())
    circles = ET.fromstring(draw_hidden_space(model).svg().encode("utf-8")).iter(f"{SVG}circle")
    assert wrong > 0 and sum(c.get("stroke") == "#d62728" for c in circles) == wrong


def test_one_hidden_neuron_lets_only_the_two_ends_win() -> None:
    model = train_shift(ShiftConfig(7, 1, steps=300), seed=0, progress=False).model
    words = texts(draw_hidden_space(model).svg())
    assert "the top line wins: 2 of 7 outputs ever do" in words
    v = model.layers[1].weight.data[:, 0]
    ends = {f"out {int(np.argmax(v)) + 1}", f"out {int(np.argmin(v)) + 1}"}
    assert {w for w in words if w.startswith("out ")} == ends


def test_three_hidden_neurons_are_drawn_along_three_planes() -> None:
    svg = draw_hidden_space(MLP(6, 3, 6, rng=1), size=560).svg()
    words = texts(svg)
    assert {"\u2191 h2", "\u2191 h3"} <= set(words) and sum(w.startswith("h2: ") for w in words) == 1
    assert svg.count("<rect") == 3 and "<polygon" in svg  # three planes, arrows but no regions
    assert not any(w.startswith("out ") for w in words)


def test_arrow_scale_fixes_arrow_lengths_across_snapshots(eleven) -> None:
    assert draw_hidden_space(eleven, arrow_scale=1e6).svg() != draw_hidden_space(eleven).svg()


def test_biases_and_other_activations_draw_too() -> None:
    for activation in ("relu", "linear", "sigmoid"):
        svg = draw_hidden_space(MLP(4, 2, 4, activation=activation, bias=True, rng=0)).svg()
        assert ET.fromstring(svg.encode("utf-8")).tag == f"{SVG}svg"


def test_drawing_saves_svg_and_shows_in_jupyter(tmp_path: Path, eleven) -> None:
    drawing = draw_hidden_space(eleven)
    assert isinstance(drawing, Drawing) and drawing._repr_svg_() == drawing.svg()
    path = drawing.save(tmp_path / "new" / "hidden.svg")
    assert path.read_text("utf-8") == drawing.svg() and repr(drawing).startswith("<Drawing: SVG 400 x")


def test_side_by_side_keeps_each_picture_at_its_own_size() -> None:
    a = '<svg xmlns="http://www.w3.org/2000/svg" width="30pt" height="15pt" viewBox="0 0 30 15"></svg>'
    b = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="50" viewBox="0 0 20 50"></svg>'
    both = side_by_side([a, b], gap=10)
    assert size(both) == (70, 50) and 'x="50.0"' in both and 'width="40.0"' in both


# ---- bad input ---------------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("draw_hidden_space-type", lambda: draw_hidden_space("model"), TypeError,
     r"^draw_hidden_space: expects an MLP with one hidden layer .*got str"),
    ("draw_hidden_space-deep", lambda: draw_hidden_space(MLP(3, [2, 2], 3)), TypeError,
     r"^draw_hidden_space: expects an MLP with one hidden layer .*got an MLP with 3 layers"),
    ("draw_hidden_space-copies", lambda: draw_hidden_space(MLP(3, 2, 3, copies=2)), TypeError,
     r"^draw_hidden_space: .*got an MLP holding 2 networks; draw one: model.copy\(k\)"),
    ("draw_hidden_space-scale", lambda: draw_hidden_space(MLP(3, 2, 3), arrow_scale=0), ValueError,
     r"^draw_hidden_space: arrow_scale must be a positive finite number, got 0"),
    ("Drawing.save-suffix", lambda: draw_hidden_space(MLP(3, 2, 3)).save("x.png"), ValueError,
     r"^save: this picture is drawn as SVG only; got 'x.png', save it as .svg"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
